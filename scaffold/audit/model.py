"""The records an audit produces: checks (data), verdicts, and a repository's scorecard."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

LEVELS = {
    1: "production is survivable",
    2: "changes are safe",
    3: "the platform is repeatable",
}


DOCS_URL = "https://github.com/scaffold-dev/scaffold/blob/main"


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not-applicable"  # nothing here for the check to look at (says why)
    NOT_EVALUATED = "not-evaluated"  # a file it needs does not parse, or it was not run
    UNKNOWN = "unknown"  # the AWS account could not answer (credentials, permission)


class Scope(StrEnum):
    REPOSITORY = "repository"  # the repository itself should provide it
    ACCOUNT = "account"  # the AWS account provides it (an account-baseline stack, --aws)


@dataclass(frozen=True)
class Example:
    """A tree of files and what the check must say about it (positive or negative)."""

    files: dict[str, str]
    expect: Status
    at: str = ""  # "path:line" the failure must point at, for failing examples


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    level: int
    scope: Scope
    item: str  # the checklist item or seed practice it stands for
    evaluator: str  # key into the evaluator table (evaluators/__init__.py)
    how: str  # how it is evaluated
    passing: str  # what passing looks like
    fix: str  # one paragraph
    link: str  # the runbook or the file `adopt` adds
    source: str = "files"  # "files" or "aws"
    examples: tuple[Example, ...] = ()

    @property
    def reference(self) -> str:
        """Where a reader goes next: scaffold's docs, or the file `scaffold adopt` adds."""
        if self.link.startswith("docs/audit.md"):
            return f"{DOCS_URL}/{self.link}"
        return f"{self.link} (`scaffold adopt` adds it)"


@dataclass(frozen=True)
class Location:
    path: str
    line: int = 0  # 0: the whole file, or a file that should exist
    message: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Verdict:
    status: Status
    reason: str = ""
    locations: tuple[Location, ...] = ()


@dataclass(frozen=True)
class Outcome:
    check: Check
    verdict: Verdict

    @property
    def status(self) -> Status:
        return self.verdict.status


@dataclass(frozen=True)
class RepoAudit:
    """One repository's scorecard."""

    repository: str
    outcomes: tuple[Outcome, ...]
    problems: tuple[str, ...] = ()  # files that did not parse, links not followed, ...
    extra: dict[str, str] = field(default_factory=dict)

    def scoped(self, scope: Scope) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.check.scope == scope)

    @property
    def level(self) -> int:
        """The highest N where every repository check at levels <= N passes (or does not
        apply); account items have their own level (account_level)."""
        return reached_level(self.scoped(Scope.REPOSITORY))

    @property
    def account_level(self) -> int:
        return reached_level(self.scoped(Scope.ACCOUNT))

    @property
    def incomplete(self) -> bool:
        return any(o.status in (Status.NOT_EVALUATED, Status.UNKNOWN) for o in self.outcomes)

    def count(self, status: Status, scope: Scope | None = None) -> int:
        return sum(
            1
            for o in self.outcomes
            if o.status == status and (scope is None or o.check.scope == scope)
        )


def reached_level(outcomes: tuple[Outcome, ...]) -> int:
    """Not applicable never blocks a level (and is never counted as passed); a failure, an
    unparseable file or an unanswered AWS call does."""
    level = 0
    for candidate in sorted(LEVELS):
        blocking = [
            o
            for o in outcomes
            if o.check.level <= candidate and o.status not in (Status.PASS, Status.NOT_APPLICABLE)
        ]
        if blocking:
            break
        level = candidate
    return level
