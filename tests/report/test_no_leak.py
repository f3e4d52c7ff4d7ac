"""A secrets tool must not leak: no format prints a full secret unless show_secrets is set."""

from __future__ import annotations

import dataclasses
import io

import pytest

from scaffold.report import REPORTERS
from scaffold.report.terminal import render
from tests.report.sample import Tokens, all_secrets, sample_results


@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_no_format_prints_a_secret_by_default(fmt: str, tokens: Tokens) -> None:
    out = io.StringIO()
    REPORTERS[fmt](sample_results(tokens), out)
    text = out.getvalue()
    assert text.strip()
    for secret in all_secrets(tokens):
        assert secret not in text, f"{fmt} leaked a secret"
        # nor a long piece of one (e.g. everything but the first characters)
        assert secret[4:] not in text, f"{fmt} leaked most of a secret"


def test_terminal_with_colour_and_narrow_width_does_not_leak(tokens: Tokens) -> None:
    out = io.StringIO()
    render(sample_results(tokens), out, width=60, color=True)
    assert "\x1b[" in out.getvalue()
    for secret in all_secrets(tokens):
        assert secret not in out.getvalue()


@pytest.mark.parametrize("fmt", ["terminal", "json"])
def test_show_secrets_prints_them(fmt: str, tokens: Tokens) -> None:
    from scaffold.scan.grouping import ALL

    out = io.StringIO()
    if fmt == "terminal":
        render(sample_results(tokens), out, width=200, show_secrets=True, view=ALL)
    else:
        REPORTERS[fmt](sample_results(tokens), out, show_secrets=True, view=ALL)
    for secret in all_secrets(tokens):
        assert secret in out.getvalue()


@pytest.mark.parametrize("fmt", ["sarif", "baseline"])
def test_shared_formats_never_hold_secrets_even_when_asked(fmt: str, tokens: Tokens) -> None:
    # SARIF is uploaded to code scanning and a baseline is committed: hashes and previews only
    out = io.StringIO()
    REPORTERS[fmt](sample_results(tokens), out, show_secrets=True)
    for secret in all_secrets(tokens):
        assert secret not in out.getvalue()


def test_a_secret_quoted_in_a_commit_summary_is_redacted(tokens: Tokens) -> None:
    out = io.StringIO()
    REPORTERS["json"](sample_results(tokens), out)
    assert "Use xoxb…[56 chars]" in out.getvalue()


@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_a_secret_used_as_a_file_name_is_redacted(fmt: str, tokens: Tokens) -> None:
    results = sample_results(tokens)
    api = next(r for r in results if r.findings)
    finding = next(f for f in api.findings if f.rule.id == "github-pat-classic")
    odd = dataclasses.replace(
        finding,
        provenance=tuple(
            dataclasses.replace(p, path=f"keys/{tokens.github}.txt") for p in finding.provenance
        ),
        in_head=True,
    )
    out = io.StringIO()
    REPORTERS[fmt]([dataclasses.replace(api, findings=(odd,))], out)
    assert tokens.github not in out.getvalue()
    assert "keys/ghp_" in out.getvalue()
