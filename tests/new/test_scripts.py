"""The generated scripts run for real (sh), with stand-ins for `aws` and `terraform` on PATH:
the placeholder gate, the bake, the plan/apply wrapper and the administrator's bootstrap."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from scaffold.new.review import cautions
from tests.new import fake_cli
from tests.new.generated import render

# Answers with nothing left to replace.
REAL = {
    "repo_owner": "acme",
    "aws_account_dev": "123456789012",
    "aws_account_staging": "210987654321",
    "aws_account_production": "345678901234",
    "domain_name": "acme.dev",
    "alert_email": "ops@acme.dev",
}


def sh(
    repo: Path, argv: list[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=repo, input="", capture_output=True, text=True, env=env, check=False, timeout=60
    )


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(tmp_path_factory.mktemp("real") / "svc", REAL)


@pytest.fixture
def fakes(tmp_path: Path) -> tuple[Path, Path]:
    fake_cli.install(tmp_path / "bin")
    return tmp_path / "bin", tmp_path / "calls.log"


# ---- placeholders cannot reach an account --------------------------------------------------


def _first_step(repo: Path) -> str:
    deploy = yaml.safe_load((repo / ".github" / "workflows" / "deploy.yml").read_text("utf-8"))
    first_job = next(iter(deploy["jobs"].values()))
    return str(first_job["steps"][-1]["run"])


def test_the_deploys_first_step_refuses_placeholders_in_one_line(
    rendered: dict[str, Path],
) -> None:
    repo = rendered["defaults"]
    proc = sh(repo, ["bash", "-c", _first_step(repo)])
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr == (
        "placeholder AWS account id at .github/workflows/ci.yml:111: give the real value "
        '(scaffold update --data NAME=VALUE; README.md, "Before the first deploy"); '
        "nothing was deployed\n"
    )


def test_real_answers_pass_the_first_step(real: Path) -> None:
    proc = sh(real, ["bash", "-c", _first_step(real)])
    assert (proc.returncode, proc.stdout) == (0, "no placeholder answers left\n"), proc.stderr


@pytest.mark.parametrize(
    "example",
    [
        {"repo_owner": "example-org"},
        {"aws_account_staging": "777777777777"},
        {"domain_name": "example.com"},
        {"alert_email": "pager@example.com"},
        {"alert_email": "maintainers@users.noreply.corp.example"},
        {"domain_name": "staging.example.org"},
        {},
    ],
)
def test_the_wizard_warns_about_exactly_what_the_pipeline_refuses(
    tmp_path: Path, example: dict[str, Any]
) -> None:
    repo = render(tmp_path / "svc", {**REAL, **example})
    answers = yaml.safe_load((repo / ".copier-answers.yml").read_text("utf-8"))
    warned = [c.question for c in cautions(answers) if c.blocks_deploys]
    refused = sh(repo, ["sh", "scripts/check-placeholders.sh"]).returncode
    assert warned == list(example)
    assert refused == (1 if example else 0)


# ---- the bake ----------------------------------------------------------------------------

ALARMS = {"ALARMS": "svc-dev-error-rate svc-dev-latency", "UPTIME_ALARM": "svc-dev-uptime"}


def test_a_quiet_bake_finishes_the_release(real: Path, fakes: tuple[Path, Path]) -> None:
    env = {**fake_cli.environment(*fakes), **ALARMS}
    proc = sh(real, ["sh", "scripts/bake.sh", "watch", "0"], env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "no alarm fired in 0 minutes: the release is done\n"
    regions = [
        c[c.index("--region") + 1] if "--region" in c else "" for c in fake_cli.calls(fakes[1])
    ]
    assert regions == ["", "us-east-1"], "regional alarms in AWS_REGION, uptime in us-east-1"


def test_an_alarm_during_the_bake_fails_it(real: Path, fakes: tuple[Path, Path]) -> None:
    env = {**fake_cli.environment(*fakes, firing="svc-dev-latency"), **ALARMS}
    proc = sh(real, ["sh", "scripts/bake.sh", "watch", "10"], env)
    assert proc.returncode == 1
    assert proc.stderr == "alarm svc-dev-latency fired while the release baked: rolling back\n"


def test_an_alarm_firing_before_the_rollout_is_not_blamed_on_it(
    real: Path, fakes: tuple[Path, Path]
) -> None:
    env = {**fake_cli.environment(*fakes, firing="svc-dev-uptime"), **ALARMS}
    before = sh(real, ["sh", "scripts/bake.sh", "firing"], env)
    assert before.stdout == "svc-dev-uptime\n"
    env["ALREADY_FIRING"] = before.stdout.strip()
    assert sh(real, ["sh", "scripts/bake.sh", "watch", "0"], env).returncode == 0


# ---- plan and apply --------------------------------------------------------------------------


def _plan(*addresses: str) -> str:
    changes = [{"address": a, "change": {"actions": ["update"]}} for a in addresses]
    return json.dumps({"resource_changes": changes})


def test_apply_applies_the_plan_it_made(
    real: Path, fakes: tuple[Path, Path], tmp_path: Path
) -> None:
    summary = tmp_path / "summary.md"
    env = fake_cli.environment(*fakes, plan=_plan("module.service.aws_lb.service"))
    env["GITHUB_STEP_SUMMARY"] = str(summary)
    proc = sh(real, ["sh", "scripts/terraform.sh", "apply", "dev"], env)
    assert proc.returncode == 0, proc.stderr
    commands = [c[2:] for c in fake_cli.calls(fakes[1]) if c[0] == "terraform"]
    assert commands == [
        ["init", "-input=false", "-backend-config=backend.hcl"],
        ["plan", "-input=false", "-out=tfplan"],
        ["show", "-no-color", "tfplan"],
        ["show", "-json", "tfplan"],
        ["apply", "-input=false", "tfplan"],
    ]
    assert "### terraform apply (dev)" in summary.read_text("utf-8")
    assert (real / "plan-dev.txt").read_text("utf-8").startswith("Plan: 1 to add")
    (real / "plan-dev.txt").unlink()


def test_apply_stops_before_changing_the_ci_roles(real: Path, fakes: tuple[Path, Path]) -> None:
    plan = _plan("module.service.aws_lb.service", "module.deploy_role.aws_iam_role.deploy")
    proc = sh(
        real,
        ["sh", "scripts/terraform.sh", "apply", "dev"],
        fake_cli.environment(*fakes, plan=plan),
    )
    (real / "plan-dev.txt").unlink()
    assert proc.returncode == 1
    assert proc.stderr == (
        "this change alters the CI roles (module.deploy_role.aws_iam_role.deploy): an "
        "administrator applies it with scripts/bootstrap.sh dev; nothing was applied\n"
    )
    assert not any("apply" in c for c in fake_cli.calls(fakes[1]) if c[0] == "terraform")


def test_plan_is_read_only_and_needs_no_lock(real: Path, fakes: tuple[Path, Path]) -> None:
    proc = sh(real, ["sh", "scripts/terraform.sh", "plan", "staging"], fake_cli.environment(*fakes))
    (real / "plan-staging.txt").unlink()
    assert proc.returncode == 0, proc.stderr
    plan = [c for c in fake_cli.calls(fakes[1]) if "plan" in c]
    assert plan == [
        [
            "terraform",
            "-chdir=infra/envs/staging",
            "plan",
            "-input=false",
            "-lock=false",
            "-out=tfplan",
        ]
    ]
    assert (
        sh(
            real, ["sh", "scripts/terraform.sh", "apply", "qa"], fake_cli.environment(*fakes)
        ).returncode
        == 2
    )


# ---- the bootstrap -----------------------------------------------------------------------------


def test_bootstrap_creates_the_state_bucket_then_applies(
    real: Path, fakes: tuple[Path, Path]
) -> None:
    env = fake_cli.environment(*fakes, account="210987654321")
    proc = sh(real, ["sh", "scripts/bootstrap.sh", "staging", "--baseline"], env)
    assert proc.returncode == 0, proc.stderr
    made = fake_cli.calls(fakes[1])
    bucket = "my-service-tfstate-210987654321"
    aws = [c[1:3] for c in made if c[0] == "aws"]
    assert aws == [
        ["sts", "get-caller-identity"],
        ["s3api", "head-bucket"],
        ["s3api", "create-bucket"],
        ["s3api", "put-public-access-block"],
        ["s3api", "put-bucket-versioning"],
        ["s3api", "put-bucket-encryption"],
        ["s3api", "put-bucket-policy"],
    ]
    assert all(c[c.index("--bucket") + 1] == bucket for c in made if "--bucket" in c)
    create = next(c for c in made if c[1:3] == ["s3api", "create-bucket"])
    assert "LocationConstraint=eu-west-1" in create
    terraform = [c[1:3] for c in made if c[0] == "terraform"]
    assert terraform == [
        ["-chdir=infra/envs/staging", "init"],
        ["-chdir=infra/envs/staging", "apply"],
        ["-chdir=infra/accounts/staging", "init"],
        ["-chdir=infra/accounts/staging", "apply"],
    ]
    assert "create the GitHub environments staging, staging-plan and staging-apply" in proc.stdout


def test_bootstrap_refuses_another_accounts_session(real: Path, fakes: tuple[Path, Path]) -> None:
    env = fake_cli.environment(*fakes, account="999999999999", buckets="")
    proc = sh(real, ["sh", "scripts/bootstrap.sh", "production"], env)
    assert proc.returncode == 1
    assert proc.stderr == (
        "this session is in account 999999999999, but production lives in 345678901234: "
        "sign in to 345678901234 and run it again\n"
    )
    assert [c[1:3] for c in fake_cli.calls(fakes[1])] == [["sts", "get-caller-identity"]]


def test_bootstrap_refuses_placeholders_before_touching_aws(
    rendered: dict[str, Path], tmp_path: Path, fakes: tuple[Path, Path]
) -> None:
    repo = tmp_path / "svc"
    shutil.copytree(rendered["defaults"], repo)
    proc = sh(
        repo, ["sh", "scripts/bootstrap.sh", "dev"], fake_cli.environment(*fakes, account="1")
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("placeholder AWS account id at ")
    assert fake_cli.calls(fakes[1]) == []
