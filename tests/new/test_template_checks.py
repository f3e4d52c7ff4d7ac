"""Generated repositories pass their own checks: tests, lint, hooks, workflow and IaC scanners."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.new.generated import (
    ANSWER_SETS,
    checkov_executable,
    ci_shell_scripts,
    iam_action_resource_types,
    render,
    run,
    tool_env,
    unscopable_actions_on_scoped_resources,
)
from tests.new.names import trust_problems

pytestmark = pytest.mark.slow

Fresh = Callable[[str], Path]
WITH_INFRA = [name for name in ANSWER_SETS if name not in ("no-terraform", "deploy-none")]
ON_GITHUB = [name for name in ANSWER_SETS if ANSWER_SETS[name].get("ci_provider") != "gitlab"]


@pytest.mark.parametrize("name", list(ANSWER_SETS))
def test_generated_service_tests_and_lint_pass(fresh: Fresh, name: str) -> None:
    repo = fresh(name)
    proc = run(["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"], repo)
    assert " passed" in proc.stdout and "failed" not in proc.stdout
    run(["ruff", "check", "--no-cache", "."], repo)
    run(["ruff", "format", "--no-cache", "--check", "."], repo)


def _hooks(config: Path) -> dict[str, dict[str, Any]]:
    loaded = yaml.safe_load(config.read_text("utf-8"))
    return {hook["id"]: hook for repo in loaded["repos"] for hook in repo["hooks"]}


@pytest.mark.parametrize("name", list(ANSWER_SETS))
def test_pre_commit_hooks_pass_on_the_generated_repo(fresh: Fresh, name: str) -> None:
    repo = fresh(name)
    canonical, offline = repo / ".pre-commit-config.yaml", repo / ".pre-commit-config.offline.yaml"
    for config in (canonical, offline):
        run(["pre-commit", "validate-config", config], repo)
    # the offline form is the same hook set: ids, arguments, stages, file filters
    ours, theirs = _hooks(canonical), _hooks(offline)
    assert list(ours) == list(theirs)
    for hook_id, hook in ours.items():
        for key in ("args", "stages", "files", "exclude"):
            assert hook.get(key) == theirs[hook_id].get(key) or key not in hook, (hook_id, key)
    # one fast secret scanner blocks commits; detect-secrets runs on demand and in CI
    assert ours["detect-secrets"]["stages"] == ["manual"]
    assert "stages" not in ours["scaffold-secrets"]
    # the wizard writes the baseline after generation; do the same
    baseline = run(["detect-secrets", "scan"], repo).stdout
    (repo / ".secrets.baseline").write_text(baseline, "utf-8")
    run(["git", "init", "-q", "-b", "main"], repo)
    run(["git", "add", "-A"], repo)
    for stage in ("pre-commit", "manual"):
        argv = ["pre-commit", "run", "--all-files", "--hook-stage", stage, "--config", offline]
        proc = run(argv, repo, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "detect-secrets" in proc.stdout and "Passed" in proc.stdout


def test_env_file_and_copier_reject_guards_block_commits(fresh: Fresh) -> None:
    repo = fresh("defaults")
    config = repo / ".pre-commit-config.offline.yaml"
    run(["git", "init", "-q", "-b", "main"], repo)
    (repo / ".secrets.baseline").write_text(run(["detect-secrets", "scan"], repo).stdout, "utf-8")
    (repo / ".env.production").write_text("APP_ENV=production\n", "utf-8")
    (repo / "README.md.rej").write_text("conflict\n", "utf-8")
    run(["git", "add", "-f", ".env.production", "README.md.rej"], repo)
    proc = run(
        ["pre-commit", "run", "--config", config, "--files", ".env.production", "README.md.rej"],
        repo,
        check=False,
    )
    assert proc.returncode == 1
    failed = re.findall(r"^(.+?)\.{3,}Failed$", proc.stdout, re.MULTILINE)
    assert sorted(failed) == [
        "forbid credential files (.env, keys, Terraform state)",
        "refuse .env files",
        "refuse Copier .rej files",
    ], proc.stdout


@pytest.mark.parametrize("name", ON_GITHUB)
def test_github_workflows_pass_zizmor_schema_and_yamllint(
    rendered: dict[str, Path], name: str
) -> None:
    repo = rendered[name]
    workflows = sorted((repo / ".github" / "workflows").glob("*.yml"))
    assert workflows
    proc = run(["zizmor", "--offline", "--no-progress", ".github/workflows"], repo, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings" in proc.stdout + proc.stderr
    run(["check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows], repo)
    run(
        ["check-jsonschema", "--builtin-schema", "vendor.dependabot", ".github/dependabot.yml"],
        repo,
    )
    run(["yamllint", "--strict", "."], repo)


def test_gitlab_ci_passes_schema_and_yamllint(rendered: dict[str, Path]) -> None:
    repo = rendered["gitlab"]
    run(["check-jsonschema", "--builtin-schema", "vendor.gitlab-ci", ".gitlab-ci.yml"], repo)
    run(["check-jsonschema", "--builtin-schema", "vendor.renovate", "renovate.json"], repo)
    run(["yamllint", "--strict", "."], repo)


def test_checkov_finds_nothing_in_any_answer_set(checkov_failures: dict[str, list[str]]) -> None:
    assert set(checkov_failures) == {*WITH_INFRA, "planted"}
    for name in WITH_INFRA:
        assert checkov_failures[name] == [], name
    # the harness itself works: an unencrypted database is caught
    assert any(f.startswith("CKV_AWS_16 ") for f in checkov_failures["planted"])


def _expected_subjects(name: str) -> dict[str, set[str]]:
    answers = ANSWER_SETS[name]
    owner = answers.get("repo_owner", "example-org")
    repo = answers.get("repo_name", answers.get("service_name", "my-service"))
    envs = answers.get("environments", ["dev", "staging", "production"])
    if answers.get("ci_provider") == "gitlab":
        subject = f"project_path:{owner}/{repo}:ref_type:branch:ref:main"
        return {env: {subject} for env in envs}
    return {
        env: {
            f"repo:{owner}/{repo}:environment:{env}{suffix}" for suffix in ("", "-plan", "-apply")
        }
        for env in envs
    }


@pytest.mark.parametrize("name", WITH_INFRA)
def test_oidc_trust_policies_are_exact(rendered: dict[str, Path], name: str) -> None:
    assert trust_problems(rendered[name], _expected_subjects(name)) == []


def test_trust_policy_check_catches_a_wildcard(fresh: Fresh) -> None:
    repo = fresh("defaults")
    main = repo / "infra" / "envs" / "dev" / "main.tf"
    text = main.read_text("utf-8")
    main.write_text(text.replace(":environment:dev-plan", ":*"), "utf-8")
    role = repo / "infra" / "modules" / "deploy-role" / "main.tf"
    role.write_text(role.read_text("utf-8").replace('"StringEquals"', '"StringLike"', 1))
    problems = trust_problems(repo, _expected_subjects("defaults"))
    assert any("is not one exact subject" in p for p in problems), problems
    assert any("StringLike" in p for p in problems), problems


@pytest.mark.parametrize("name", WITH_INFRA)
def test_terraform_is_formatted(rendered: dict[str, Path], name: str) -> None:
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not installed")
    run(["terraform", "fmt", "-check", "-recursive", "-diff", "infra"], rendered[name])


@pytest.mark.parametrize("name", WITH_INFRA)
def test_iam_grants_use_resource_arns_only_where_iam_supports_them(
    rendered: dict[str, Path], name: str
) -> None:
    types = iam_action_resource_types(checkov_executable())
    assert types["ecr:putimage"] == {"repository"}  # the IAM data is what we think it is
    assert unscopable_actions_on_scoped_resources(rendered[name] / "infra", types) == []


def test_iam_grant_check_catches_a_scoped_unscopable_action(fresh: Fresh) -> None:
    repo = fresh("defaults")
    role = repo / "infra" / "modules" / "deploy-role" / "main.tf"
    text = role.read_text("utf-8")
    role.write_text(text.replace('"ecs:TagResource"', '"ecs:RegisterTaskDefinition"'), "utf-8")
    types = iam_action_resource_types(checkov_executable())
    problems = unscopable_actions_on_scoped_resources(repo / "infra", types)
    assert problems == ["main.tf: ecs:RegisterTaskDefinition only works on *"]


@pytest.mark.parametrize("name", ["defaults", "lambda-ssm", "gitlab", "gitlab-lambda"])
def test_pipeline_shell_passes_shellcheck(
    rendered: dict[str, Path], tmp_path: Path, name: str
) -> None:
    repo = (
        render(tmp_path / name, {"ci_provider": "gitlab", "deploy_target": "lambda"})
        if name == "gitlab-lambda"
        else rendered[name]
    )
    scripts = ci_shell_scripts(repo)
    assert len(scripts) >= 5
    for where, script in scripts:
        proc = subprocess.run(
            ["shellcheck", "--shell=bash", "-"],
            input=script,
            capture_output=True,
            text=True,
            env=tool_env(),
            check=False,
        )
        assert proc.returncode == 0, f"{where}\n{proc.stdout}"
