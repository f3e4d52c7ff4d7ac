"""One truth for every name: what each pipeline assumes, deploys and watches is what Terraform
creates, for every answer combination (hypothesis over the answer space)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.new.generated import render
from tests.new.names import created, moto_problems, name_problems, pipeline_uses
from tests.new.template_versions import template_at

pytestmark = pytest.mark.slow

ENVIRONMENTS = ["dev", "staging", "production"]
REGIONS = ["eu-west-1", "us-east-1", "ap-southeast-2", "sa-east-1", "me-central-1"]

service_names = st.from_regex(r"[a-z][a-z0-9]{1,10}(-[a-z0-9]{1,8}){0,4}", fullmatch=True).filter(
    lambda name: len(name) <= 40
)
owners = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9-]{0,14}", fullmatch=True)
account_ids = st.from_regex(r"[1-9][0-9]{11}", fullmatch=True)


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, Any]:
    """Answers that deploy with Terraform: every choice that shapes a name or a pipeline."""
    ci = draw(st.sampled_from(["github", "gitlab"]))
    chosen = draw(st.lists(st.sampled_from(ENVIRONMENTS), min_size=1, unique=True))
    environments = [env for env in ENVIRONMENTS if env in chosen]
    pool = draw(st.lists(account_ids, min_size=1, max_size=3, unique=True))
    owner = draw(owners)
    if ci == "gitlab" and draw(st.booleans()):
        owner = f"{owner}/{draw(owners)}"
    answers: dict[str, Any] = {
        "service_name": draw(service_names),
        "ci_provider": ci,
        "repo_owner": owner,
        "deploy_target": draw(st.sampled_from(["ecs-fargate", "lambda"])),
        "aws_region": draw(st.sampled_from(REGIONS)),
        "environments": environments,
        "secrets_backend": draw(st.sampled_from(["secrets-manager", "ssm"])),
        "with_database": draw(st.booleans()),
        "with_account_baseline": draw(st.booleans()),
        "bake_minutes": draw(st.sampled_from([0, 1, 10, 120])),
    }
    for env in environments:
        answers[f"aws_account_{env}"] = draw(st.sampled_from(pool))
    if draw(st.booleans()):
        answers["repo_name"] = draw(service_names)
    return answers


def recorded(repo: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((repo / ".copier-answers.yml").read_text("utf-8"))
    return loaded


def _combination(ci: str, target: str, database: bool) -> dict[str, Any]:
    return {"ci_provider": ci, "deploy_target": target, "with_database": database}


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(answers=answer_sets())
@example(answers=_combination("github", "ecs-fargate", False))
@example(answers=_combination("github", "lambda", True))
@example(answers=_combination("gitlab", "ecs-fargate", True))
@example(answers=_combination("gitlab", "lambda", False))
@example(
    answers={
        "service_name": "a" * 20 + "-" + "b" * 19,
        "environments": ["staging", "production"],
        "aws_account_staging": "123456789012",
        "aws_account_production": "123456789012",
    }
)
def test_every_name_a_pipeline_uses_is_what_terraform_creates(
    tmp_path_factory: pytest.TempPathFactory, answers: dict[str, Any]
) -> None:
    repo = render(tmp_path_factory.mktemp("names") / "svc", answers)
    given_answers = recorded(repo)
    assert pipeline_uses(repo, given_answers), "no job assumes a role"
    stacks = created(repo)
    assert name_problems(repo, given_answers, stacks) == []
    assert moto_problems(repo, given_answers, stacks) == []


def test_the_cross_check_catches_the_0_1_0_deploy_role_names(tmp_path: Path) -> None:
    # the mistake of template 0.1.0: pipelines assumed <service>-deploy-<env>, Terraform made
    # <service>-<env>-deploy
    repo = render(tmp_path / "old", src=template_at("0.1.0", tmp_path / "template"))
    problems = name_problems(repo, recorded(repo))
    old_role = "arn:aws:iam::111111111111:role/my-service-deploy-dev"
    assert f"deploy.yml:deploy-dev assumes {old_role}, which no stack creates" in problems
    assumed = moto_problems(repo, recorded(repo))
    assert any("my-service-deploy-dev does not exist" in p for p in assumed), assumed


@pytest.mark.parametrize(
    "planted",
    [
        (
            ".github/workflows/deploy.yml",
            "environment: dev\n",
            "environment: dev-plan\n",
            "does not trust repo:example-org/my-service:environment:dev-plan",
        ),
        (
            ".github/workflows/deploy.yml",
            "cluster: my-service-dev\n",
            "cluster: my-service-development\n",
            "uses cluster my-service-development, which dev does not create",
        ),
        (
            ".github/workflows/deploy.yml",
            "ALARMS: my-service-staging-error-rate",
            "ALARMS: my-service-staging-errors",
            "uses alarm (in eu-west-1) my-service-staging-errors",
        ),
        (
            "infra/envs/dev/backend.hcl",
            'key          = "my-service/dev/terraform.tfstate"',
            'key          = "dev/terraform.tfstate"',
            "the apply role cannot write its state",
        ),
        (
            "infra/modules/deploy-role/main.tf",
            '"cloudwatch:DescribeAlarms"',
            '"cloudwatch:DescribeAlarmHistory"',
            "may not cloudwatch:DescribeAlarms",
        ),
        (
            "infra/modules/deploy-role/apply.tf",
            'effect      = "Deny"',
            'effect      = "Allow"',
            "the apply role may change my-service-dev-deploy",
        ),
    ],
)
def test_the_cross_check_catches_a_planted_mismatch(
    rendered: dict[str, Path], tmp_path: Path, planted: tuple[str, str, str, str]
) -> None:
    path, old, new, expected = planted
    repo = tmp_path / "svc"
    shutil.copytree(rendered["defaults"], repo)
    target = repo / path
    text = target.read_text("utf-8")
    assert old in text
    target.write_text(text.replace(old, new), "utf-8")
    problems = name_problems(repo, recorded(repo))
    assert any(expected in problem for problem in problems), problems


def test_a_gitlab_job_outside_the_default_branch_is_not_trusted(
    rendered: dict[str, Path], tmp_path: Path
) -> None:
    repo = tmp_path / "svc"
    shutil.copytree(rendered["gitlab"], repo)
    ci = repo / ".gitlab-ci.yml"
    pipeline = yaml.safe_load(ci.read_text("utf-8"))
    pipeline["deploy-dev"]["rules"] = [{"if": "$CI_MERGE_REQUEST_IID"}]
    ci.write_text(yaml.safe_dump(pipeline, sort_keys=False), "utf-8")
    problems = name_problems(repo, recorded(repo))
    assert any(
        p.startswith(".gitlab-ci.yml:deploy-dev:") and "does not trust" in p for p in problems
    )


def test_pipelines_without_terraform_use_the_same_names(tmp_path: Path) -> None:
    with_infra = render(tmp_path / "with", {})
    without = render(tmp_path / "without", {"with_terraform": False})
    roles = {
        u.where: (u.role_arn, u.names) for u in pipeline_uses(with_infra, recorded(with_infra))
    }
    for use in pipeline_uses(without, recorded(without)):
        assert roles[use.where][0] == use.role_arn, use.where
        for scope in use.scopes:
            for kind, value in scope.items():
                if kind not in ("alarms", "uptime_alarm"):  # no alarms without Terraform
                    assert roles[use.where][1].get(kind) == value, (use.where, kind)
