"""The shape every file-checking hook returns and how a hook prints it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO


@dataclass(frozen=True)
class Problem:
    """One reason to block a commit, pinned to a file and line (0 = the whole file)."""

    path: str
    line: int
    check: str  # short id, e.g. "static-cloud-keys"
    message: str


def check_files(
    paths: Sequence[str], check_text: Callable[[str, str], list[Problem]]
) -> list[Problem]:
    """Run a text check over each file; an unreadable file is a problem, not a crash."""
    problems: list[Problem] = []
    for path in paths:
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except OSError as exc:
            problems.append(Problem(path, 0, "unreadable", exc.strerror or "cannot read"))
            continue
        problems += check_text(path, text)
    return problems


def print_problems(
    hook: str, problems: Sequence[Problem], hint: str, out: TextIO | None = None
) -> int:
    """Print problems as `path:line: [check] message`; return the hook's exit code."""
    stream = out or sys.stdout
    if not problems:
        return 0
    noun = "problem" if len(problems) == 1 else "problems"
    print(f"{hook}: {len(problems)} {noun} would be committed", file=stream)
    for p in sorted(problems, key=lambda p: (p.path, p.line, p.check)):
        where = f"{p.path}:{p.line}" if p.line else p.path
        print(f"  {where}: [{p.check}] {p.message}", file=stream)
    print(hint, file=stream)
    return 1


ALLOW_MARK = "scaffold: allow "


def without_allowed(problems: Sequence[Problem], text: str) -> list[Problem]:
    """Drop problems whose line, or the line above it, says `scaffold: allow <check>`.

    A reviewed exception stays visible in the file, with its reason, next to what it allows.
    """
    lines = text.splitlines()

    def allowed(p: Problem) -> bool:
        for number in (p.line, p.line - 1):
            if 1 <= number <= len(lines):
                line = lines[number - 1]
                at = line.find(ALLOW_MARK)
                if at >= 0 and p.check in line[at + len(ALLOW_MARK) :].replace(",", " ").split():
                    return True
        return False

    return [p for p in problems if not allowed(p)]
