"""The composite GitHub Action and scaffold's own workflow: schema, pinning, and the steps' own
scripts run as the runner would run them (same env variables, a real repository)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.gitrepo import GitRepo
from tests.hooks.helpers import github_token

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
BIN = Path(sys.executable).parent
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")


def _action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return data


def _step(step_id: str | None = None, name: str | None = None) -> dict[str, Any]:
    for step in _action()["runs"]["steps"]:
        if (step_id and step.get("id") == step_id) or (name and step.get("name") == name):
            return dict(step)
    raise AssertionError(f"no step {step_id or name}")


def _run_step(
    step: dict[str, Any], cwd: Path, env: dict[str, str], output: Path
) -> subprocess.CompletedProcess[str]:
    """Run a step's `run:` like the runner: bash -e, its `env:` values filled in by the test."""
    full = {**os.environ, **env, "GITHUB_OUTPUT": str(output)}
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=cwd,
        input="",
        capture_output=True,
        text=True,
        env=full,
        check=False,
    )


def _outputs(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return dict(line.split("=", 1) for line in lines)


@pytest.mark.parametrize(
    ("schema", "path"),
    [("vendor.github-actions", ACTION)] + [("vendor.github-workflows", w) for w in WORKFLOWS],
)
def test_schema_valid(schema: str, path: Path) -> None:
    proc = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", schema, str(path)],
        input="",
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_action_is_pinned_to_a_full_sha_with_version_comment() -> None:
    for path in [ACTION, *WORKFLOWS]:
        for line in path.read_text(encoding="utf-8").splitlines():
            found = re.search(r"^\s*-?\s*uses:\s*(.+)$", line)
            if found is None or found.group(1).startswith("./"):
                continue
            assert PINNED.match(found.group(1).strip()), f"{path.name}: {line.strip()}"


def test_workflows_least_privilege() -> None:
    assert WORKFLOWS, "scaffold's own workflow is missing"
    for path in WORKFLOWS:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert doc["permissions"] == {}, path.name
        for job_id, job in doc["jobs"].items():
            assert "permissions" in job, f"{path.name}: job {job_id}"
            assert "write-all" not in str(job["permissions"])
            for step in job["steps"]:
                if str(step.get("uses", "")).startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False


def test_zizmor_finds_nothing_above_low() -> None:
    proc = subprocess.run(
        [
            str(BIN / "zizmor"),
            "--offline",
            "--min-severity",
            "medium",
            str(ACTION),
            *map(str, WORKFLOWS),
        ],
        input="",
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_own_hooks_accept_own_workflows(monkeypatch: pytest.MonkeyPatch) -> None:
    from scaffold.hooks.workflows import check_paths

    monkeypatch.chdir(ROOT)
    assert check_paths([str(w.relative_to(ROOT)) for w in WORKFLOWS]) == []


@pytest.fixture
def pr_repo(repo: GitRepo) -> tuple[GitRepo, str, str, str]:
    old = github_token(11)
    repo.commit("old secret, accepted long ago", {"legacy.py": f"K = '{old}'\n"})
    base = repo.commit("base", {"README.md": "x\n"})
    new = github_token(12)
    head = repo.commit("pr", {"app.py": f"TOKEN = '{new}'\n"})
    return repo, base, head, new


def _scan_env(**overrides: str) -> dict[str, str]:
    env = {
        "SCAFFOLD_BIN": str(BIN / "scaffold"),
        "SCAFFOLD_PYTHON": sys.executable,
        "INPUT_PATH": ".",
        "INPUT_RANGE": "",
        "INPUT_FULL_HISTORY": "false",
        "INPUT_BASELINE": "",
        "INPUT_SARIF_FILE": "scaffold.sarif",
        "EVENT_NAME": "pull_request",
        "PR_BASE_SHA": "",
        "PR_HEAD_SHA": "",
        "PUSH_BEFORE": "",
        "PUSH_AFTER": "",
    }
    env.update(overrides)
    return env


def test_scan_step_on_a_pull_request(
    pr_repo: tuple[GitRepo, str, str, str], tmp_path: Path
) -> None:
    repo, base, head, new = pr_repo
    out = tmp_path / "output"
    proc = _run_step(_step("scan"), repo.path, _scan_env(PR_BASE_SHA=base, PR_HEAD_SHA=head), out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"scanning what the commits in {base}..{head} introduced" in proc.stdout
    assert _outputs(out) == {"findings": "1", "sarif-file": "scaffold.sarif"}
    sarif = json.loads((repo.path / "scaffold.sarif").read_text(encoding="utf-8"))
    results = sarif["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["github-pat-classic"]
    assert new not in proc.stdout + proc.stderr + json.dumps(sarif)
    assert "ghp_…[40 chars]" in proc.stdout  # the terminal report in the log, redacted


def test_scan_step_on_push_new_branch_scans_whole_history(
    pr_repo: tuple[GitRepo, str, str, str], tmp_path: Path
) -> None:
    repo, _, head, _ = pr_repo
    out = tmp_path / "output"
    env = _scan_env(EVENT_NAME="push", PUSH_BEFORE="0" * 40, PUSH_AFTER=head)
    proc = _run_step(_step("scan"), repo.path, env, out)
    assert proc.returncode == 0, proc.stderr
    assert "scanning the whole history" in proc.stdout
    assert _outputs(out)["findings"] == "2"
    # a force-push "before" this clone never had: whole history too, not an error
    env["PUSH_BEFORE"] = "1" * 40
    proc = _run_step(_step("scan"), repo.path, env, tmp_path / "output2")
    assert "scanning the whole history" in proc.stdout


def test_scan_step_clean_range_and_broken_input(
    pr_repo: tuple[GitRepo, str, str, str], tmp_path: Path
) -> None:
    repo, base, _, _ = pr_repo
    out = tmp_path / "output"
    env = _scan_env(INPUT_RANGE=f"{base}~1..{base}")
    proc = _run_step(_step("scan"), repo.path, env, out)
    assert proc.returncode == 0, proc.stderr
    assert _outputs(out)["findings"] == "0"
    env = _scan_env(INPUT_RANGE="f" * 40 + "..HEAD")
    proc = _run_step(_step("scan"), repo.path, env, tmp_path / "output2")
    assert proc.returncode == 2
    assert "::error title=scaffold::the scan could not run" in proc.stdout
    assert "fetch-depth: 0" in proc.stderr


def test_fail_step(tmp_path: Path) -> None:
    step = _step(name="Fail on new findings")
    assert step["if"] == "inputs.fail-on-findings == 'true' && steps.scan.outputs.findings != '0'"
    proc = _run_step(step, tmp_path, {"FINDINGS": "2"}, tmp_path / "out")
    assert proc.returncode == 1
    assert proc.stdout.startswith("::error title=scaffold::2 secret finding(s)")


def test_upload_step_uses_codeql_upload_sarif() -> None:
    step = _step(name="Upload SARIF to code scanning")
    assert step["uses"].startswith("github/codeql-action/upload-sarif@")
    assert step["with"]["sarif_file"] == "${{ steps.scan.outputs.sarif-file }}"
    assert step["if"].startswith("always()")


@pytest.mark.slow
def test_install_step_installs_from_the_action_path(tmp_path: Path) -> None:
    from tests.hooks.test_precommit import _snapshot

    snapshot, _ = _snapshot()
    out = tmp_path / "output"
    env = {"ACTION_PATH": str(snapshot), "RUNNER_TEMP": str(tmp_path)}
    proc = _run_step(_step("install"), tmp_path, env, out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    outputs = _outputs(out)
    assert outputs["bin"] == str(tmp_path / "scaffold-action-venv" / "bin" / "scaffold")
    version = subprocess.run(
        [outputs["bin"], "--version"], input="", capture_output=True, text=True, check=False
    )
    assert version.stdout.startswith("scaffold ")
