"""Every rule's own examples: positives yield exactly the marked secret, negatives yield nothing.

Adding a rule needs no test code: write its examples in the TOML file.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from scaffold.scan.detect import Detector
from scaffold.scan.examples import expand
from scaffold.scan.model import Confidence, Validation
from scaffold.scan.rules import Rule, RuleError, default_confidence, load_rules, split_example

RULESET = load_rules()
DETECTOR = Detector(RULESET)
SEEDS = (0, 1)

POSITIVES = [
    pytest.param(rule, example, id=f"{rule.id}-{n}")
    for rule in RULESET.rules
    for n, example in enumerate(rule.examples)
]
NEGATIVES = [
    pytest.param(rule, example, id=f"{rule.id}-{n}")
    for rule in RULESET.rules
    for n, example in enumerate(rule.negatives)
]


def example_path(rule: Rule) -> str | None:
    """Where a rule that runs by path sees its examples: its first path."""
    return rule.paths[0] if rule.paths else None


def expected_secret(rule: Rule, marked: str) -> str:
    # A Secret manifest's `data:` value is reported decoded: the encoded text is not the secret.
    if rule.scope == "kubernetes-data":
        return base64.b64decode(marked).decode()
    return marked


@pytest.mark.parametrize(("rule", "example"), POSITIVES)
def test_positive_example_yields_the_marked_secret(rule: Rule, example: str) -> None:
    for seed in SEEDS:
        text, span = split_example(expand(example, seed))
        data = text.encode()
        start, end = (0, len(text)) if span is None else span
        byte_start, byte_end = len(text[:start].encode()), len(text[:end].encode())
        found = [m for m in DETECTOR.scan(data, path=example_path(rule)) if m.rule_id == rule.id]
        assert [(m.secret, m.start, m.end) for m in found] == [
            (expected_secret(rule, text[start:end]), byte_start, byte_end)
        ], f"seed {seed}: {text!r}"
        if rule.validator in ("crc32-base62", "pypi-macaroon"):
            assert found[0].validation is Validation.CHECKSUM_VALID


@pytest.mark.parametrize(("rule", "example"), NEGATIVES)
def test_negative_example_yields_nothing(rule: Rule, example: str) -> None:
    for seed in SEEDS:
        text, _ = split_example(expand(example, seed))
        found = [
            m for m in DETECTOR.scan(text.encode(), example_path(rule)) if m.rule_id == rule.id
        ]
        assert [m for m in found if not m.allowed] == [], f"seed {seed}: {text!r}"


def test_there_are_at_least_150_rules_with_unique_ids() -> None:
    ids = [rule.id for rule in RULESET.rules]
    assert len(ids) >= 150
    assert len(set(ids)) == len(ids)


def test_every_rule_says_how_to_remediate_and_where_it_comes_from() -> None:
    for rule in RULESET.rules:
        assert rule.description and rule.remediation, rule.id
        assert rule.info().id == rule.id


def test_every_rule_has_a_confidence_that_reaches_its_info() -> None:
    levels = {rule.id: rule.confidence for rule in RULESET.rules}
    assert all(rule.info().confidence is rule.confidence for rule in RULESET.rules)
    assert levels["github-pat-classic"] is Confidence.HIGH  # checksum
    assert levels["slack-bot-token"] is Confidence.HIGH  # the provider's own prefix
    assert levels["aws-secret-access-key"] is Confidence.MEDIUM  # 40 characters by a keyword
    assert levels["jwt"] is Confidence.MEDIUM  # the file says so: a format, not a provider
    generic = [rule for rule in RULESET.rules if rule.generic]
    assert generic and all(rule.confidence is Confidence.LOW for rule in generic)


@pytest.mark.parametrize(
    ("provider", "pattern", "group", "validator", "expected"),
    [
        ("generic", r"(?i)password\s*=\s*(\S{8,})", 1, None, Confidence.LOW),
        ("Acme", r"\b(acme_[a-z0-9]{20})\b", 1, None, Confidence.HIGH),
        ("Acme", r"(?i:acme)\w{0,9}\s*=\s*([a-f0-9]{32})", 1, None, Confidence.MEDIUM),
        ("Acme", r"\b([a-z0-9]{14}\.atlasv1\.[a-z0-9]{60})", 1, None, Confidence.HIGH),
        ("Acme", r"\b((?:ab|cd)_[a-z]{30}|[a-f0-9]{30})\b", 1, None, Confidence.MEDIUM),
        ("Acme", r"\b(ghp_[a-z0-9]{36})\b", 1, "crc32-base62", Confidence.HIGH),
        ("Acme", r"k=([a-z0-9]{36})", 0, None, Confidence.MEDIUM),
    ],
)
def test_default_confidence_follows_what_the_format_proves(
    provider: str, pattern: str, group: int, validator: str | None, expected: Confidence
) -> None:
    assert default_confidence(provider, pattern, group, validator) is expected


def test_a_rule_file_sets_the_confidence_of_its_rules(tmp_path: Path) -> None:
    path = write_rule(tmp_path, "confidence = 'low'")
    assert load_rules([path]).by_id("acme-key").confidence is Confidence.LOW
    assert load_rules([write_rule(tmp_path)]).by_id("acme-key").confidence is Confidence.HIGH


GOOD_RULE = """
provider = "Acme"
[[rules]]
id = "acme-key"
description = "Acme key"
pattern = '\\b(acme_[a-z0-9]{{20}})\\b'
keywords = ["acme_"]
remediation = "Revoke it in the Acme console."
examples = ["acme_{{{{lower_alnum:20}}}}"]
{extra}
"""


def write_rule(tmp_path: Path, extra: str = "", name: str = "acme.toml") -> Path:
    path = tmp_path / name
    path.write_text(GOOD_RULE.format(extra=extra), encoding="utf-8")
    return path


def test_user_rule_file_adds_a_rule(tmp_path: Path) -> None:
    ruleset = load_rules([write_rule(tmp_path)])
    assert ruleset.by_id("acme-key").provider == "Acme"
    assert ruleset.version != RULESET.version
    token = expand("acme_{{lower_alnum:20}}", 3)
    assert [m.secret for m in Detector(ruleset).scan(f"k = {token}\n".encode())] == [token]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("colour = 'red'", "rule acme-key: unknown key(s) colour"),
        ("severity = 'dire'", "rule acme-key: severity must be one of"),
        ("validator = 'luhn2'", "rule acme-key: unknown validator 'luhn2'"),
        ("secret_group = 4", "rule acme-key: secret_group must be 0..1"),
        ("confidence = 'sure'", "rule acme-key: confidence must be one of high, medium, low"),
    ],
)
def test_schema_errors_name_the_file_and_rule(tmp_path: Path, extra: str, message: str) -> None:
    path = write_rule(tmp_path, extra)
    with pytest.raises(RuleError) as caught:
        load_rules([path])
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_duplicate_ids_across_files_are_refused(tmp_path: Path) -> None:
    first, second = write_rule(tmp_path, name="a.toml"), write_rule(tmp_path, name="b.toml")
    with pytest.raises(
        RuleError, match=r"b\.toml: rule acme-key: duplicate id \(also in .*a\.toml"
    ):
        load_rules([first, second])


@pytest.mark.parametrize(
    "pattern",
    [r"(?<=key=)[a-z]{20}", r"acme_(?![0-9])[a-z]{20}", r"(acme)_[a-z]{20}\1", r"acme_[a-z]++"],
)
def test_patterns_hyperscan_cannot_compile_are_refused(tmp_path: Path, pattern: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        GOOD_RULE.format(extra="").replace(r"\b(acme_[a-z0-9]{20})\b", pattern),
        encoding="utf-8",
    )
    with pytest.raises(RuleError, match=r"bad\.toml: rule acme-key: pattern uses .*Hyperscan"):
        load_rules([path])


def test_broken_toml_and_missing_pieces_are_one_line_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("provider = \n", encoding="utf-8")
    with pytest.raises(RuleError, match=r"broken\.toml: not valid TOML"):
        load_rules([broken])
    empty = tmp_path / "empty.toml"
    empty.write_text('provider = "Acme"\n', encoding="utf-8")
    with pytest.raises(RuleError, match=r"empty\.toml: needs at least one \[\[rules\]\]"):
        load_rules([empty])
    no_examples = (
        write_rule(tmp_path, name="none.toml").read_text().replace("examples", "negatives")
    )
    (tmp_path / "none.toml").write_text(no_examples, encoding="utf-8")
    with pytest.raises(RuleError, match="needs at least one positive example"):
        load_rules([tmp_path / "none.toml"])
