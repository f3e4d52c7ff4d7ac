"""Rotation runbooks: every rule resolves, the text a user reads is pinned, the command works."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scaffold.cli import main
from scaffold.errors import EXIT_OK, EXIT_USAGE
from scaffold.remedy.records import Remedy
from scaffold.remedy.rotate import Rotation, render_rotation, values
from scaffold.remedy.runbook import GENERIC, fields, resolve, runbooks
from scaffold.remedy.usage import SecretStore, Usage
from scaffold.scan.model import Finding, Liveness, Match, Provenance, SourceKind, Verification
from scaffold.scan.rules import load_rules
from tests.gitrepo import GitRepo
from tests.tokens import aws_key_pair, github_pat

GOLDEN = Path(__file__).parent / "golden"
PROVIDER_RUNBOOKS = {
    "AWS", "GitHub", "GitLab", "Slack", "Stripe", "OpenAI", "Anthropic", "npm", "PyPI",
    "SendGrid", "Twilio", "Datadog", "Connection strings", "Private keys",
}  # fmt: skip


def assert_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("SCAFFOLD_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == actual, f"{name}: SCAFFOLD_UPDATE_GOLDEN=1 refreshes"


def test_every_rule_resolves_to_a_runbook() -> None:
    books = runbooks()
    for rule in load_rules().rules:
        book = resolve(rule.id, rule.provider)
        assert book.id in books
        if rule.provider in PROVIDER_RUNBOOKS:
            assert book.id != GENERIC, f"{rule.id} ({rule.provider}) fell back to the generic one"
        elif rule.verify:
            pytest.fail(f"{rule.id} can be verified but has no runbook of its own")
    named = {p for book in books.values() for p in book.providers}
    assert named == PROVIDER_RUNBOOKS


def test_every_placeholder_is_filled() -> None:
    finding = _finding("aws-secret-access-key", aws_key_pair(1)[1])
    filled = values(Rotation(finding.fingerprint, (finding,), resolve("x", "AWS")))
    assert fields(list(runbooks().values())) <= set(filled)


def _finding(rule_id: str, secret: str, *, path: str = "deploy/aws.env") -> Finding:
    rule = next(r for r in load_rules().rules if r.id == rule_id)
    return Finding(
        match=Match(rule_id, secret, 10, 10 + len(secret), 2, 11),
        rule=rule.info(),
        source=SourceKind.BLOB,
        object_id="1" * 40,
        repository="acme/api",
        provenance=(
            Provenance("a" * 40, path, "Dana Dev", "dana@example.com", "2024-03-05T09:10:11+00:00"),
        ),
        refs=("refs/heads/main",),
        in_head=True,
    )


def test_aws_live_runbook_golden() -> None:
    key_id, secret = aws_key_pair(11)
    finding = _finding("aws-secret-access-key", secret)
    verification = Verification(
        Liveness.LIVE,
        "HTTP 200 from sts.amazonaws.com/ (arn:aws:iam::123456789012:user/deploy-bot)",
        "2024-05-01T10:00:00Z",
    )
    usage = Usage(
        files=("deploy/aws.env",),
        at_head=("deploy/aws.env",),
        settings=("AWS_SECRET_ACCESS_KEY",),
        readers=("src/app/storage.py",),
        store=SecretStore("secrets-manager", ("api/production/aws-secret-access-key",)),
    )
    rotation = Rotation(
        finding.fingerprint, (finding,), resolve(finding.rule.id, "AWS"), verification, usage,
        companion=key_id,
    )  # fmt: skip
    text = render_rotation(rotation, purge_path=".")
    assert secret not in text and key_id not in text
    assert text.index("AWSCompromisedKeyQuarantineV3") < text.index("Where it is managed")
    assert "--user-name deploy-bot" in text
    assert_golden("rotate-aws.txt", text)
    shown = render_rotation(rotation, show_secrets=True)
    assert f"--access-key-id {key_id}" in shown


def test_github_revoked_runbook_golden() -> None:
    token = github_pat(12)
    finding = _finding("github-pat-classic", token, path=".github/workflows/release.yml")
    verification = Verification(
        Liveness.REVOKED,
        "HTTP 401 from api.github.com/user: GitHub does not accept it",
        "2024-05-02T08:00:00Z",
    )
    usage = Usage(files=(".github/workflows/release.yml",), settings=("GH_TOKEN",))
    rotation = Rotation(
        finding.fingerprint, (finding,), resolve(finding.rule.id, "GitHub"), verification, usage,
        remedies=(Remedy(finding.fingerprint, "rotated", "2024-05-02T07:30:00Z"),),
    )  # fmt: skip
    text = render_rotation(rotation)
    assert token not in text and "Contain it first" not in text
    assert_golden("rotate-github.txt", text)


def test_generic_runbook_golden() -> None:
    from scaffold.scan.examples import expand

    secret = expand("{{hex:32}}", 13)
    rule = next(r for r in load_rules().rules if resolve(r.id, r.provider).id == GENERIC)
    text_rule = rule.id
    content_secret = secret
    finding = _finding(text_rule, content_secret, path="config/settings.py")
    rotation = Rotation(finding.fingerprint, (finding,), resolve(rule.id, rule.provider))
    text = render_rotation(rotation)
    assert secret not in text
    assert rule.provider in text and "not verified" in text
    assert_golden("rotate-generic.txt", text)


def test_rotate_command_on_a_template_repository(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_id, secret = aws_key_pair(14)
    answers = "service_name: billing\nsecrets_backend: ssm\nenvironments:\n- dev\n- production\n"
    repo.commit(
        "add service",
        {
            ".copier-answers.yml": answers,
            "deploy/aws.env": f"AWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={secret}\n",
            "src/storage.py": 'import os\nKEY = os.environ["AWS_SECRET_ACCESS_KEY"]\n',
        },
    )
    from scaffold.scan.engine import scan_repository
    from scaffold.scan.model import ScanOptions

    fp = next(
        f.fingerprint
        for f in scan_repository(repo.path, ScanOptions()).findings
        if f.rule.id == "aws-secret-access-key"
    )
    note = tmp_path / "incident.md"
    store = tmp_path / "s.db"
    code = main(
        [
            "rotate",
            fp[:10],
            str(repo.path),
            "--incident",
            str(note),
            "--datastore",
            str(store),
            "--mark-rotated",
        ]
    )
    out, err = capsys.readouterr()
    assert code == EXIT_OK, err
    assert secret not in out + note.read_text() and key_id not in out + note.read_text()
    assert "/billing/production/aws-secret-access-key" in out
    assert "aws ssm put-parameter --name /billing/dev/aws-secret-access-key" in out
    assert "src/storage.py" in out and "AWS_SECRET_ACCESS_KEY" in out
    assert "Contain it first (it may be live)" in out
    incident = note.read_text()
    assert fp in incident and ": rotated" in incident and "Introduced:" in incident
    assert main(["rotate", "deadbeefdeadbeef", str(repo.path)]) == EXIT_USAGE
    assert "no finding with fingerprint" in capsys.readouterr().err
