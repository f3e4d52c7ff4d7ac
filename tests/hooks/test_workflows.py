"""check-workflow-credentials on GitHub Actions and GitLab CI files, with lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.hooks.workflows import check_text, is_workflow_path, main

STATIC_KEYS = """\
name: deploy
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}
          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
          aws-region: eu-west-1
      - run: aws s3 sync dist s3://bucket
        env:
          AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
"""

OIDC = """\
name: deploy
on:
  push:
    branches: [main]
permissions: {}
jobs:
  test:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - run: make test
  deploy:
    needs: test
    runs-on: ubuntu-latest
    environment: production
    permissions:
      contents: read
      id-token: write
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/deploy
          aws-region: eu-west-1
      - run: terraform apply -auto-approve
"""


def _checks(text: str, path: str = ".github/workflows/deploy.yml") -> list[tuple[int, str]]:
    return [(p.line, p.check) for p in check_text(path, text)]


def test_static_keys_are_reported_on_their_lines() -> None:
    found = _checks(STATIC_KEYS)
    assert (1, "missing-permissions") in found
    assert (10, "static-cloud-keys") in found
    assert (11, "static-cloud-keys") in found
    assert (15, "static-cloud-keys") in found
    assert (4, "deploy-without-environment") in found
    assert len(found) == 5


def test_oidc_workflow_with_environment_and_permissions_passes() -> None:
    assert _checks(OIDC) == []


def test_deploy_job_detected_by_command_without_environment() -> None:
    text = OIDC.replace("    environment: production\n", "")
    assert _checks(text) == [(13, "deploy-without-environment")]


def test_gitlab_variables_and_deploy_stage() -> None:
    text = """\
variables:
  AWS_ACCESS_KEY_ID: $PROD_KEY_ID
.base: &base
  image: alpine
deploy-prod:
  <<: *base
  stage: deploy
  script:
    - aws ecs update-service --cluster c --service s
review:
  stage: test
  script: [make test]
"""
    found = _checks(text, ".gitlab-ci.yml")
    assert found == [(2, "static-cloud-keys"), (5, "deploy-without-environment")]


def test_invalid_yaml_is_reported_not_raised() -> None:
    assert _checks("jobs: [unclosed\n") == [(2, "invalid-yaml")]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (".github/workflows/ci.yml", True),
        (".github/workflows/ci.yaml", True),
        (".gitlab-ci.yml", True),
        ("ci/deploy.gitlab-ci.yml", True),
        (".github/dependabot.yml", False),
        ("workflows/ci.yml", False),
    ],
)
def test_which_files_are_workflows(path: str, expected: bool) -> None:
    assert is_workflow_path(path) is expected


def test_main_exit_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "ok.yml").write_text(OIDC, encoding="utf-8")
    (workflows / "bad.yml").write_text(STATIC_KEYS, encoding="utf-8")
    assert main([".github/workflows/ok.yml"]) == 0
    assert main([".github/workflows/bad.yml", ".github/workflows/ok.yml"]) == 1
    out = capsys.readouterr().out
    assert ".github/workflows/bad.yml:10: [static-cloud-keys] `aws-access-key-id`" in out
    assert "ok.yml" not in out


def test_reviewed_exception_with_allow_comment() -> None:
    text = OIDC.replace("    environment: production\n", "").replace(
        "  deploy:\n",
        "  # read-only plan role trusted by pull requests; scaffold: allow "
        "deploy-without-environment\n  deploy:\n",
    )
    assert _checks(text) == []
    other = text.replace("deploy-without-environment", "static-cloud-keys")
    assert [c for _, c in _checks(other)] == ["deploy-without-environment"]
