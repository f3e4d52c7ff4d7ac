"""The terminal report: a levelled scorecard per repository; a matrix for many."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from typing import TextIO

from scaffold.audit.model import LEVELS, Outcome, RepoAudit, Scope, Status

MARK = {
    Status.PASS: "✅",
    Status.FAIL: "❌",
    Status.NOT_APPLICABLE: "➖",
    Status.NOT_EVALUATED: "⚠️ ",
    Status.UNKNOWN: "❔",
}
MAX_PLACES = 5
MATRIX_FROM = 2  # repositories from which the matrix replaces the scorecards
WIDE = 12  # above this many repositories, repositories become the rows


def _level_line(audit: RepoAudit) -> str:
    level = audit.level
    name = LEVELS.get(level, "")
    head = f"level {level} of {len(LEVELS)}" + (f": {name}" if name else ": not yet survivable")
    counts = [
        f"{audit.count(Status.PASS, Scope.REPOSITORY)} passed",
        f"{audit.count(Status.FAIL, Scope.REPOSITORY)} failed",
        f"{audit.count(Status.NOT_APPLICABLE, Scope.REPOSITORY)} not applicable",
    ]
    unsure = audit.count(Status.NOT_EVALUATED) + audit.count(Status.UNKNOWN)
    if unsure:
        counts.append(f"{unsure} not evaluated (audit incomplete)")
    return f"{head}  ({' · '.join(counts)})"


def _next_step(audit: RepoAudit) -> str:
    target = audit.level + 1
    if target not in LEVELS:
        return "every repository check passes"
    blocking = [
        o for o in audit.scoped(Scope.REPOSITORY)
        if o.check.level <= target and o.status not in (Status.PASS, Status.NOT_APPLICABLE)
    ]  # fmt: skip
    ids = ", ".join(o.check.id for o in blocking)
    return f"to reach level {target} ({LEVELS[target]}): {ids}"


def _outcome(outcome: Outcome, out: TextIO) -> None:
    check, verdict = outcome.check, outcome.verdict
    print(f"    {MARK[verdict.status]} {check.id:<28} {verdict.reason}", file=out)
    if verdict.status in (Status.PASS, Status.NOT_APPLICABLE):
        return
    for loc in verdict.locations[:MAX_PLACES]:
        detail = f"  {loc.message}" if loc.message else ""
        print(f"         {loc}{detail}", file=out)
    if len(verdict.locations) > MAX_PLACES:
        print(f"         … and {len(verdict.locations) - MAX_PLACES} more", file=out)
    if verdict.status == Status.FAIL:
        fix = textwrap.wrap(
            f"fix: {check.fix} See {check.reference}.", width=96, initial_indent="         ",
            subsequent_indent="              ",
            break_on_hyphens=False, break_long_words=False,
        )  # fmt: skip
        print("\n".join(fix), file=out)


def scorecard(audit: RepoAudit, out: TextIO) -> None:
    print(audit.repository, file=out)
    print(f"  {_level_line(audit)}", file=out)
    print(f"  {_next_step(audit)}", file=out)
    for level, name in LEVELS.items():
        rows = [o for o in audit.scoped(Scope.REPOSITORY) if o.check.level == level]
        if rows:
            print(f"\n  Level {level} · {name}", file=out)
            for row in rows:
                _outcome(row, out)
    account = audit.scoped(Scope.ACCOUNT)
    if account:
        print(
            f"\n  Account baseline (level {audit.account_level}; usually its own stack, "
            "not each service: `--aws` checks the account itself)",
            file=out,
        )
        for row in account:
            _outcome(row, out)
    if "changes" in audit.extra:
        changes = json.loads(audit.extra["changes"])
        print("\n  Since the last audit:", file=out)
        if not changes:
            print("    nothing changed", file=out)
        for change in changes:
            print(f"    {change['id']}: {change['before']} -> {change['after']}", file=out)
    if audit.problems:
        print("\n  Not read:", file=out)
        for problem in audit.problems:
            print(f"    {problem}", file=out)


def matrix(audits: Sequence[RepoAudit], out: TextIO) -> None:
    checks = [o.check for o in audits[0].outcomes]
    marks = {a.repository: {o.check.id: MARK[o.status].strip() for o in a.outcomes} for a in audits}
    names = [a.repository.rstrip("/").rsplit("/", 1)[-1] for a in audits]
    if len(audits) <= WIDE:
        width = max(len(c.id) for c in checks) + 4
        print(" " * width + " ".join(f"[{i + 1:>2}]" for i in range(len(audits))), file=out)
        for check in checks:
            cells = " ".join(f" {marks[a.repository].get(check.id, ' ')}  " for a in audits)
            print(f"L{check.level} {check.id:<{width - 3}}{cells}", file=out)
        levels = " ".join(f" {a.level:>2} " for a in audits)
        print(f"{'level':<{width}}{levels}", file=out)
        print("", file=out)
        for i, (audit, name) in enumerate(zip(audits, names, strict=True)):
            print(f"  [{i + 1:>2}] {name}  ({audit.repository})", file=out)
    else:
        width = max(len(n) for n in names) + 2
        print(
            f"{'repository':<{width}}lvl " + "".join(f"{i + 1:<3}" for i in range(len(checks))),
            file=out,
        )
        for audit, name in zip(audits, names, strict=True):
            cells = "".join(f"{marks[audit.repository].get(c.id, ' '):<2} " for c in checks)
            print(f"{name:<{width}} {audit.level:<2} {cells}", file=out)
        print("", file=out)
        for i, check in enumerate(checks):
            print(f"  {i + 1:>2} L{check.level} {check.id}", file=out)
    reached = {level: sum(1 for a in audits if a.level >= level) for level in LEVELS}
    summary = " · ".join(f"level {k}: {v}/{len(audits)}" for k, v in reached.items())
    print(f"\n{len(audits)} repositories · {summary}", file=out)


def report(audits: Sequence[RepoAudit], out: TextIO) -> None:
    if len(audits) >= MATRIX_FROM:
        matrix(audits, out)
        return
    for audit in audits:
        scorecard(audit, out)
