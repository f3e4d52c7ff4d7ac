"""The service template's questions, validators and the shape of what it renders."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.new.generated import ANSWER_SETS, ROOT, TEMPLATE, render, run, tree

GOLDEN = Path(__file__).parent / "golden"


def _copier_yml() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((TEMPLATE / "copier.yml").read_text("utf-8"))
    return loaded


def test_copier_settings_fail_loudly_and_need_no_trust() -> None:
    config = _copier_yml()
    assert config["_subdirectory"] == "template"
    assert config["_envops"]["undefined"] == "jinja2.StrictUndefined"
    # extensions or tasks would force every user to pass --trust
    assert "_jinja_extensions" not in config
    assert "_tasks" not in config


def test_question_names_are_the_contract_with_the_wizard_and_update() -> None:
    questions = {key for key in _copier_yml() if not key.startswith("_")}
    assert questions == {
        "service_name", "description", "team", "ci_provider", "repo_owner", "repo_name",
        "runtime", "python_version", "deploy_target", "aws_region", "environments",
        "aws_account_dev", "aws_account_staging", "aws_account_production", "secrets_backend",
        "with_terraform", "with_database", "with_account_baseline", "domain_name", "rto", "rpo",
        "oncall_contact", "alert_email", "bake_minutes",
        # computed, never asked
        "package_name", "scaffold_hooks_repo", "scaffold_hooks_rev",
    }  # fmt: skip
    for name, question in _copier_yml().items():
        if name.startswith("_") or question.get("when") is False:
            continue
        assert question.get("help"), f"{name} has no help"
        assert "default" in question, f"{name} has no default"


def test_a_typo_in_the_template_fails_instead_of_rendering_empty(tmp_path: Path) -> None:
    from jinja2.exceptions import UndefinedError

    template = tmp_path / "template-copy"
    shutil.copytree(TEMPLATE, template)
    readme = template / "template" / "README.md.jinja"
    readme.write_text(readme.read_text("utf-8") + "\n{{ servcie_name }}\n", "utf-8")
    with pytest.raises(UndefinedError, match="servcie_name"):
        render(tmp_path / "out", src=template)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"service_name": "My_Service"}, "lowercase"),
        ({"service_name": "a"}, "2-40"),
        ({"service_name": "x" * 41}, "2-40"),
        ({"service_name": "ends-with-"}, "dash"),
        ({"aws_region": "eu-west-9"}, "not an AWS region"),
        ({"aws_account_dev": "12345"}, "12 digits"),
        ({"aws_account_production": "1234567890ab"}, "12 digits"),
        ({"environments": []}, "at least one"),
        ({"rto": "soon"}, "number and a unit"),
        ({"rpo": "15 minutes"}, "number and a unit"),
        ({"repo_owner": "group/sub"}, "no /"),
        ({"aws_region": "us-gov-west-1"}, "belongs to AWS GovCloud, a separate partition"),
        ({"aws_region": "cn-north-1"}, "belongs to AWS China, a separate partition"),
        ({"bake_minutes": 121}, "0 to 120 minutes"),
        ({"domain_name": "Example.COM"}, "DNS name in lowercase"),
        ({"alert_email": "nobody"}, "e-mail address"),
    ],
)
def test_validators_reject_bad_answers(
    tmp_path: Path, answers: dict[str, Any], message: str
) -> None:
    from copier.errors import CopierError

    with pytest.raises((CopierError, ValueError), match=message):
        render(tmp_path / "out", answers)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_help_texts_speak_to_users_in_the_chosen_hosts_words() -> None:
    from jinja2.sandbox import SandboxedEnvironment

    questions = _copier_yml()
    assert "will be added" not in questions["runtime"]["help"], "no developer note"
    team = SandboxedEnvironment().from_string(questions["team"]["help"])
    assert team.render(ci_provider="github").startswith("Owning GitHub team")
    assert team.render(ci_provider="gitlab").startswith("Owning GitLab subgroup")
    order = [name for name in questions if not name.startswith("_")]
    assert order.index("ci_provider") < order.index("team"), "help renders with the host known"


def test_unasked_questions_are_not_validated_against_their_environment(tmp_path: Path) -> None:
    # staging is not selected: its account is neither asked nor recorded
    out = render(tmp_path / "out", {"environments": ["production"]})
    answers = yaml.safe_load((out / ".copier-answers.yml").read_text("utf-8"))
    assert "aws_account_staging" not in answers
    assert answers["aws_account_production"] == "333333333333"


def test_region_list_is_aws_commercial_partition() -> None:
    spec = importlib.util.find_spec("botocore")
    assert spec is not None and spec.origin is not None
    endpoints = Path(spec.origin).parent / "data" / "endpoints.json"
    partitions = json.loads(endpoints.read_text("utf-8"))["partitions"]
    aws = next(p for p in partitions if p["partition"] == "aws")
    validator = _copier_yml()["aws_region"]["validator"]
    listed = set(re.findall(r"'([a-z]{2}-[a-z]+-\d)'", validator))
    assert listed == set(aws["regions"])


def test_template_version_matches_scaffold_version() -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    assert _copier_yml()["scaffold_hooks_rev"]["default"] == f"v{version}"


@pytest.mark.parametrize("name", list(ANSWER_SETS))
def test_each_answer_set_renders_its_golden_tree(rendered: dict[str, Path], name: str) -> None:
    actual = tree(rendered[name])
    golden = GOLDEN / f"{name}-tree.txt"
    if os.environ.get("SCAFFOLD_UPDATE_GOLDEN"):
        golden.write_text("\n".join(actual) + "\n", "utf-8")
    assert actual == golden.read_text("utf-8").splitlines()


def test_files_that_do_not_apply_are_absent(rendered: dict[str, Path]) -> None:
    files = {name: set(tree(path)) for name, path in rendered.items()}
    ecs = files["defaults"]
    assert {".github/workflows/deploy.yml", ".github/workflows/rollback.yml", "Dockerfile"} <= ecs
    assert "infra/modules/service/ecs.tf" in ecs
    assert not any("lambda" in f or "database" in f or "gitlab" in f for f in ecs)

    lam = files["lambda-ssm"]
    assert {"src/my_service/handler.py", "infra/modules/service/lambda.tf"} <= lam
    assert {
        "infra/modules/service/database.tf",
        "docs/runbooks/database-connection-exhaustion.md",
    } <= lam
    assert "Dockerfile" not in lam and "infra/modules/service/ecs.tf" not in lam

    gitlab = files["gitlab"]
    assert {".gitlab-ci.yml", "renovate.json", "src/billing_api/app.py"} <= gitlab
    assert not any(f.startswith(".github/") for f in gitlab)
    assert "infra/envs/staging/main.tf" not in gitlab
    assert {"infra/envs/dev/main.tf", "infra/envs/production/main.tf"} <= gitlab

    no_tf = files["no-terraform"]
    assert not any(f.startswith("infra/") for f in no_tf)
    assert ".github/workflows/deploy.yml" in no_tf

    none = files["deploy-none"]
    assert not any(f.startswith("infra/") for f in none)
    assert ".github/workflows/ci.yml" in none
    assert ".github/workflows/deploy.yml" not in none
    assert "docs/runbooks/rollback.md" not in none
    answers = yaml.safe_load((rendered["deploy-none"] / ".copier-answers.yml").read_text("utf-8"))
    assert "with_terraform" not in answers  # not asked when nothing is deployed


def test_deploy_workflow_pins_actions_and_limits_permissions(rendered: dict[str, Path]) -> None:
    for name in ("defaults", "lambda-ssm", "no-terraform"):
        workflows = rendered[name] / ".github" / "workflows"
        for path in workflows.glob("*.yml"):
            text = path.read_text("utf-8")
            for uses in re.findall(r"uses:\s*(\S+)(.*)", text):
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", uses[0]), uses
                assert re.fullmatch(r"\s*# v\d+\.\d+\.\d+", uses[1]), uses
            workflow = yaml.safe_load(text)
            assert workflow["permissions"] == {}, path
            for job_id, job in workflow["jobs"].items():
                perms = job.get("permissions", {})
                if perms.get("id-token") == "write":
                    assert job_id.startswith(("deploy-", "apply-", "rollback-", "plan")), job_id
                    assert perms == {"id-token": "write", "contents": "read"}
                for step in job.get("steps", []):
                    if str(step.get("uses", "")).startswith("actions/checkout@"):
                        assert step["with"]["persist-credentials"] is False
            assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text

    deploy = yaml.safe_load((rendered["defaults"] / ".github/workflows/deploy.yml").read_text())
    jobs = deploy["jobs"]
    assert list(jobs) == [
        "placeholders",
        "apply-dev", "deploy-dev",
        "apply-staging", "deploy-staging",
        "apply-production", "deploy-production",
    ]  # fmt: skip
    assert jobs["placeholders"]["steps"][-1]["run"] == "sh scripts/check-placeholders.sh"
    assert jobs["apply-dev"]["needs"] == "placeholders"
    assert jobs["deploy-production"]["if"] == "github.ref == 'refs/heads/main'"
    assert jobs["apply-production"]["if"] == "github.ref == 'refs/heads/main'"
    assert jobs["apply-production"]["needs"] == "deploy-staging"
    assert jobs["deploy-production"]["needs"] == "apply-production"
    assert jobs["apply-production"]["environment"] == "production-apply"
    for env, job in (("dev", jobs["deploy-dev"]), ("production", jobs["deploy-production"])):
        assert job["environment"] == env
        assert job["concurrency"] == {"group": f"deploy-{env}", "cancel-in-progress": False}
        steps = {step.get("id"): step for step in job["steps"]}
        assert "@${{ steps.build.outputs.digest }}" in steps["taskdef"]["with"]["image"]
        assert steps["deploy"]["with"]["wait-for-service-stability"] is True
        # done = no alarm while it bakes; any failure after the rollout rolls back
        assert steps["bake"]["run"] == "sh scripts/bake.sh watch 10"
        rollback = job["steps"][-1]
        assert rollback["if"] == (
            "failure() && (steps.deploy.outcome == 'failure' || steps.bake.outcome == 'failure')"
        )
        assert "update-service" in rollback["run"] and "$PREVIOUS" in rollback["run"]


def test_gitlab_ci_uses_oidc_id_tokens(rendered: dict[str, Path]) -> None:
    ci = yaml.safe_load((rendered["gitlab"] / ".gitlab-ci.yml").read_text("utf-8"))
    assert ci[".aws-oidc"]["id_tokens"] == {"AWS_ID_TOKEN": {"aud": "sts.amazonaws.com"}}
    assert "assume-role-with-web-identity" in " ".join(ci[".aws-oidc"]["before_script"])
    assert {"deploy-dev", "deploy-production", "rollback-production"} <= set(ci)
    assert "deploy-staging" not in ci
    # production: a person reads plan-production and plays apply-production; the release waits
    assert ci["apply-production"]["rules"][0]["when"] == "manual"
    assert ci["apply-production"]["allow_failure"] is False
    assert ci["deploy-production"]["needs"] == ["apply-production"]
    assert ci["apply-production"]["needs"] == ["plan-production", "deploy-dev"]
    assert ci["deploy-production"]["resource_group"] == "deploy-production"
    assert ci["placeholders"]["script"] == ["sh scripts/check-placeholders.sh"]
    assert ci["apply-dev"]["needs"] == ["plan-dev", "placeholders"]


def test_rendered_trees_hold_nothing_detect_secrets_flags(
    rendered: dict[str, Path], tmp_path: Path
) -> None:
    for name, source in rendered.items():
        path = tmp_path / name
        shutil.copytree(source, path)
        run(["git", "init", "-q", "-b", "main"], path)
        run(["git", "add", "-A"], path)
        proc = run(["detect-secrets", "scan"], path)
        results = json.loads(proc.stdout)["results"]
        assert results == {}, f"{name}: {results}"


def test_runbooks_have_the_four_sections_and_name_the_oncall(rendered: dict[str, Path]) -> None:
    runbooks = sorted((rendered["lambda-ssm"] / "docs" / "runbooks").glob("*.md"))
    assert [p.stem for p in runbooks] == [
        "alarms", "database-connection-exhaustion", "deploy", "leaked-credential",
        "restore-database", "rollback", "secret-rotation",
    ]  # fmt: skip
    for path in runbooks:
        text = path.read_text("utf-8")
        headings = re.findall(r"^## (\w+)", text, re.MULTILINE)
        assert headings == ["Symptoms", "Diagnosis", "Resolution", "Escalation"], path.name
        escalation = text.split("## Escalation", 1)[1]
        assert "#oncall-platform" in escalation, path.name


def test_readme_answers_the_five_questions(rendered: dict[str, Path]) -> None:
    for name in ("defaults", "lambda-ssm", "deploy-none"):
        readme = (rendered[name] / "README.md").read_text("utf-8")
        for question in (
            "What compute runs the code?",
            "How does a new version replace the old one?",
            "Where do configuration and secrets come from?",
            "What depends on this service",
            "How do I roll back in under five minutes?",
        ):
            assert question in readme, (name, question)
    readiness = (rendered["defaults"] / "docs" / "production-readiness.md").read_text("utf-8")
    assert "**4h**" in readiness and "**15m**" in readiness
    assert "- [x] `/health` reports status" in readiness


def test_copier_update_round_trips_the_answers_file(tmp_path: Path) -> None:
    import copier

    template = tmp_path / "template"
    shutil.copytree(TEMPLATE, template)
    commit = ["git", "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qm"]
    run(["git", "init", "-q", "-b", "main"], template)
    run(["git", "add", "-A"], template)
    run([*commit, "v1"], template)
    run(["git", "tag", "v1.0.0"], template)
    project = render(tmp_path / "project", {"secrets_backend": "ssm"}, src=template)
    run(["git", "init", "-q", "-b", "main"], project)
    run(["git", "add", "-A"], project)
    run([*commit, "generated"], project)

    security = template / "template" / "SECURITY.md.jinja"
    security.write_text(security.read_text("utf-8") + "\nNew in v2.\n", "utf-8")
    run([*commit, "v2", "-a"], template)
    run(["git", "tag", "v2.0.0"], template)
    copier.run_update(str(project), defaults=True, unsafe=False, quiet=True, overwrite=True)

    answers = yaml.safe_load((project / ".copier-answers.yml").read_text("utf-8"))
    assert answers["_commit"] == "v2.0.0"
    assert answers["secrets_backend"] == "ssm"
    assert (project / "SECURITY.md").read_text("utf-8").endswith("New in v2.\n")


def test_environments_sharing_an_account_create_one_oidc_provider(tmp_path: Path) -> None:
    out = render(tmp_path / "out", {"aws_account_staging": "111111111111"})
    envs = out / "infra" / "envs"
    assert "create_oidc_provider" not in (envs / "dev" / "main.tf").read_text("utf-8")
    assert "create_oidc_provider = false" in (envs / "staging" / "main.tf").read_text("utf-8")
    assert "create_oidc_provider" not in (envs / "production" / "main.tf").read_text("utf-8")
