"""What the HTML page is drawn from: every repository's secrets, grouped, with the default view.

The page holds every secret of every repository, the held-back ones included (hidden until a
person asks), so one file answers "what should I act on" and "what else was found".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scaffold.report.common import sorted_results
from scaffold.scan.grouping import Secret, View, group, secret_sort_key
from scaffold.scan.model import ScanResult


@dataclass(frozen=True)
class Repository:
    """One scanned repository and the short name the page calls it by."""

    index: int
    label: str  # the shortest unique tail of its path; the full path goes in a tooltip
    result: ScanResult

    @property
    def status(self) -> str:
        """ok, incomplete or failed (an organisation scan's repository that was not read)."""
        if self.result.extra.get("status", "ok") != "ok":
            return "failed"
        return "ok" if self.result.complete else "incomplete"


@dataclass(frozen=True)
class Entry:
    """One row of the page: a secret, where it was found, and whether the default view shows it."""

    secret: Secret
    repository: Repository
    shown: bool
    order: int  # position in the default order (live first, most severe, most confident)


@dataclass(frozen=True)
class Page:
    repositories: tuple[Repository, ...]
    entries: tuple[Entry, ...]

    @property
    def several(self) -> bool:
        return len(self.repositories) > 1

    @property
    def held(self) -> list[Secret]:
        return [e.secret for e in self.entries if not e.shown]


def short_names(names: Sequence[str]) -> list[str]:
    """The last path part of each name, with more parts where two would read the same."""
    parts = [[p for p in name.rstrip("/").split("/") if p] or [name] for name in names]
    depth = [1] * len(names)
    while True:
        labels = ["/".join(p[-d:]) for p, d in zip(parts, depth, strict=True)]
        clashing = {label for label in labels if labels.count(label) > 1}
        grow = [
            i for i, label in enumerate(labels) if label in clashing and depth[i] < len(parts[i])
        ]
        if not grow:
            return labels
        for i in grow:
            depth[i] += 1


def common_parent(names: Sequence[str]) -> str:
    """The leading path parts every name shares, ending in "/" ("" when none do)."""
    parts = [name.split("/") for name in names]
    shared: list[str] = []
    for column in zip(*(p[:-1] for p in parts), strict=False):  # a name's last part is its own
        if len(set(column)) != 1:
            break
        shared.append(column[0])
    return "/".join(shared) + "/" if "".join(shared) else ""


def build(results: Sequence[ScanResult], view: View | None = None) -> Page:
    """Group every result; rows in the default order across repositories."""
    shows = (view or View()).shows
    ordered = sorted_results(results)
    labels = short_names([r.repository for r in ordered])
    repositories = tuple(
        Repository(i, label, result)
        for i, (label, result) in enumerate(zip(labels, ordered, strict=True))
    )
    pairs = [(secret, repo) for repo in repositories for secret in group(repo.result)]
    pairs.sort(key=lambda pair: (secret_sort_key(pair[0]), pair[1].index))
    entries = tuple(
        Entry(secret, repo, shows(secret), order) for order, (secret, repo) in enumerate(pairs)
    )
    return Page(repositories, entries)
