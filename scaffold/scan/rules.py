"""Detection rules as data: load the packaged provider TOML files (and user files), check them."""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from scaffold.errors import ScaffoldError
from scaffold.scan.model import Confidence, RuleInfo, Severity
from scaffold.scan.ruleshape import FORMAT_LITERALS, fixed_characters
from scaffold.scan.validators import VALIDATORS

# Bump when matching code changes what a rule set finds: stores keyed on RuleSet.version rescan.
DETECTION_VERSION = "4"

RULE_KEYS = frozenset(
    {
        "id",
        "description",
        "severity",
        "pattern",
        "keywords",
        "secret_group",
        "entropy",
        "validator",
        "remediation",
        "references",
        "examples",
        "negatives",
        "scope",
        "multiline",
        "confidence",
        "value",
        "near",
        "paths",
        "verify",
    }
)
# What a rule's pattern is run on: file content, or values a decoder pulled out of a Kubernetes
# manifest or a SQL dump's INSERT statements.
SCOPES = ("content", "kubernetes-data", "kubernetes-stringdata", "sql-password")
FILE_KEYS = frozenset(
    {"provider", "format", "severity", "confidence", "value", "remediation", "references", "rules"}
)
# What a secret is, which decides the checks a candidate gets (see docs/rules.md):
# token = a provider's generated key; password = what a person typed into a credential format;
# generic = a value that only a nearby word such as `password` points at.
VALUES = ("token", "password", "generic")
ID_SHAPE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Constructs Python accepts but Hyperscan does not (or reads differently): both engines must agree.
# Checked on the pattern with escapes and [classes] blanked out (see _skeleton).
UNPORTABLE = re.compile(r"\(\?<?[=!]|\(\?P=|\(\?>|\(\?\(|\\[1-9]|\\Z|[*+?}]\+")

# Validators whose verdict is a checksum: a token that passes is almost surely real.
CHECKSUM_VALIDATORS = frozenset({"crc32-base62", "pypi-macaroon"})
# Example strings mark the expected secret with these; no marker = the whole example.
SECRET_OPEN, SECRET_CLOSE = "«", "»"


class RuleError(ScaffoldError):
    """A rule file is broken; the message names the file and the rule."""


@dataclass(frozen=True)
class Rule:
    """One entry of a provider's TOML file under scaffold/rules/."""

    id: str
    description: str
    provider: str
    severity: Severity
    pattern: str  # Python `re` syntax, no lookaround/backreferences (Hyperscan-compatible)
    keywords: tuple[str, ...]  # lowercase literals; one must occur for the regex to run
    secret_group: int  # capture group holding the secret (0 = whole match)
    entropy: float | None
    validator: str | None
    remediation: str
    references: tuple[str, ...]
    examples: tuple[str, ...]  # generator syntax (scaffold.scan.examples), expanded at test time
    negatives: tuple[str, ...]
    source: str = ""  # the file the rule came from, for error messages
    scope: str = "content"  # see SCOPES
    # Single-line rules run only on lines holding one of their keywords; multiline rules (PEM
    # blocks, pretty-printed JSON) run on the whole content.
    multiline: bool = False
    confidence: Confidence = Confidence.MEDIUM  # see default_confidence
    # The file recognises a format (a PEM block, a .netrc entry), not one provider's token.
    format: bool = False
    value: str = "token"  # see VALUES
    near: str = ""  # a regex that must match within NEAR_LINES lines of the secret
    paths: tuple[str, ...] = ()  # file names or globs where the rule runs without a keyword
    verify: str = ""  # the `[rules.verify]` table as canonical JSON (scaffold/verify/spec.py)

    def info(self) -> RuleInfo:
        return RuleInfo(
            id=self.id,
            description=self.description,
            provider=self.provider,
            severity=self.severity,
            remediation=self.remediation,
            references=self.references,
            confidence=self.confidence,
        )

    @property
    def generic(self) -> bool:
        """Generic rules give way to a provider rule that matched the same secret."""
        return self.provider == "generic"

    @property
    def precedence(self) -> int:
        """Where hits overlap, only the most telling rule's is kept: generic < format < provider.

        A PEM block inside a GCP key file is reported as the GCP key; a JWT that is a provider's
        token, as that provider's token.
        """
        if self.generic:
            return 0
        return 1 if self.format else 2


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    version: str  # sha256 over rule files + detection code version

    def infos(self) -> tuple[RuleInfo, ...]:
        return tuple(rule.info() for rule in self.rules)

    def by_id(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def split_example(example: str) -> tuple[str, tuple[int, int] | None]:
    """Remove the «secret» markers; return the text and the marked span (character offsets)."""
    start = example.find(SECRET_OPEN)
    if start < 0:
        return example, None
    end = example.find(SECRET_CLOSE, start)
    if end < 0:
        raise ValueError(f"example has {SECRET_OPEN} without {SECRET_CLOSE}: {example[:40]!r}")
    text = example[:start] + example[start + 1 : end] + example[end + 1 :]
    return text, (start, end - 1)


def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleError(f"{where}: `{key}` must be a string or a list of strings")
    return tuple(value)


def _skeleton(pattern: str) -> str:
    """The pattern with [classes] reduced to `C` and escapes (but \\1-9 and \\Z) to `E`."""
    out = []
    i, in_class = 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            escaped = pattern[i : i + 2]
            if not in_class:
                out.append(escaped if escaped[1] in "123456789Z" else "E")
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            # A leading ] (or ^]) is a literal member, not the end of the class.
            if pattern[i + 1 : i + 3] == "^]":
                i += 2
            elif pattern[i + 1 : i + 2] == "]":
                i += 1
            out.append("C")
        else:
            out.append(char)
        i += 1
    return "".join(out)


def _check_pattern(pattern: str, where: str) -> None:
    if not pattern.isascii():
        raise RuleError(f"{where}: pattern must be ASCII (write \\xNN escapes)")
    bad = UNPORTABLE.search(_skeleton(pattern))
    if bad:
        raise RuleError(
            f"{where}: pattern uses {bad.group(0)!r} (lookaround, backreference, atomic or "
            "possessive group, \\Z): Hyperscan cannot compile it"
        )
    try:
        compiled = re.compile(pattern.encode())
    except re.error as exc:
        raise RuleError(f"{where}: pattern does not compile: {exc}") from None
    if compiled.match(b""):
        raise RuleError(f"{where}: pattern matches the empty string")


def default_confidence(
    provider: str, pattern: str, secret_group: int, validator: str | None
) -> Confidence:
    """A rule's confidence when its file does not say: what its format alone proves.

    High: a checksum validates the token, or every secret carries the provider's own fixed
    text (`ghp_`, `xoxb-`, `AKIA`). Low: generic assignments and entropy. Medium: the rest,
    such as a provider's key recognised by a keyword standing next to 32 hex digits.
    """
    if provider == "generic":
        return Confidence.LOW
    if validator in CHECKSUM_VALIDATORS:
        return Confidence.HIGH
    if fixed_characters(pattern, secret_group) >= FORMAT_LITERALS:
        return Confidence.HIGH
    return Confidence.MEDIUM


def _confidence(raw: Any, where: str) -> Confidence | None:
    if raw is None:
        return None
    try:
        return Confidence(raw)
    except ValueError:
        choices = ", ".join(c.value for c in Confidence)
        raise RuleError(f"{where}: confidence must be one of {choices}") from None


def _value(raw: Any, defaults: dict[str, Any], rule_id: str, where: str) -> str:
    value = raw.get("value", defaults.get("value"))
    if value is None:
        if defaults["provider"] == "generic":
            return "generic"
        return "password" if rule_id.endswith("-password") else "token"
    if value not in VALUES:
        raise RuleError(f"{where}: value must be one of {', '.join(VALUES)}")
    return str(value)


def _near(raw: Any, where: str) -> str:
    near = raw.get("near", "")
    if not isinstance(near, str):
        raise RuleError(f"{where}: `near` must be a regex string")
    if near:
        try:
            re.compile(near.encode())
        except re.error as exc:
            raise RuleError(f"{where}: `near` does not compile: {exc}") from None
    return near


def _rule(raw: Any, defaults: dict[str, Any], source: str, index: int) -> Rule:
    if not isinstance(raw, dict):
        raise RuleError(f"{source}: rules[{index}] must be a table")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not ID_SHAPE.match(rule_id):
        raise RuleError(f"{source}: rules[{index}] needs an `id` like `provider-token-kind`")
    where = f"{source}: rule {rule_id}"
    unknown = sorted(set(raw) - RULE_KEYS)
    if unknown:
        raise RuleError(f"{where}: unknown key(s) {', '.join(unknown)}")
    for key in ("description", "pattern", "remediation"):
        if key not in raw and key not in defaults:
            raise RuleError(f"{where}: missing `{key}`")
    pattern = raw["pattern"]
    if not isinstance(pattern, str):
        raise RuleError(f"{where}: `pattern` must be a string")
    _check_pattern(pattern, where)
    groups = re.compile(pattern.encode()).groups
    secret_group = raw.get("secret_group", 1 if groups else 0)
    if not isinstance(secret_group, int) or not 0 <= secret_group <= groups:
        raise RuleError(f"{where}: secret_group must be 0..{groups} (the pattern's groups)")
    paths = _strings(raw.get("paths", []), where, "paths")
    keywords = _strings(raw.get("keywords", []), where, "keywords")
    if (not keywords and not paths) or any(
        not k or not k.isascii() or k != k.lower() for k in keywords
    ):
        raise RuleError(
            f"{where}: keywords must be non-empty lowercase ASCII literals (or give `paths`)"
        )
    severity = raw.get("severity", defaults.get("severity", "high"))
    try:
        severity = Severity(severity)
    except ValueError:
        choices = ", ".join(s.value for s in Severity)
        raise RuleError(f"{where}: severity must be one of {choices}") from None
    entropy = raw.get("entropy")
    if entropy is not None and (not isinstance(entropy, int | float) or entropy < 0):
        raise RuleError(f"{where}: entropy must be a number of bits per character")
    validator = raw.get("validator")
    if validator is not None and validator not in VALIDATORS:
        raise RuleError(
            f"{where}: unknown validator {validator!r} (known: {', '.join(sorted(VALIDATORS))})"
        )
    examples = _strings(raw.get("examples", []), where, "examples")
    if not examples:
        raise RuleError(f"{where}: needs at least one positive example")
    scope = raw.get("scope", "content")
    if scope not in SCOPES:
        raise RuleError(f"{where}: scope must be one of {', '.join(SCOPES)}")
    multiline = raw.get("multiline", False)
    if not isinstance(multiline, bool):
        raise RuleError(f"{where}: multiline must be true or false")
    if any("\n" in k or "\r" in k for k in keywords):
        raise RuleError(f"{where}: keywords cannot contain line breaks")
    format_file = defaults.get("format", False)
    if not isinstance(format_file, bool):
        raise RuleError(f"{source}: `format` must be true or false")
    confidence = _confidence(raw.get("confidence", defaults.get("confidence")), where)
    if confidence is None:
        confidence = default_confidence(defaults["provider"], pattern, secret_group, validator)
    verify = ""
    if "verify" in raw:
        from scaffold.verify.spec import SpecError, canonical

        try:
            verify = canonical(raw["verify"])
        except SpecError as exc:
            raise RuleError(f"{where}: {exc}") from None
    description = raw.get("description", "")
    remediation = raw.get("remediation", defaults.get("remediation", ""))
    if not isinstance(description, str) or not isinstance(remediation, str):
        raise RuleError(f"{where}: description and remediation must be strings")
    return Rule(
        id=rule_id,
        description=description,
        provider=defaults["provider"],
        severity=severity,
        pattern=pattern,
        keywords=tuple(dict.fromkeys(keywords)),
        secret_group=secret_group,
        entropy=float(entropy) if entropy is not None else None,
        validator=validator,
        remediation=remediation,
        references=_strings(raw.get("references", defaults.get("references", [])), where, "refs"),
        examples=examples,
        negatives=_strings(raw.get("negatives", []), where, "negatives"),
        source=source,
        scope=scope,
        multiline=multiline,
        confidence=confidence,
        format=format_file,
        value=_value(raw, defaults, rule_id, where),
        near=_near(raw, where),
        paths=paths,
        verify=verify,
    )


def parse_rule_file(text: str, source: str) -> tuple[Rule, ...]:
    """The rules of one provider file; RuleError names the file and the rule on any problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{source}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - FILE_KEYS)
    if unknown:
        raise RuleError(f"{source}: unknown top-level key(s) {', '.join(unknown)}")
    provider = data.get("provider")
    if not isinstance(provider, str) or not provider:
        raise RuleError(f'{source}: needs a top-level `provider = "..."`')
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RuleError(f"{source}: needs at least one [[rules]] table")
    defaults = {k: v for k, v in data.items() if k != "rules"}
    return tuple(_rule(raw, defaults, source, i) for i, raw in enumerate(raw_rules))


def _packaged() -> Iterable[tuple[str, str]]:
    folder = resources.files("scaffold") / "rules"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            yield f"scaffold/rules/{entry.name}", entry.read_text(encoding="utf-8")


def _user(paths: Sequence[Path]) -> Iterable[tuple[str, str]]:
    for path in paths:
        files = sorted(path.glob("*.toml")) if path.is_dir() else [path]
        for file in files:
            try:
                yield str(file), file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise RuleError(f"{file}: cannot read rule file: {exc}") from None


def build_ruleset(files: Iterable[tuple[str, str]]) -> RuleSet:
    """A RuleSet from (name, TOML text) pairs; ids must be unique across all files."""
    digest = hashlib.sha256(f"detection-v{DETECTION_VERSION}".encode())
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for source, text in files:
        digest.update(f"\x00{source}\x00".encode() + text.encode())
        for rule in parse_rule_file(text, source):
            if rule.id in seen:
                raise RuleError(f"{source}: rule {rule.id}: duplicate id (also in {seen[rule.id]})")
            seen[rule.id] = source
            rules.append(rule)
    return RuleSet(rules=tuple(rules), version=digest.hexdigest())


def load_rules(extra: Sequence[Path] = ()) -> RuleSet:
    """The packaged rules plus user rule files (or folders of *.toml)."""
    return build_ruleset([*_packaged(), *_user(extra)])
