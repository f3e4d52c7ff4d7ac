"""What users read, pinned: terminal (no colour, width 100), JSON, SARIF and baseline output."""

from __future__ import annotations

import dataclasses
import io

from scaffold.report import REPORTERS
from scaffold.report.terminal import render
from tests.report.conftest import assert_golden
from tests.report.sample import sample_results


def _render(fmt: str) -> str:
    out = io.StringIO()
    REPORTERS[fmt](sample_results(), out)
    return out.getvalue()


def test_terminal_golden() -> None:
    out = io.StringIO()
    render(sample_results(), out, width=100, color=False)
    assert "\x1b[" not in out.getvalue()
    assert_golden("terminal.txt", out.getvalue())


def test_json_golden() -> None:
    assert_golden("report.json", _render("json"))


def test_sarif_golden() -> None:
    assert_golden("report.sarif", _render("sarif"))


def test_baseline_golden() -> None:
    assert_golden("secrets.baseline", _render("baseline"))


def test_output_does_not_depend_on_input_order() -> None:
    results = sample_results()
    shuffled = [
        dataclasses.replace(r, findings=tuple(reversed(r.findings))) for r in reversed(results)
    ]
    for fmt, reporter in REPORTERS.items():
        a, b = io.StringIO(), io.StringIO()
        reporter(results, a)
        reporter(shuffled, b)
        assert a.getvalue() == b.getvalue(), fmt
