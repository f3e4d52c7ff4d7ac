"""Golden files for what people read: the HTML page and the organisation summary."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from scaffold.org.summary import render, summarise
from scaffold.report.html import report as html_report
from scaffold.scan.model import (
    Finding,
    Match,
    Provenance,
    RuleInfo,
    ScanResult,
    ScanStats,
    Severity,
    SourceKind,
)
from tests.tokens import github_pat, stripe_live_key

GOLDEN = Path(__file__).parent / "golden"


def _results() -> list[ScanResult]:
    pat, stripe = github_pat(11), stripe_live_key(12)
    critical = RuleInfo("github-pat", "GitHub token", "github", Severity.CRITICAL, "Revoke <it>")
    high = RuleInfo("stripe-live-key", "Stripe key", "stripe", Severity.HIGH, "Roll the key")
    place = Provenance(
        "a" * 40, "src/<app>.py", "Dev", "dev@example.com", "2024-03-01T10:00:00+00:00"
    )
    findings = (
        Finding(Match(critical.id, pat, 10, 50, 3, 9), critical, SourceKind.BLOB, "b" * 40,
                "github.com/acme/api", (place,), ("refs/heads/main",), True),
        Finding(Match(high.id, stripe, 0, 32, 1, 1), high, SourceKind.COMMIT_MESSAGE, "c" * 40,
                "github.com/acme/api", (place,), (), False),
    )  # fmt: skip
    return [
        ScanResult("github.com/acme/api", findings, (critical, high), ScanStats(12, 3400, 5, 1.25)),
        ScanResult("github.com/acme/web", (), (critical, high), ScanStats(3, 100, 2, 0.5),
                   warnings=("not scanned: git fetch failed: timeout",),
                   extra={"status": "failed"}),
    ]  # fmt: skip


def _check(name: str, text: str) -> None:
    golden = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_html_report_is_pinned_and_has_no_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setattr("scaffold.__version__", "9.9.9")
    out = io.StringIO()
    results = _results()
    html_report(results, out, show_secrets=True)  # ignored: a page never shows secrets
    text = out.getvalue()
    for finding in results[0].findings:
        assert finding.match.secret not in text
    assert "&lt;app&gt;" in text and "<app>" not in text
    _check("report.html", text)


def test_terminal_summary_is_pinned() -> None:
    out = io.StringIO()
    statuses = {"github.com/acme/web": ("failed", "git fetch failed: timeout")}
    render(summarise(_results(), statuses), out, footer="2 repositories · 2 findings")
    _check("summary.txt", out.getvalue())
