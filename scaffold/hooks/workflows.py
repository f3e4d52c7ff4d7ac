"""check-workflow-credentials: CI workflows must use OIDC, not long-lived cloud keys."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from pathlib import PurePosixPath

import yaml

from scaffold.errors import guarded
from scaffold.hooks.report import Problem, check_files, print_problems, without_allowed
from scaffold.hooks.tree import Node, from_yaml

HOOK_ID = "check-workflow-credentials"

# Variables that carry a long-lived cloud secret into a job.
STATIC_KEY_VARIABLES = frozenset(
    {
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AZURE_CLIENT_SECRET",
        "GOOGLE_CREDENTIALS",
        "GOOGLE_APPLICATION_CREDENTIALS_JSON",
        "GCP_SA_KEY",
    }
)
# Action inputs that take a long-lived secret where an OIDC alternative exists.
STATIC_KEY_INPUTS = {
    "aws-access-key-id": "aws-actions/configure-aws-credentials: use `role-to-assume`",
    "aws-secret-access-key": "aws-actions/configure-aws-credentials: use `role-to-assume`",
    "credentials_json": "google-github-actions/auth: use `workload_identity_provider`",
    "creds": "azure/login: use `client-id`, `tenant-id` and `subscription-id`",
}
CLOUD_LOGIN_ACTIONS = (
    "aws-actions/configure-aws-credentials",
    "google-github-actions/auth",
    "azure/login",
)
DEPLOY_NAME = re.compile(r"deploy|release|publish|promote|rollout", re.IGNORECASE)
DEPLOY_COMMAND = re.compile(
    r"terraform\s+apply|tofu\s+apply|kubectl\s+(apply|rollout|set\s+image)|helm\s+(upgrade|install)"
    r"|cdk\s+deploy|sam\s+deploy|serverless\s+deploy|sls\s+deploy|aws\s+ecs\s+update-service"
    r"|aws\s+s3\s+sync|gcloud\s+(run|app|functions)\s+deploy|fly(ctl)?\s+deploy|pulumi\s+up",
)
OIDC_HINT = (
    "use OIDC instead: `permissions: id-token: write` and a role the job assumes "
    "(see docs/hooks.md)"
)


def is_workflow_path(path: str) -> bool:
    p = PurePosixPath(path.replace("\\", "/"))
    if p.suffix not in (".yml", ".yaml"):
        return False
    if p.parent.parts[-2:] == (".github", "workflows"):
        return True
    return p.name.startswith(".gitlab-ci") or p.name.endswith(".gitlab-ci.yml")


def _is_gitlab(path: str) -> bool:
    return "gitlab-ci" in PurePosixPath(path).name


def _static_env(path: str, env: Node | None, where: str) -> list[Problem]:
    problems = []
    for name, node in env.items() if env else []:
        if name.upper() in STATIC_KEY_VARIABLES:
            problems.append(
                Problem(
                    path,
                    node.line,
                    "static-cloud-keys",
                    f"{where} sets {name}: a long-lived cloud key in CI; {OIDC_HINT}",
                )
            )
    return problems


def _github_step_problems(path: str, step: Node) -> tuple[list[Problem], bool]:
    """Problems in one step, and whether the step logs in to a cloud or deploys."""
    problems = _static_env(path, step.get("env"), "step env")
    uses = step.get("uses")
    action = uses.text.split("@")[0].lower() if uses else ""
    cloud = action in CLOUD_LOGIN_ACTIONS
    for name, node in (step.get("with") or Node(None, 0)).items():
        if name.lower() in STATIC_KEY_INPUTS and (cloud or name.lower().startswith("aws-")):
            problems.append(
                Problem(
                    path,
                    node.line,
                    "static-cloud-keys",
                    f"`{name}` passes a long-lived key to {action or 'an action'}; "
                    f"{STATIC_KEY_INPUTS[name.lower()]} and `permissions: id-token: write`",
                )
            )
    run = step.get("run")
    deploys = cloud or bool(run and DEPLOY_COMMAND.search(run.text))
    return problems, deploys


def check_github(path: str, doc: Node) -> list[Problem]:
    problems = _static_env(path, doc.get("env"), "workflow env")
    if doc.get("permissions") is None:
        problems.append(
            Problem(
                path,
                1,
                "missing-permissions",
                "no top-level `permissions:`: every job gets the default token scopes; "
                "add `permissions: {}` (or `contents: read`) and grant more per job",
            )
        )
    jobs = doc.get("jobs")
    for job_id, job in jobs.items() if jobs else []:
        problems += _static_env(path, job.get("env"), f"job `{job_id}` env")
        deploys = bool(DEPLOY_NAME.search(job_id) or DEPLOY_NAME.search(_name(job)))
        steps = job.get("steps")
        for step in steps.elements() if steps else []:
            step_problems, step_deploys = _github_step_problems(path, step)
            problems += step_problems
            deploys = deploys or step_deploys
        if deploys and job.get("environment") is None and job.get("uses") is None:
            problems.append(
                Problem(
                    path,
                    job.line,
                    "deploy-without-environment",
                    f"job `{job_id}` deploys or assumes a cloud role without `environment:`; "
                    "an environment gives it protection rules and a narrow OIDC subject",
                )
            )
    return problems


def _name(job: Node) -> str:
    name = job.get("name")
    return name.text if name else ""


GITLAB_RESERVED = frozenset(
    {
        "default",
        "include",
        "stages",
        "variables",
        "workflow",
        "image",
        "services",
        "cache",
        "before_script",
        "after_script",
        "spec",
    }
)


def check_gitlab(path: str, doc: Node) -> list[Problem]:
    problems = _static_env(path, doc.get("variables"), "global variables")
    for job_id, job in doc.items():
        if job_id in GITLAB_RESERVED or not isinstance(job.value, dict):
            continue
        problems += _static_env(path, job.get("variables"), f"job `{job_id}` variables")
        script = "\n".join(s for key in ("before_script", "script") for s in _lines(job.get(key)))
        stage = job.get("stage")
        deploys = bool(
            DEPLOY_NAME.search(job_id)
            or (stage and DEPLOY_NAME.search(stage.text))
            or DEPLOY_COMMAND.search(script)
        )
        if deploys and job.get("environment") is None and not job_id.startswith("."):
            problems.append(
                Problem(
                    path,
                    job.line,
                    "deploy-without-environment",
                    f"job `{job_id}` deploys without `environment:`; protected environments "
                    "limit who can run it and scope its OIDC `sub` claim",
                )
            )
    return problems


def _lines(node: Node | None) -> list[str]:
    return node.strings() if node else []


def check_text(path: str, text: str) -> list[Problem]:
    try:
        doc = from_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        return [Problem(path, line, "invalid-yaml", "not valid YAML; CI would reject it too")]
    if doc is None or not isinstance(doc.value, dict):
        return []
    found = check_gitlab(path, doc) if _is_gitlab(path) else check_github(path, doc)
    return without_allowed(found, text)


def check_paths(paths: Sequence[str]) -> list[Problem]:
    return check_files([path for path in paths if is_workflow_path(path)], check_text)


HINT = (
    "Long-lived keys in CI leak through logs, forks and compromised actions. Federate with "
    "OIDC; see docs/hooks.md#check-workflow-credentials."
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=HOOK_ID, description=__doc__)
    parser.add_argument("filenames", nargs="*", help="workflow files about to be committed")
    args = parser.parse_args(argv)
    return guarded(lambda: print_problems(HOOK_ID, check_paths(args.filenames), HINT))
