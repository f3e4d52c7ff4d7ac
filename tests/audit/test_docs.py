"""docs/audit.md's list of checks is generated from the checks themselves; it must not drift.

Regenerate: `.venv/bin/python -m tests.audit.test_docs`.
"""

from __future__ import annotations

from pathlib import Path

from scaffold.audit.checks import load_checks

DOC = Path(__file__).resolve().parents[2] / "docs" / "audit.md"
MARKER = "## The checks\n"


def checks_section() -> str:
    lines = [MARKER, "| level | id | scope | source | stands for |", "|---|---|---|---|---|"]
    checks = load_checks()
    for c in checks:
        lines.append(
            f"| {c.level} | [`{c.id}`](#{c.id}) | {c.scope.value} | {c.source} | {c.item} |"
        )
    lines.append("")
    for c in checks:
        lines += [
            f"### {c.id}",
            f"**{c.title}** (level {c.level}, {c.scope.value}). *Evaluated:* {c.how} "
            f"*Passing:* {c.passing}",
            "",
            f"*Fix:* {c.fix} (`{c.link}`)",
            "",
        ]
    return "\n".join(lines).replace(MARKER + "\n", MARKER)


def test_checks_section_is_current() -> None:
    text = DOC.read_text("utf-8")
    assert MARKER in text
    assert text[text.index(MARKER) :] == checks_section(), "run: python -m tests.audit.test_docs"


if __name__ == "__main__":
    text = DOC.read_text("utf-8")
    DOC.write_text(text[: text.index(MARKER)] + checks_section(), encoding="utf-8")
