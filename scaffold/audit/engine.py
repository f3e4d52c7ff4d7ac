"""Audit one repository: its files -> parsed inputs -> every check's verdict -> a scorecard."""

from __future__ import annotations

from collections.abc import Sequence

from scaffold.audit.checks import load_checks
from scaffold.audit.evaluators import EVALUATORS
from scaffold.audit.files import RepoFiles
from scaffold.audit.history import HistoryOutcome
from scaffold.audit.inputs import Inputs
from scaffold.audit.model import Check, Location, Outcome, RepoAudit, Status, Verdict


def _evaluate(check: Check, inputs: Inputs) -> Verdict:
    evaluator = EVALUATORS[check.evaluator]
    verdict = evaluator.run(inputs)
    issues = [i for kind in evaluator.reads for i in inputs.issues.get(kind, [])]
    if not issues or verdict.status == Status.FAIL:
        return verdict  # a failure found in the files that parsed stands
    first = issues[0]
    more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
    return Verdict(
        Status.NOT_EVALUATED,
        f"{first.path} does not parse: line {first.line}: {first.message}{more}",
        tuple(Location(i.path, i.line, i.message) for i in issues),
    )


def audit_files(
    repo: RepoFiles,
    *,
    history: HistoryOutcome | None = None,
    checks: Sequence[Check] | None = None,
    extra: Sequence[Outcome] = (),
) -> RepoAudit:
    """Every file-based check over `repo`; `extra` adds verdicts from elsewhere (AWS)."""
    inputs = Inputs(repo)
    inputs.history = history  # type: ignore[attr-defined]
    chosen = [c for c in (checks or load_checks()) if c.source == "files"]
    outcomes = [Outcome(check, _evaluate(check, inputs)) for check in chosen]
    problems = [str(i) for kind in sorted(inputs.issues) for i in inputs.issues[kind]]
    problems += repo.problems
    return RepoAudit(repo.name, (*outcomes, *extra), tuple(dict.fromkeys(problems)))
