"""The one place where exceptions become messages and exit codes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

EXIT_OK = 0
EXIT_FINDINGS = 1  # a result, not an error: the scan found something / drift exists
EXIT_USAGE = 2  # bad input from the user: arguments, paths, repositories, answers
EXIT_INTERNAL = 3  # a bug in scaffold
# A scan that could not read everything it was asked to: findings (if any) are reported, but
# part of the history (an object, a repository, an archive) was not read. Never 0 or 1, so CI
# cannot pass on a scan that stopped early.
EXIT_INCOMPLETE = 4
# purge: a safety precondition does not hold (dirty tree, live secret); nothing was changed
EXIT_REFUSED = 5
# purge rewrote history but a check afterwards failed: restore from the bundle it names
EXIT_CHECK_FAILED = 6
EXIT_INTERRUPTED = 130  # Ctrl-C


def scan_exit_code(*, findings: bool, complete: bool) -> int:
    """What a scan (of one repository or many) exits with: incomplete beats findings."""
    if not complete:
        return EXIT_INCOMPLETE
    return EXIT_FINDINGS if findings else EXIT_OK


class ScaffoldError(Exception):
    """A problem the user can fix; rendered as one line, never a traceback."""

    exit_code: int = EXIT_USAGE

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__


class UsageError(ScaffoldError):
    """Arguments or input that cannot be used as given."""


class RepositoryError(ScaffoldError):
    """A git repository that is missing, unreadable or in a state we refuse to touch."""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def report_error(message: str, stream: TextIO | None = None) -> None:
    """Print one red `error:` line on stderr (plain when not a terminal)."""
    out = stream or sys.stderr
    line = f"error: {_one_line(message)}"
    if out.isatty():
        line = f"\x1b[31m{line}\x1b[0m"
    print(line, file=out)


def guarded(run: Callable[[], int]) -> int:
    """Run a command body and turn whatever escapes it into an exit code."""
    try:
        return run()
    except ScaffoldError as exc:
        report_error(exc.message)
        return exc.exit_code
    except KeyboardInterrupt:
        report_error("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # the reader went away (`scaffold scan | head`); nothing more to say
        return EXIT_OK
    except Exception as exc:
        import traceback

        traceback.print_exc()
        report_error(
            f"internal error ({type(exc).__name__}): this is a bug in scaffold, please report it "
            "with the traceback above"
        )
        return EXIT_INTERNAL
