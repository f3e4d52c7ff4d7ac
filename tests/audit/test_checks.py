"""Every check is data with examples; one test runs them all (a new check needs no new test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.audit import files
from scaffold.audit.checks import load_checks
from scaffold.audit.engine import audit_files
from scaffold.audit.model import Check, Status

CHECKS = load_checks()
# Checks whose examples cannot be files: history needs a git history (tests/audit/test_history.py).
NEEDS_MORE_THAN_FILES = {"history"}


def _examples() -> list[tuple[Check, int]]:
    return [(c, i) for c in CHECKS for i in range(len(c.examples))]


def test_every_file_check_has_a_passing_and_a_failing_example() -> None:
    for check in CHECKS:
        if check.source != "files" or check.evaluator in NEEDS_MORE_THAN_FILES:
            continue
        expected = {e.expect for e in check.examples}
        assert {Status.PASS, Status.FAIL} <= expected, f"{check.id} needs both kinds of example"


def test_checks_say_what_they_stand_for() -> None:
    ids = [c.id for c in CHECKS]
    assert len(ids) == len(set(ids))
    for check in CHECKS:
        assert check.item and check.how and check.passing and check.link, check.id
        assert len(check.fix.split()) >= 12, f"{check.id}: the fix is one real paragraph"


@pytest.mark.parametrize(("check", "index"), _examples(), ids=lambda v: getattr(v, "id", str(v)))
def test_example(check: Check, index: int, tmp_path: Path) -> None:
    example = check.examples[index]
    for name, text in example.files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    audit = audit_files(files.from_directory(tmp_path), checks=[check])
    (outcome,) = audit.outcomes
    assert outcome.status == example.expect, outcome.verdict.reason
    if example.at:
        where = [str(loc) for loc in outcome.verdict.locations]
        assert example.at in where, f"{check.id}: expected {example.at} in {where}"
