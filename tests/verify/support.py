"""Findings built the way a scan builds them: the real rules matched on generated content."""

from __future__ import annotations

from functools import cache

from scaffold.scan.detect import Detector
from scaffold.scan.examples import expand
from scaffold.scan.model import Finding, SourceKind
from scaffold.scan.rules import Rule, RuleSet, load_rules, split_example
from scaffold.verify.spec import parse_verify

AWS_KEY_ID = "AKIA{{base32:16}}"
TWILIO_SID = "AC{{hex:32}}"


@cache
def ruleset() -> RuleSet:
    return load_rules()


@cache
def detector() -> Detector:
    return Detector(ruleset(), engine="python")


def verified_rules() -> list[Rule]:
    return [rule for rule in ruleset().rules if rule.verify]


def http_rules() -> list[Rule]:
    return [r for r in verified_rules() if parse_verify(r.verify).kind == "http"]


def findings_in(content: str, object_id: str = "blob-1") -> list[Finding]:
    infos = {rule.id: rule.info() for rule in ruleset().rules}
    return [
        Finding(
            match=match,
            rule=infos[match.rule_id],
            source=SourceKind.BLOB,
            object_id=object_id,
            repository="repo",
        )
        for match in detector().scan(content.encode())
    ]


def example_content(rule: Rule, seed: int) -> tuple[str, str, str]:
    """(content, secret, companion) from the rule's first example, with a companion line
    before it when the rule verifies a pair."""
    text, span = split_example(expand(rule.examples[0], seed))
    secret = text[span[0] : span[1]] if span else text
    companion = ""
    spec = parse_verify(rule.verify)
    if spec.companion:
        template = AWS_KEY_ID if "AKIA" in spec.companion else TWILIO_SID
        companion = expand(template, seed)
        name = "aws_access_key_id" if "AKIA" in spec.companion else "TWILIO_ACCOUNT_SID"
        text = f"{name} = {companion}\n{text}\n"
    return text, secret, companion
