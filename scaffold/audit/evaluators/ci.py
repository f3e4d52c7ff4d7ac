"""Checks on CI: GitHub Actions workflows and GitLab CI pipelines."""

from __future__ import annotations

import re
from dataclasses import dataclass

from scaffold.audit.evaluators.common import failed, is_service, not_applicable, passed
from scaffold.audit.inputs import Inputs
from scaffold.audit.model import Location, Verdict
from scaffold.hooks.tree import Node
from scaffold.hooks.workflows import (
    CLOUD_LOGIN_ACTIONS,
    DEPLOY_COMMAND,
    DEPLOY_NAME,
    GITLAB_RESERVED,
)

_PR_EVENTS = ("pull_request", "pull_request_target", "merge_group")
SECRET_SCANNERS = re.compile(
    r"gitleaks|trufflehog|detect-secrets|scaffold\s+scan|ggshield|kingfisher|betterleaks"
    r"|noseyparker|secret[_-]detection|ripsecrets", re.IGNORECASE,
)  # fmt: skip
POLICY_TOOLS = re.compile(
    r"\b(checkov|tfsec|trivy\s+(config|iac)|conftest|opa\s+eval|kics|terrascan|regula|tflint)\b"
    r"|bridgecrewio/checkov-action|aquasecurity/tfsec|aquasecurity/trivy-action", re.IGNORECASE,
)  # fmt: skip
_PLAN = re.compile(r"\b(terraform|tofu|terragrunt)\b[^\n]*\bplan\b|\bcdk\s+diff\b|atlantis")
_APPLY = re.compile(r"\b(terraform|tofu|terragrunt)\b[^\n]*\bapply\b|\bcdk\s+deploy\b")
NO_CI = "no CI configuration (.github/workflows/*.yml or .gitlab-ci.yml)"


@dataclass(frozen=True)
class Job:
    path: str
    name: str
    line: int
    text: str  # the job's YAML lines, for command searches
    environment: str
    manual: bool  # GitLab `when: manual`
    gitlab: bool
    on_pull_request: bool
    on_push: bool

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def _events(doc: Node) -> set[str]:
    on = doc.get("on") or doc.get("true")  # YAML 1.1 reads a bare `on` as true
    if on is None:
        return set()
    if isinstance(on.value, str):
        return {on.value}
    if isinstance(on.value, list):
        return {n.text for n in on.value}
    return {k for k, _ in on.items()}


def _slice(lines: list[str], start: int, end: int) -> str:
    return "\n".join(lines[start - 1 : end])


def _environment(job: Node) -> str:
    env = job.get("environment")
    if env is None:
        return ""
    if isinstance(env.value, dict):
        name = env.get("name")
        return name.text if name else "?"
    return env.text or "?"


def jobs(inputs: Inputs) -> list[Job]:
    cached = getattr(inputs, "_ci_jobs", None)
    if cached is not None:
        return list(cached)
    found: list[Job] = []
    for path, doc in inputs.workflows:
        lines = inputs.lines(path)
        gitlab = "gitlab-ci" in path
        if gitlab:
            items = [
                (k, v)
                for k, v in doc.items()
                if k not in GITLAB_RESERVED and isinstance(v.value, dict) and not k.startswith(".")
            ]
            events = {"push", "pull_request"}  # pipelines run for pushes and merge requests
            text = "\n".join(lines)
            if "merge_request_event" not in text and "rules:" in text and "workflow:" in text:
                events = {"push"}
        else:
            node = doc.get("jobs")
            items = node.items() if node else []
            events = _events(doc)
        starts = [v.line for _, v in items] + [len(lines) + 1]
        for index, (name, job) in enumerate(items):
            when = job.get("when")
            found.append(
                Job(
                    path, name, job.line, _slice(lines, job.line, starts[index + 1] - 1),
                    _environment(job), bool(when and when.text == "manual"), gitlab,
                    bool(events & set(_PR_EVENTS)) or (gitlab and "pull_request" in events),
                    "push" in events or "release" in events,
                )
            )  # fmt: skip
    inputs._ci_jobs = found  # type: ignore[attr-defined]
    return list(found)


def _deploys(job: Job) -> bool:
    if DEPLOY_COMMAND.search(job.text) or any(a in job.text for a in CLOUD_LOGIN_ACTIONS):
        return not bool(re.search(r"\bplan\b", job.name)) and not _plan_only(job)
    return bool(DEPLOY_NAME.search(job.name)) and not (job.on_pull_request and not job.on_push)


def _plan_only(job: Job) -> bool:
    return (
        bool(_PLAN.search(job.text))
        and not _APPLY.search(job.text)
        and not DEPLOY_COMMAND.search(job.text)
    )


def deploy_jobs(inputs: Inputs) -> list[Job]:
    return [j for j in jobs(inputs) if _deploys(j)]


def _nothing_to_deploy(inputs: Inputs) -> bool:
    return not is_service(inputs) and not inputs.has_iac


def deploy_from_ci(inputs: Inputs) -> Verdict:
    found = deploy_jobs(inputs)
    if found:
        names = ", ".join(f"{j.name} ({j.where})" for j in found[:4])
        return passed(f"{len(found)} CI job(s) deploy: {names}")
    if _nothing_to_deploy(inputs):
        return not_applicable("nothing is deployed from here (no container, manifests or IaC)")
    if not inputs.workflows:
        return failed(NO_CI, [Location(".github/workflows/", 0, "no deploy pipeline")])
    return failed("no CI job deploys: releases happen by hand, from someone's machine")


def deploy_environments(inputs: Inputs) -> Verdict:
    found = deploy_jobs(inputs)
    if not found:
        return not_applicable("no CI job deploys (see deploy-from-ci)")
    bare = [j for j in found if not j.environment]
    if bare:
        return failed(
            f"{len(bare)} deploy job(s) without an environment",
            [Location(j.path, j.line, f"job `{j.name}` has no `environment:`") for j in bare],
        )
    envs = sorted({j.environment for j in found})
    note = " (reviewers are set on each environment in the repository settings)"
    return passed(f"every deploy job runs in an environment: {', '.join(envs)}{note}")


def static_keys(inputs: Inputs) -> Verdict:
    from scaffold.hooks import workflows

    if not inputs.workflows:
        return not_applicable(NO_CI)
    found: list[Location] = []
    for path, _ in inputs.workflows:
        for problem in workflows.check_text(path, inputs.repo.text(path) or ""):
            if problem.check == "static-cloud-keys":
                found.append(Location(problem.path, problem.line, problem.message))
    if found:
        return failed(f"{len(found)} long-lived cloud key(s) in CI", found)
    return passed(f"{len(inputs.workflows)} CI file(s); no static cloud keys")


def ci_checks(inputs: Inputs) -> Verdict:
    if not inputs.workflows:
        return failed(NO_CI, [Location(".github/workflows/", 0)])
    checks = [j for j in jobs(inputs) if j.on_pull_request]
    if not checks:
        return failed("no CI job runs on pull requests: nothing blocks a bad change")
    return passed(f"{len(checks)} job(s) run on every pull request")


def plan_on_pr(inputs: Inputs) -> Verdict:
    if not inputs.terraform_files:
        return not_applicable("no Terraform in this repository")
    plans = [j for j in jobs(inputs) if j.on_pull_request and _PLAN.search(j.text)]
    if any(p.endswith("atlantis.yaml") for p in inputs.repo.paths) or plans:
        return passed(
            "terraform plan runs on pull requests" + (f" ({plans[0].where})" if plans else "")
        )
    return failed("no CI job runs terraform plan on pull requests: changes are reviewed blind")


def apply_gated(inputs: Inputs) -> Verdict:
    if not inputs.terraform_files:
        return not_applicable("no Terraform in this repository")
    applies = [j for j in jobs(inputs) if _APPLY.search(j.text)]
    if not applies:
        return failed(
            "terraform apply never runs in CI: infrastructure changes are applied by hand"
        )
    ungated = [j for j in applies if not j.environment and not j.manual]
    if ungated:
        return failed(
            "terraform apply runs in CI without an approval gate",
            [
                Location(j.path, j.line, f"job `{j.name}` applies without an environment")
                for j in ungated
            ],
        )
    return passed(f"terraform apply runs in CI behind an environment ({applies[0].where})")


def secret_scan_in_ci(inputs: Inputs) -> Verdict:
    if not inputs.workflows:
        return failed(NO_CI, [Location(".github/workflows/", 0)])
    hits = [j for j in jobs(inputs) if SECRET_SCANNERS.search(j.text)]
    gitlab_template = any(
        "Secret-Detection" in (inputs.repo.text(p) or "") for p, _ in inputs.workflows
    )
    if hits or gitlab_template:
        return passed("a CI job scans for secrets" + (f" ({hits[0].where})" if hits else ""))
    return failed("no CI job scans for secrets")


def policy_checks(inputs: Inputs) -> Verdict:
    if not inputs.has_iac:
        return not_applicable("no infrastructure code to check")
    texts = [j.text for j in jobs(inputs)] + [inputs.repo.text(".pre-commit-config.yaml") or ""]
    if any(POLICY_TOOLS.search(t) for t in texts):
        return passed("a policy checker (checkov, tfsec, trivy, conftest...) runs on the IaC")
    return failed("no automated policy check runs on the infrastructure code")


def change_traceability(inputs: Inputs) -> Verdict:
    found = deploy_jobs(inputs)
    if not found:
        return not_applicable("no CI job deploys (see deploy-from-ci)")
    commit = re.compile(
        r"github\.sha|CI_COMMIT_SHA|CI_COMMIT_SHORT_SHA|GITHUB_SHA|github\.ref_name|CI_COMMIT_TAG"
    )
    # a rollback job redeploys a version that was deployed (and traced) before
    untraced = [
        j for j in found
        if not commit.search(j.text) and not j.on_push and "rollback" not in j.name.lower()
    ]  # fmt: skip
    if untraced:
        return failed(
            "deploys not tied to a commit",
            [
                Location(
                    j.path, j.line, f"job `{j.name}`: manual trigger, no commit in the artifact"
                )
                for j in untraced
            ],
        )
    return passed("each deploy runs from a pushed commit and names it")
