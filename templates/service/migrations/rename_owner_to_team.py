"""Copier migration (template 0.1.0): the `owner` answer became `team` (CODEOWNERS team slug).

Runs before the update renders, inside the generated project, so the project's old answer is
carried over instead of being replaced by the new question's default. Line-based, so the
answers file keeps its order and comments; idempotent, so running it twice changes nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

ANSWERS = Path(".copier-answers.yml")


def migrate(text: str) -> str:
    lines = text.splitlines(keepends=True)
    if any(line.startswith("team:") for line in lines):
        return text  # already migrated, or both present: the new name wins
    return "".join(
        "team:" + line[len("owner:") :] if line.startswith("owner:") else line for line in lines
    )


def main() -> int:
    if not ANSWERS.is_file():
        print(f"migration: {ANSWERS} not found in {Path.cwd()}", file=sys.stderr)
        return 1
    text = ANSWERS.read_text(encoding="utf-8")
    migrated = migrate(text)
    if migrated != text:
        ANSWERS.write_text(migrated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
