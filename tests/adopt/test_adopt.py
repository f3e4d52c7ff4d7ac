"""`scaffold adopt` on real git repositories: merge, never overwrite, baseline, refuse, undo."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scaffold.cli import main
from tests.gitrepo import GitRepo, git
from tests.tokens import aws_key_pair

MIRROR = Path("/work/.mirror/pallets+flask/repo")
EXISTING_PRECOMMIT = """repos:
  - repo: local
    hooks:
      - id: no-todo
        name: no todo
        language: fail
        entry: no TODO markers
        files: \\.todo$
"""


def _snapshot(root: Path) -> dict[str, str]:
    """Every file of the work tree (not .git) and its content hash."""
    found = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] == ".git" or not path.is_file():
            continue
        found[rel.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture
def existing(repo: GitRepo) -> GitRepo:
    key_id, secret = aws_key_pair(seed=7)
    repo.commit(
        "an existing project",
        {
            "app.py": f'AWS_ACCESS_KEY_ID = "{key_id}"\nAWS_SECRET = "{secret}"\n',
            ".gitignore": "__pycache__/\n",
            ".pre-commit-config.yaml": EXISTING_PRECOMMIT,
            "README.md": "# existing\n",
        },
    )
    return repo


def test_adopt_adds_files_merges_lines_and_records_the_baseline(
    existing: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = existing.path
    before = _snapshot(root)
    assert main(["adopt", str(root), "--defaults", "--no-hooks", "--data", "team=@acme/web"]) == 0
    out = capsys.readouterr().out
    assert "merge into   .gitignore" in out and "add          CODEOWNERS" in out
    # modified files only gain lines
    diff = git(root, "diff", "--unified=0", "--no-color")
    changed = [
        line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert changed and all(line.startswith("+") for line in changed)
    assert set(git(root, "diff", "--name-only").split()) == {
        ".gitignore",
        ".pre-commit-config.yaml",
    }
    config = yaml.safe_load((root / ".pre-commit-config.yaml").read_text("utf-8"))
    ids = [h["id"] for r in config["repos"] for h in r["hooks"]]
    assert ids[0] == "no-todo" and "detect-secrets" in ids and "scaffold-secrets" in ids
    assert "* @acme/web" in (root / "CODEOWNERS").read_text("utf-8")
    baseline = json.loads((root / ".secrets.baseline").read_text("utf-8"))
    assert "app.py" in baseline["results"], "the existing key is recorded as known"
    assert aws_key_pair(seed=7)[1] not in (root / ".secrets.baseline").read_text("utf-8")
    answers = yaml.safe_load((root / ".copier-answers.yml").read_text("utf-8"))
    assert answers["_src_path"].endswith("scaffold-adopt") and answers["add_codeowners"] is True
    # put back, byte for byte
    assert main(["adopt", "--undo", str(root)]) == 0
    assert _snapshot(root) == before
    assert git(root, "status", "--porcelain") == ""


def test_dirty_tree_is_refused(existing: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    (existing.path / "README.md").write_text("# changed\n", encoding="utf-8")
    assert main(["adopt", str(existing.path), "--defaults"]) == 2
    assert "uncommitted changes" in capsys.readouterr().err
    assert not (existing.path / "CODEOWNERS").exists()


def test_second_run_offers_update(existing: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["adopt", str(existing.path), "--defaults", "--no-hooks"]) == 0
    existing.commit("adopt")
    capsys.readouterr()
    assert main(["adopt", str(existing.path), "--defaults"]) == 2
    assert "scaffold update" in capsys.readouterr().err


def test_conflict_is_a_diff_and_nothing_is_written(
    existing: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    existing.commit("owners file without rules", {"CODEOWNERS": "# nobody yet\n"})
    before = _snapshot(existing.path)
    assert main(["adopt", str(existing.path), "--defaults", "--no-hooks"]) == 1
    err = capsys.readouterr().err
    assert "conflict: CODEOWNERS" in err and "+* @maintainers" in err
    assert _snapshot(existing.path) == before


def _offline_config(root: Path) -> Path:
    """The hooks adopt merged in, as local hooks (no GitHub here); the repository's own hooks
    are its business and may need the network."""
    from tests.new.generated import offline_precommit_config, scaffold_hooks_installed

    ours = {"detect-secrets", "scaffold-secrets", "forbid-env-files"}
    config = yaml.safe_load((root / ".pre-commit-config.yaml").read_text("utf-8"))
    config["repos"] = [r for r in config["repos"] if {h["id"] for h in r.get("hooks", [])} <= ours]
    assert len(config["repos"]) == 2
    offline, left_out = offline_precommit_config(yaml.safe_dump(config), scaffold_hooks_installed())
    assert not left_out
    target = root.parent / "offline-pre-commit.yaml"
    target.write_text(offline, encoding="utf-8")
    return target


@pytest.mark.slow
@pytest.mark.skipif(not MIRROR.is_dir(), reason="needs the pallets/flask mirror")
def test_adopt_on_a_clone_of_flask(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.new.generated import tool_env

    root = tmp_path / "flask"
    git(tmp_path, "clone", "-q", str(MIRROR), str(root))
    start = git(root, "rev-parse", "HEAD").strip()
    before = _snapshot(root)
    assert main(["adopt", str(root), "--defaults"]) == 0
    assert (root / ".git/hooks/pre-commit").is_file(), "hooks installed"
    assert set(git(root, "diff", "--name-only").split()) <= {
        ".gitignore",
        ".pre-commit-config.yaml",
    }
    git(root, "add", "-A")
    env = tool_env()
    config = _offline_config(root)
    proc = subprocess.run(
        ["pre-commit", "run", "--all-files", "-c", str(config), "--hook-stage", "manual"],
        cwd=root, env=env, input=b"", capture_output=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout.decode()[-3000:]
    git(root, "commit", "-q", "--no-verify", "-m", "Adopt scaffold guardrails")
    # plain copier update works on the adopted tree
    copier = shutil.which("copier", path=str(Path(sys.executable).parent))
    assert copier
    proc = subprocess.run(
        [copier, "update", "--defaults", "--trust", str(root)],
        cwd=root, env=env, input=b"", capture_output=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    assert git(root, "status", "--porcelain") == ""
    # and the put-back command restores the tree of the commit adopt started from
    assert main(["adopt", "--undo", str(root)]) == 0
    assert _snapshot(root) == before
    assert git(root, "diff", "--stat", start) == ""


def test_deploy_role_and_workflow_agree_and_pass_the_audit(
    existing: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import hcl2

    root = existing.path
    data = ["with_deploy_role=true", "repo_slug=acme/web", "aws_account_id=444455556666"]
    args = ["adopt", str(root), "--defaults", "--no-hooks"]
    assert main([*args, *[f"--data={d}" for d in data]]) == 0
    terraform = hcl2.loads((root / "infra/deploy-role/main.tf").read_text("utf-8"))
    role = next(r['"aws_iam_role"'] for r in terraform["resource"] if '"aws_iam_role"' in r)
    name = role['"deploy"']["name"].strip('"')
    workflow = yaml.safe_load((root / ".github/workflows/deploy.yml").read_text("utf-8"))
    steps = workflow["jobs"]["deploy"]["steps"]
    assumed = next(
        s["with"]["role-to-assume"] for s in steps if "with" in s and "role-to-assume" in s["with"]
    )
    assert assumed == f"arn:aws:iam::444455556666:role/{name}"
    capsys.readouterr()
    existing.commit("adopted")
    code = main(
        [
            "audit",
            str(root),
            "--no-history",
            "--format",
            "json",
            "--datastore",
            str(tmp_path / "a.db"),
        ]
    )
    assert code == 0
    checks = {
        c["id"]: c["status"]
        for c in json.loads(capsys.readouterr().out)["repositories"][0]["checks"]
    }
    for check in (
        "oidc-trust-exact-sub",
        "no-static-cloud-keys-in-ci",
        "deploy-environments",
        "secret-hooks",
        "secret-scan-in-ci",
        "codeowners",
        "runbooks",
    ):
        assert checks[check] == "pass", check
    assert checks["rto-rpo"] == "fail", "the readiness doc asks; only the team can answer"
