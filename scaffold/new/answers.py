"""Answers given on the command line, and what copier.yml says about its questions.

copier.yml stays the only place questions are defined: this module only reads it to know which
questions lack a default (so a run without a terminal fails instead of hanging) and which names
exist (so a typo in `--data` is caught).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from scaffold.errors import UsageError


@dataclass(frozen=True)
class QuestionInfo:
    """What the wizard needs to know about one copier.yml question."""

    name: str
    has_default: bool
    conditional: bool  # `when:` is templated or false: Copier decides whether it is asked
    secret: bool
    type: str = "str"  # Copier's type name; "bool" answers given as text are checked here
    help: str = ""  # copier.yml's help text (may hold Jinja referring to earlier answers)


class _LenientLoader(yaml.SafeLoader):
    """SafeLoader that reads Copier's `!include` and other custom tags as plain values."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    return None


_LenientLoader.add_multi_constructor("!", _any_tag)


def parse_questions(text: str) -> list[QuestionInfo]:
    """Questions of a copier.yml (all of its YAML documents), in order; settings (`_x`) skipped."""
    merged: dict[str, Any] = {}
    try:
        for document in yaml.load_all(text, Loader=_LenientLoader):  # a SafeLoader subclass
            if isinstance(document, dict):
                merged.update(document)
    except yaml.YAMLError as exc:
        raise UsageError(f"the template's copier.yml is not valid YAML: {exc}") from exc
    questions: list[QuestionInfo] = []
    for name, spec in merged.items():
        if not isinstance(name, str) or name.startswith("_"):
            continue
        if not isinstance(spec, dict):
            # shorthand `name: default`
            kind = "bool" if isinstance(spec, bool) else "str"
            questions.append(
                QuestionInfo(name, has_default=True, conditional=False, secret=False, type=kind)
            )
            continue
        when = spec.get("when", True)
        conditional = when is False or (isinstance(when, str) and "{" in when)
        questions.append(
            QuestionInfo(
                name,
                has_default="default" in spec and spec["default"] is not None,
                conditional=conditional,
                secret=bool(spec.get("secret", False)),
                type=str(
                    spec.get("type") or ("bool" if isinstance(spec.get("default"), bool) else "str")
                ),
                help=str(spec.get("help") or ""),
            )
        )
    return questions


def parse_data_pairs(pairs: Sequence[str]) -> dict[str, str]:
    """`--data key=value` options as a mapping; Copier casts each value to its question's type."""
    data: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"--data expects KEY=VALUE, got {pair!r}")
        data[key] = value
    return data


def load_data_file(path: Path) -> dict[str, Any]:
    """Answers from a YAML file (a mapping of question name to answer)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read --data-file {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"--data-file {path} is not UTF-8 text") from exc
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        reason = " ".join(str(exc).split())
        raise UsageError(f"--data-file {path} is not valid YAML: {reason}") from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict) or not all(isinstance(k, str) for k in loaded):
        raise UsageError(f"--data-file {path} must be a mapping of question names to answers")
    # answers recorded by Copier carry private keys (`_src_path`, `_commit`): not answers
    return {k: v for k, v in loaded.items() if not k.startswith("_")}


# The words Copier reads as booleans; anything else it would silently take as true.
_BOOLEAN_WORDS = frozenset(
    {"", "y", "yes", "t", "true", "on", "n", "no", "f", "false", "off", "~", "null", "none"}
)


def _is_boolean_text(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return value.strip().lower() in _BOOLEAN_WORDS
    return True


def check_booleans(questions: Iterable[QuestionInfo], given: Mapping[str, Any]) -> None:
    """Refuse `--data with_database=maybe`, which Copier would take as true."""
    for q in questions:
        value = given.get(q.name)
        if q.type == "bool" and isinstance(value, str) and not _is_boolean_text(value):
            raise UsageError(f"invalid answer for {q.name}: {value!r} is not true or false")


def unknown_answers(questions: Iterable[QuestionInfo], given: Mapping[str, Any]) -> list[str]:
    """Names in `given` that the template does not ask about (typos, another template's keys)."""
    known = {q.name for q in questions}
    return sorted(name for name in given if name not in known)


def missing_answers(
    questions: Iterable[QuestionInfo], given: Mapping[str, Any], defaults: Mapping[str, Any]
) -> list[str]:
    """Questions that would need a person: no answer given, no default, always asked."""
    return [
        q.name
        for q in questions
        if q.name not in given
        and q.name not in defaults
        and not q.has_default
        and not q.conditional
    ]
