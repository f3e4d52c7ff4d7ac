"""`--shard K/N`: a deterministic split of repositories so N CI jobs each scan one part."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from scaffold.errors import UsageError
from scaffold.org.targets import RepoTarget

_SHAPE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based, as CI matrices count
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def owns(self, identity: str) -> bool:
        """Stable across machines and Python runs: a hash of the identity, not hash()."""
        digest = hashlib.sha256(identity.encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    def select(self, targets: Sequence[RepoTarget]) -> list[RepoTarget]:
        return [target for target in targets if self.owns(target.identity)]


def parse_shard(text: str) -> Shard:
    match = _SHAPE.match(text)
    if not match:
        raise UsageError(f"--shard {text!r}: expected K/N, e.g. 2/4")
    index, count = int(match[1]), int(match[2])
    if count < 1 or not 1 <= index <= count:
        raise UsageError(f"--shard {text}: K must be between 1 and N (N >= 1)")
    return Shard(index, count)
