"""What a scan will read: the keys of a source's content in reading order, and their sizes.

A listing is cut into stripes (consecutive stretches of about equal work) that workers read;
keys are held compactly (object ids as raw bytes), never as one Python string each.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, pairwise
from typing import Any, Protocol

from scaffold.scan.model import Skipped


class OidArray:
    """An append-only list of object ids stored as raw bytes, not Python strings."""

    def __init__(self) -> None:
        self._raw = bytearray()
        self._width = 0

    def append(self, hex_oid: bytes) -> None:
        raw = bytes.fromhex(hex_oid.decode("ascii"))
        if not self._width:
            self._width = len(raw)
        self._raw += raw

    def extend(self, other: OidArray) -> None:
        if other._width:
            self._width = other._width
            self._raw += other._raw

    def __len__(self) -> int:
        return len(self._raw) // self._width if self._width else 0

    def hex(self, index: int) -> bytes:
        w = self._width
        return self._raw[index * w : (index + 1) * w].hex().encode("ascii")

    def slice(self, start: int, stop: int) -> OidArray:
        """The ids from `start` up to `stop`, in order."""
        part = OidArray()
        part._raw = self._raw[start * self._width : stop * self._width]
        part._width = self._width
        return part

    def chunks(self, size: int) -> Iterator[OidArray]:
        """Consecutive slices of at most `size` ids; listing order (pack locality) is kept."""
        for first in range(0, len(self), size or 1):
            yield self.slice(first, first + size)

    def hex_lines(self, start: int) -> Iterator[bytes]:
        """Newline-terminated hex ids from `start`, in chunks that fill a pipe efficiently."""
        chunk = 4096
        for first in range(start, len(self), chunk):
            yield b"".join(self.hex(i) + b"\n" for i in range(first, min(first + chunk, len(self))))


class KeyList:
    """Keys that are not object ids (file paths, index paths): a tuple that slices like
    OidArray."""

    def __init__(self, keys: Sequence[str] = ()) -> None:
        self.keys = tuple(keys)

    def __len__(self) -> int:
        return len(self.keys)

    def slice(self, start: int, stop: int) -> KeyList:
        return KeyList(self.keys[start:stop])

    def extend(self, other: KeyList) -> None:
        self.keys += other.keys


class Part(Protocol):
    """A stretch of a listing: what one `Reader.read` call reads."""

    def __len__(self) -> int: ...

    def slice(self, start: int, stop: int) -> Part: ...

    def extend(self, other: Any, /) -> None: ...


@dataclass(frozen=True)
class Listing:
    """What a scan will read: ids to fetch, and what it will not read and why."""

    to_read: Part
    blob_count: int
    commit_count: int
    bytes_total: int
    skipped: tuple[Skipped, ...]
    warnings: tuple[str, ...]
    sizes: array[int] | None = None  # each listed object's size, in `to_read` order
    gaps: tuple[str, ...] = ()  # why part of the content could not even be listed

    def stripes(self, parts: int | Sequence[float]) -> list[Part]:
        """`to_read` cut into consecutive stretches of work in proportion to `parts` (weights,
        or a number of equal parts); at most that many, none empty. Work is bytes plus a fixed
        cost per object (equal numbers of objects when sizes are unknown)."""
        total = len(self.to_read)
        weights = [1.0] * parts if isinstance(parts, int) else list(parts)
        if total == 0 or not weights:
            return []
        sizes = self.sizes if self.sizes is not None else array("Q", bytes(8 * total))
        costs = list(accumulate(size + _OBJECT_COST for size in sizes))
        shares = list(accumulate(weights))
        bounds = [0]
        for share in shares[:-1]:
            target = costs[-1] * share / shares[-1]
            at = bisect_left(costs, target)  # the object during which the target is reached
            # end the stripe before or after that object, whichever lands nearer the target
            cut = at + 1 if at == 0 or costs[at] - target < target - costs[at - 1] else at
            if bounds[-1] < cut < total:
                bounds.append(cut)
        bounds.append(total)
        return [self.to_read.slice(a, b) for a, b in pairwise(bounds)]


# What reading and matching one object costs beyond its bytes, in bytes (headers, calls).
_OBJECT_COST = 4096


def work(sizes: Sequence[int]) -> int:
    """What reading and matching objects of these sizes costs, in bytes."""
    return sum(sizes) + _OBJECT_COST * len(sizes)


class Pending:
    """Blocks of a streamed listing not yet handed out, joined into one stretch."""

    def __init__(self) -> None:
        self.to_read: Part | None = None
        self.sizes = array("Q")

    def __len__(self) -> int:
        return len(self.sizes)

    def add(self, block: Listing) -> None:
        if not len(block.to_read):
            return
        if self.to_read is None:
            self.to_read = block.to_read.slice(0, len(block.to_read))  # a copy of our own
        else:
            self.to_read.extend(block.to_read)
        self.sizes.extend(block.sizes or array("Q", bytes(8 * len(block.to_read))))

    def work(self) -> int:
        return work(self.sizes)

    def take(self, budget: int) -> Part:
        """The first stretch worth at least `budget` (or everything), removed from here."""
        assert self.to_read is not None
        spent = count = 0
        for size in self.sizes:
            spent += size + _OBJECT_COST
            count += 1
            if spent >= budget:
                break
        part = self.to_read.slice(0, count)
        self.to_read = self.to_read.slice(count, len(self.sizes))
        self.sizes = self.sizes[count:]
        return part

    def listing(self) -> Listing:
        """Everything pending, as one listing (to cut into the last stripes)."""
        assert self.to_read is not None
        return Listing(self.to_read, len(self.sizes), 0, sum(self.sizes), (), (), self.sizes)
