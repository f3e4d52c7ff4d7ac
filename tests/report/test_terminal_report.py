"""The terminal report: colour on a real terminal only, and the summary and advice people act on."""

from __future__ import annotations

import dataclasses
import fcntl
import io
import os
import struct
import termios
import threading

import pytest

from scaffold.report import REPORTERS
from scaffold.report.terminal import MAX_LISTED_PATHS, MAX_TABLE_ROWS, render
from scaffold.scan.model import Confidence, ScanResult
from tests.report.sample import sample_results, staged_result


def _through_a_terminal(results: list[ScanResult], columns: int = 100) -> str:
    master, replica = os.openpty()
    fcntl.ioctl(replica, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    chunks: list[bytes] = []

    def drain() -> None:  # a pty buffer is small: read while the report is written
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    with os.fdopen(replica, "w", encoding="utf-8") as out:
        REPORTERS["terminal"](results, out)
    reader.join(timeout=10)
    os.close(master)
    return b"".join(chunks).decode("utf-8", errors="replace")


def test_colour_on_a_terminal() -> None:
    text = _through_a_terminal(sample_results())
    assert "\x1b[" in text
    assert "CRITICAL" in text and "What to do" in text


def test_no_colour_on_a_terminal_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    text = _through_a_terminal(sample_results())
    assert "\x1b[3" not in text and "\x1b[4" not in text  # no foreground/background colours
    assert "CRITICAL" in text


def test_no_colour_and_no_trailing_blanks_in_a_pipe() -> None:
    out = io.StringIO()
    REPORTERS["terminal"](sample_results(), out)
    text = out.getvalue()
    assert "\x1b[" not in text
    assert all(line == line.rstrip() for line in text.splitlines())


def _plain(results: list[ScanResult]) -> str:
    out = io.StringIO()
    render(results, out, width=100, color=False)
    return out.getvalue()


def test_summary_counts_and_lists_what_was_not_scanned() -> None:
    text = _plain(sample_results())
    assert "4 secrets (6 places) in 4 files and 1 commit message, 2 suppressed" in text
    assert "1 more secret held back (1 low-confidence): show with --confidence low" in text
    assert "Scanned 1,234 blobs (56.8 MB) from 321 commits in 4.50 s" in text
    assert "warning: shallow clone: history before 1111111 not scanned" in text
    assert "Scan incomplete: part of what was asked for was not read" in text
    assert "Not scanned (2 items):" in text
    assert "assets/video.mp4 (dddddddddddd), 31,457,280 bytes: larger than max" in text
    assert "Total: 4 secrets in 2 repositories, 2 suppressed" in text


def test_findings_are_grouped_most_severe_first() -> None:
    text = _plain(sample_results())
    positions = [text.index(word) for word in ("CRITICAL", "HIGH ", "MEDIUM")]
    assert positions == sorted(positions)
    # the newest place first, then where it was introduced
    assert text.index("1111111 2023-11-14 Alice Example") > text.index("deploy/ci.sh:3")


def test_advice_says_rotate_before_purge_for_each_rule() -> None:
    text = _plain(sample_results())
    advice = " ".join(text[text.index("What to do") :].split())  # ignore where lines wrap
    for rule_id in (
        "aws-secret-access-key",
        "github-pat-classic",
        "slack-bot-token",
        "generic-secret-assignment",
    ):
        block = advice[advice.index(f"{rule_id} (") :]
        assert block.index("Rotate first:") < block.index("purge it from history")
    assert "scaffold purge PATH --fingerprint ID" in advice and "scaffold rotate ID" in advice
    # secrets still at HEAD get a step to remove them from the current files
    assert "secret manager: config/settings.py" in advice


def test_clean_repository() -> None:
    clean = [r for r in sample_results() if not r.findings]
    text = _plain(clean)
    assert "No secrets found." in text
    assert "What to do" not in text and "Total:" not in text


def test_a_huge_report_stays_quick_and_says_what_it_left_out() -> None:
    api = next(r for r in sample_results() if r.findings)
    many = tuple(
        dataclasses.replace(
            finding,
            match=dataclasses.replace(finding.match, secret=f"{finding.match.secret}{i}"),
            provenance=tuple(
                dataclasses.replace(p, path=f"{p.path}.{i}") for p in finding.provenance
            ),
        )
        for i in range(MAX_TABLE_ROWS // 4 + 5)
        for finding in api.findings
    )
    text = _plain([dataclasses.replace(api, findings=many)])
    shown = len({f.fingerprint for f in many if f.confidence is not Confidence.LOW})
    hidden = shown - MAX_TABLE_ROWS
    assert f"… {hidden} more secrets not shown (the least severe)" in text
    assert f"{shown:,} secrets (" in text
    per_rule = MAX_TABLE_ROWS // 4 + 5
    # at-HEAD paths are listed up to a limit
    assert f" and {per_rule - MAX_LISTED_PATHS} more" in " ".join(text.split())


def test_staged_finding_is_not_committed_yet() -> None:
    text = _plain([staged_result()])
    assert "app/.env:1" in text and "not committed" in text
