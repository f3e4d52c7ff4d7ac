"""The published hook definitions, console scripts and thin `hooks/` entries agree."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HOOKS: list[dict[str, Any]] = yaml.safe_load(
    (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
)
SCRIPTS: dict[str, str] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
    "project"
]["scripts"]
OWN: dict[str, Any] = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))


def test_published_ids_are_the_documented_ones() -> None:
    assert [h["id"] for h in HOOKS] == [
        "scaffold-secrets",
        "scaffold-secrets-commit-msg",
        "forbid-env-files",
        "check-workflow-credentials",
        "check-oidc-trust-policy",
    ]


@pytest.mark.parametrize("hook", HOOKS, ids=lambda h: str(h["id"]))
def test_each_hook_is_a_console_script_and_a_thin_entry(hook: dict[str, Any]) -> None:
    assert hook["language"] == "python"
    script, *options = hook["entry"].split()
    module = SCRIPTS[script].split(":")[0]
    thin = ROOT / "hooks" / (script.removeprefix("scaffold-").replace("-", "_") + ".py")
    if script == "scaffold-secrets":
        thin = ROOT / "hooks" / "scaffold_secrets.py"
    assert f"from {module} import main" in thin.read_text(encoding="utf-8")
    local = {h["id"]: h for repo in OWN["repos"] for h in repo["hooks"]}[hook["id"]]
    assert local["entry"] == " ".join([f"python -m hooks.{thin.stem}", *options])
    assert local.get("stages") == hook.get("stages")
    assert local.get("files") == hook.get("files")
    proc = subprocess.run(
        [sys.executable, "-m", f"hooks.{thin.stem}", "--help"],
        cwd=ROOT,
        input=b"",
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 0 and b"usage:" in proc.stdout


@pytest.mark.parametrize(
    ("hook_id", "path", "selected"),
    [
        ("check-workflow-credentials", ".github/workflows/ci.yml", True),
        ("check-workflow-credentials", "svc/.github/workflows/deploy.yaml", True),
        ("check-workflow-credentials", ".gitlab-ci.yml", True),
        ("check-workflow-credentials", "ci/deploy.gitlab-ci.yml", True),
        ("check-workflow-credentials", ".github/dependabot.yml", False),
        ("check-oidc-trust-policy", "infra/iam.tf", True),
        ("check-oidc-trust-policy", "policies/trust.json", True),
        ("check-oidc-trust-policy", "infra/iam.tf.jinja", False),
    ],
)
def test_file_filters(hook_id: str, path: str, selected: bool) -> None:
    hook = next(h for h in HOOKS if h["id"] == hook_id)
    assert bool(re.search(hook["files"], path)) is selected
