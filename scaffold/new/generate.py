"""Render the template with Copier's API into a staging directory; Copier asks what is missing."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from scaffold.errors import ScaffoldError, UsageError
from scaffold.new import fastcopy
from scaffold.new.fastcopy import FileWritten
from scaffold.new.source import Template

_VALIDATION_RE = re.compile(
    r"Validation error for question '(?P<name>[^']+)': (?P<reason>.*)", re.S
)
_CHOICE_RE = re.compile(r"Invalid choice for '(?P<name>[^']+)': (?P<reason>.*)", re.S)
_REQUIRED_RE = re.compile(r'Question "(?P<name>[^"]+)" is required')


def _answer_error(exc: ValueError) -> ScaffoldError:
    """Copier's ValueErrors, rewritten as one line (naming the question when about an answer)."""
    text = " ".join(str(exc).split())
    if match := _VALIDATION_RE.match(text):
        return UsageError(f"invalid answer for {match['name']}: {match['reason']}")
    if match := _CHOICE_RE.match(text):
        return UsageError(f"invalid answer for {match['name']}: {match['reason']}")
    if match := _REQUIRED_RE.search(text):
        return UsageError(
            f"no answer for {match['name']} and it has no default: pass --data "
            f"{match['name']}=VALUE"
        )
    # e.g. "Local template must be a directory.": about the template, not an answer
    return UsageError(f"cannot generate from the template: {text}")


def render(
    template: Template,
    staging: Path,
    *,
    data: Mapping[str, Any],
    user_defaults: Mapping[str, Any],
    use_defaults: bool,
    on_file: FileWritten | None = None,
) -> dict[str, Any]:
    """Render into `staging` (an existing empty directory); return the recorded answers.

    `on_file` is told about each file as soon as Copier has written it.
    """
    from copier.errors import (
        CopierError,
        InteractiveSessionError,
        InvalidTypeError,
        UserMessageError,
    )

    try:
        worker = fastcopy.copy(
            template.url,
            staging,
            on_file,
            data=dict(data),
            vcs_ref=template.ref,
            defaults=use_defaults,
            user_defaults=dict(user_defaults),
            unsafe=False,
            quiet=True,
            # the staging directory is ours to clean; Copier must not remove it under us
            cleanup_on_error=False,
        )
    except KeyboardInterrupt:
        raise
    except InteractiveSessionError as exc:
        raise UsageError(
            "no terminal to ask questions on: pass --defaults and/or --data KEY=VALUE"
        ) from exc
    except InvalidTypeError as exc:
        detail = " ".join(str(exc.__cause__ or exc).split())
        raise UsageError(f"invalid answer: {detail or 'wrong type'}") from exc
    except UserMessageError as exc:
        raise ScaffoldError(f"template error: {' '.join(str(exc).split())}") from exc
    except ValueError as exc:
        # Copier raises ValueError for invalid or missing answers (validators, choices, types)
        raise _answer_error(exc) from exc
    except CopierError as exc:
        raise ScaffoldError(f"template error: {' '.join(str(exc).split())}") from exc
    answers_file = staging / worker.answers_relpath
    return recorded_answers(answers_file)


def recorded_answers(answers_file: Path) -> dict[str, Any]:
    """The answers Copier recorded (private `_` keys and secret answers are not in the file)."""
    if not answers_file.is_file():
        return {}
    loaded = yaml.safe_load(answers_file.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        return {}
    return {k: v for k, v in loaded.items() if isinstance(k, str) and not k.startswith("_")}
