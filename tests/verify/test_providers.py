"""Every HTTP verifier against the loopback fake of its provider, live and revoked."""

from __future__ import annotations

import pytest

from scaffold.scan.model import Finding, Liveness
from scaffold.scan.rules import Rule
from scaffold.verify.run import VerifyOptions, verify_findings
from tests.verify.fakeproviders import FakeProviders, serve
from tests.verify.support import example_content, findings_in, http_rules

PROVIDERS = {
    "aws-sts",
    "github",
    "gitlab",
    "slack",
    "stripe",
    "openai",
    "anthropic",
    "npm",
    "pypi",
    "sendgrid",
    "twilio",
    "datadog",
}


def _check(rule: Rule, live: bool) -> tuple[Finding, dict[str, object], FakeProviders]:
    content, secret, companion = example_content(rule, seed=3)
    findings = findings_in(content)
    target = [f for f in findings if f.match.secret == secret and f.rule.id == rule.id]
    assert target, f"{rule.id}: its own example did not match"
    fake = FakeProviders(live={secret} if live else set())
    if companion:
        fake.pairs[companion] = secret
    with serve(fake):
        options = VerifyOptions(environ=fake.environ(), timeout=20)
        results = verify_findings(findings, options, lambda wanted: {"blob-1": content.encode()})
    return target[0], dict(results), fake


def test_every_listed_provider_has_a_verifier() -> None:
    from scaffold.verify.spec import parse_verify

    covered = {parse_verify(rule.verify).endpoint for rule in http_rules()}
    assert covered == PROVIDERS


@pytest.mark.parametrize("rule", http_rules(), ids=lambda rule: rule.id)
def test_live_secret_is_live(rule: Rule) -> None:
    finding, results, fake = _check(rule, live=True)
    verification = results[finding.fingerprint]
    assert verification.status is Liveness.LIVE, verification.reason  # type: ignore[attr-defined]
    assert len(fake.requests) == 1  # one attempt per secret


@pytest.mark.parametrize("rule", http_rules(), ids=lambda rule: rule.id)
def test_revoked_secret_is_revoked(rule: Rule) -> None:
    finding, results, fake = _check(rule, live=False)
    verification = results[finding.fingerprint]
    assert verification.status is Liveness.REVOKED, verification.reason  # type: ignore[attr-defined]
    assert finding.match.secret not in verification.reason  # type: ignore[attr-defined]
    assert len(fake.requests) == 1


def test_aws_pair_shares_the_answer_and_the_arn_is_named() -> None:
    rule = next(r for r in http_rules() if r.id == "aws-secret-access-key")
    content, secret, key_id = example_content(rule, seed=5)
    findings = findings_in(content)
    fake = FakeProviders(live={secret}, pairs={key_id: secret})
    with serve(fake):
        results = verify_findings(
            findings, VerifyOptions(environ=fake.environ()), lambda _: {"blob-1": content.encode()}
        )
    by_rule = {f.rule.id: results[f.fingerprint] for f in findings}
    assert by_rule["aws-secret-access-key"].status is Liveness.LIVE
    assert "arn:aws:iam::123456789012:user/deploy" in by_rule["aws-secret-access-key"].reason
    assert by_rule["aws-access-key-id"].status is Liveness.LIVE
    assert "checked with the secret it pairs with" in by_rule["aws-access-key-id"].reason
    assert fake.count("aws-sts") == 1


def test_aws_secret_with_a_wrong_signature_is_invalid() -> None:
    """The fake recomputes SigV4 itself: a secret that is not the pair's fails the signature."""
    rule = next(r for r in http_rules() if r.id == "aws-secret-access-key")
    content, secret, key_id = example_content(rule, seed=6)
    fake = FakeProviders(live={secret, "x" * 40}, pairs={key_id: "x" * 40})
    with serve(fake):
        results = verify_findings(
            findings_in(content),
            VerifyOptions(environ=fake.environ()),
            lambda _: {"blob-1": content.encode()},
        )
    secret_fp = next(f.fingerprint for f in findings_in(content) if f.match.secret == secret)
    assert results[secret_fp].status is Liveness.REVOKED
    assert "does not match the access key id" in results[secret_fp].reason


def test_aws_secret_without_a_key_id_is_unknown_and_asks_nothing() -> None:
    rule = next(r for r in http_rules() if r.id == "aws-secret-access-key")
    content, secret, _ = example_content(rule, seed=7)
    alone = content.splitlines()[1]
    fake = FakeProviders(live={secret})
    with serve(fake):
        results = verify_findings(
            findings_in(alone), VerifyOptions(environ=fake.environ()), lambda _: {}
        )
    (verification,) = results.values()
    assert verification.status is Liveness.UNKNOWN
    assert "access key id" in verification.reason
    assert fake.requests == []
