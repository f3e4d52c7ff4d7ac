"""check-oidc-trust-policy on Terraform (jsonencode, heredoc, policy documents) and JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from scaffold.hooks.trust import check_text, main

GITHUB = "token.actions.githubusercontent.com"
PROVIDER = f"arn:aws:iam::123456789012:oidc-provider/{GITHUB}"


def _policy(conditions: Mapping[str, Mapping[str, str]]) -> dict[str, object]:
    statement: dict[str, object] = {
        "Effect": "Allow",
        "Principal": {"Federated": PROVIDER},
        "Action": "sts:AssumeRoleWithWebIdentity",
    }
    if conditions:
        statement["Condition"] = conditions
    return {"Version": "2012-10-17", "Statement": [statement]}


GOOD = {
    "StringEquals": {
        f"{GITHUB}:aud": "sts.amazonaws.com",
        f"{GITHUB}:sub": "repo:acme/api:environment:production",
    }
}


def _checks(path: str, text: str) -> list[tuple[int, str]]:
    return sorted((p.line, p.check) for p in check_text(path, text))


def test_json_policy_pinned_passes() -> None:
    assert _checks("trust.json", json.dumps(_policy(GOOD), indent=2)) == []


def test_json_policy_without_conditions() -> None:
    text = json.dumps(_policy({}), indent=2)
    assert [c for _, c in _checks("trust.json", text)] == ["missing-aud", "missing-sub"]


def test_json_policy_wildcard_sub_reported_on_its_line() -> None:
    conditions = {
        "StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"},
        "StringLike": {f"{GITHUB}:sub": "repo:acme/*"},
    }
    text = json.dumps(_policy(conditions), indent=2)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if ":sub" in t)
    assert _checks("trust.json", text) == [(line, "wildcard-sub")]


def test_cloudformation_nested_policy_found() -> None:
    template = {"Resources": {"Role": {"Properties": {"AssumeRolePolicyDocument": _policy({})}}}}
    assert len(_checks("stack.json", json.dumps(template))) == 2


TERRAFORM = """\
resource "aws_iam_openid_connect_provider" "github" {
  url = "https://token.actions.githubusercontent.com"
}

resource "aws_iam_role" "deploy" {
  name = "deploy"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = aws_iam_openid_connect_provider.github.arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringLike = {
          "token.actions.githubusercontent.com:sub" = "repo:acme/*"
        }
      }
    }]
  })
}

data "aws_iam_policy_document" "gitlab" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::123456789012:oidc-provider/gitlab.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "gitlab.com:aud"
      values   = ["https://gitlab.com"]
    }
  }
}

resource "aws_iam_role" "heredoc" {
  assume_role_policy = <<-EOF
    {
      "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": "${aws_iam_openid_connect_provider.github.arn}"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {
          "token.actions.githubusercontent.com:sub": "repo:acme/api:ref:refs/heads/main"}}
      }]
    }
  EOF
}
"""


def test_terraform_forms_all_checked() -> None:
    assert _checks("iam.tf", TERRAFORM) == [
        (9, "missing-aud"),  # the jsonencode statement
        (15, "wildcard-sub"),
        (23, "missing-sub"),  # the policy document
        (40, "missing-aud"),  # the heredoc statement, at its line in the .tf file
    ]


def test_terraform_pinned_document_passes() -> None:
    text = """\
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:acme/api:environment:production"]
    }
  }
}
"""
    assert _checks("trust.tf", text) == []


def test_non_ci_identity_providers_are_left_alone() -> None:
    cognito = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
            }
        ]
    }
    assert _checks("cognito.json", json.dumps(cognito)) == []
    assert _checks("package.json", '{"name": "x"}') == []


@pytest.mark.parametrize(
    "text",
    [
        "resource {",
        'x = jsonencode({ "Statement" = [ { ',
        "<<EOF\nunterminated",
        '"unterminated string',
        "a = b ? c : d\n}}}]]",
        "\x00\xff binary",
    ],
)
def test_malformed_terraform_never_raises(text: str) -> None:
    assert isinstance(check_text("broken.tf", text), list)


def test_main(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "iam.tf").write_text(TERRAFORM, encoding="utf-8")
    (tmp_path / "ok.json").write_text(json.dumps(_policy(GOOD)), encoding="utf-8")
    assert main(["ok.json"]) == 0
    assert main(["iam.tf", "ok.json"]) == 1


def test_reviewed_exception_with_allow_comment() -> None:
    text = TERRAFORM.replace(
        '          "token.actions.githubusercontent.com:sub" = "repo:acme/*"',
        "          # any branch of the docs repo may publish; scaffold: allow wildcard-sub\n"
        '          "token.actions.githubusercontent.com:sub" = "repo:acme/*"',
    )
    assert "wildcard-sub" not in [c for _, c in _checks("iam.tf", text)]


def test_every_truncation_of_a_real_file_parses_without_raising() -> None:
    # a file mid-edit is what a commit-time hook meets; the reader must never crash
    for end in range(0, len(TERRAFORM), 7):
        assert isinstance(check_text("partial.tf", TERRAFORM[:end]), list)


def test_hand_written_reader_agrees_with_python_hcl2() -> None:
    # python-hcl2 is too slow to start for a commit-time hook (benchmarks/bench_trust_hook.py),
    # so it holds the hook's own reader to a real HCL grammar instead
    from scaffold.hooks import hcl
    from tests.hooks.hcl2_reader import comparable
    from tests.hooks.hcl2_reader import parse as parse_with_hcl2

    ours = hcl.parse(TERRAFORM)
    assert [name for name, _ in ours.items()] == ["resource", "data"]
    assert comparable(ours) == comparable(parse_with_hcl2(TERRAFORM))
