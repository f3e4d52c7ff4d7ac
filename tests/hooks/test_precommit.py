"""The published hooks, installed by pre-commit from a local snapshot of this repository.

Real `pre-commit install`, real `git commit`: a commit is blocked or recorded exactly as a user
of the hooks would see it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gitrepo import GitRepo, git, git_env
from tests.hooks.helpers import fake_aws_key_id, github_token

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
# What pre-commit needs to pip-install scaffold: the package, its build metadata and data.
SNAPSHOT_PARTS = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "scaffold", "templates")
HOOK_IDS = (
    "scaffold-secrets",
    "scaffold-secrets-commit-msg",
    "forbid-env-files",
    "check-workflow-credentials",
    "check-oidc-trust-policy",
)


def _pre_commit_home() -> Path:
    return Path(
        os.environ.get("PRE_COMMIT_HOME")
        or Path.home() / ".cache" / "scaffold-tests" / "pre-commit"
    )


def _files() -> list[Path]:
    found: list[Path] = []
    for part in SNAPSHOT_PARTS:
        path = ROOT / part
        if path.is_file():
            found.append(path)
        else:
            found += sorted(
                p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts
            )
    return found


def _snapshot() -> tuple[Path, str]:
    """A committed copy of the current work tree's package; same content, same path and sha,
    so pre-commit's environment for it is built once and reused across runs."""
    files = _files()
    digest = hashlib.sha256()
    for f in files:
        digest.update(str(f.relative_to(ROOT)).encode() + b"\0" + f.read_bytes())
    target = _pre_commit_home().parent / "hook-snapshots" / digest.hexdigest()[:16]
    env = git_env({"GIT_AUTHOR_DATE": "1700000000 +0000", "GIT_COMMITTER_DATE": "1700000000 +0000"})
    if not (target / ".git").is_dir():
        # built aside and renamed into place: parallel test workers may race to build it
        shutil.rmtree(target, ignore_errors=True)  # a leftover without .git: never usable
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
        for f in files:
            dest = staging / f.relative_to(ROOT)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, dest)
        git(staging, "init", "-q", env=env)
        git(staging, "add", "-A", env=env)
        git(staging, "commit", "-q", "--no-verify", "-m", "snapshot", env=env)
        try:
            staging.rename(target)
        except OSError:  # another worker finished first: same content, same commit
            shutil.rmtree(staging, ignore_errors=True)
    return target, git(target, "rev-parse", "HEAD", env=env).strip()


def _config(snapshot: Path, rev: str) -> str:
    hooks = "".join(f"      - id: {hook}\n" for hook in HOOK_IDS)
    return f"repos:\n  - repo: {snapshot}\n    rev: {rev}\n    hooks:\n{hooks}"


def _pre_commit(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(_pre_commit_home())}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        input="",
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.fixture(scope="module")
def hooks_config() -> Iterator[str]:
    snapshot, rev = _snapshot()
    yield _config(snapshot, rev)


@pytest.fixture
def project(repo: GitRepo, hooks_config: str) -> GitRepo:
    repo.commit("start", {".pre-commit-config.yaml": hooks_config, "README.md": "demo\n"})
    installed = _pre_commit(repo.path, "install", "-t", "pre-commit", "-t", "commit-msg")
    assert installed.returncode == 0, installed.stderr
    built = _pre_commit(repo.path, "install-hooks")  # slow only the first time: cached
    assert built.returncode == 0, built.stdout + built.stderr
    return repo


def commit(repo: GitRepo, files: dict[str, str], message: str = "change") -> tuple[bool, str]:
    """Stage files and `git commit` with the hooks; (recorded?, what the user saw)."""
    for name, content in files.items():
        repo.write(name, content)
    git(repo.path, "add", "-A")
    before = repo.head()
    proc = subprocess.run(
        ["git", "commit", "-m", message],
        cwd=repo.path,
        input=b"",
        capture_output=True,
        env={**os.environ, "PRE_COMMIT_HOME": str(_pre_commit_home())},
        check=False,
    )
    output = (proc.stdout + proc.stderr).decode(errors="replace")
    recorded = repo.head() != before
    assert recorded == (proc.returncode == 0), output
    return recorded, output


def test_secret_blocked_then_pragma_passes(project: GitRepo) -> None:
    token = github_token()
    recorded, output = commit(project, {"app.py": f"TOKEN = '{token}'\n"})
    assert not recorded
    assert "app.py:1:10  github-pat-classic  ghp_…[40 chars]" in output
    assert token not in output
    recorded, output = commit(
        project, {"app.py": f"TOKEN = '{token}'  # pragma: allowlist secret\n"}
    )
    assert recorded, output


def test_baseline_accepts_a_known_secret(project: GitRepo) -> None:
    token = github_token(4)
    project.write("fixture.py", f"T = '{token}'\n")
    git(project.path, "add", "fixture.py")
    update = subprocess.run(
        [str(Path(sys.executable).parent / "scaffold-secrets"), "--update-baseline"],
        cwd=project.path,
        input=b"",
        capture_output=True,
        check=False,
    )
    assert update.returncode == 0, update.stderr
    baseline = json.loads((project.path / ".secrets.baseline").read_text(encoding="utf-8"))
    assert baseline["results"][".secrets.baseline"][0]["type"] == "GitHub Token"
    recorded, output = commit(project, {})
    assert recorded, output


def test_env_file_blocked(project: GitRepo) -> None:
    recorded, output = commit(project, {".env": "DATABASE_URL=postgres://localhost/app\n"})
    assert not recorded
    assert ".env: [env-file]" in output
    recorded, output = commit(project, {".env": "", ".env.example": "DATABASE_URL=\n"})
    assert not recorded  # still staged; remove it
    git(project.path, "rm", "-q", "--cached", ".env")
    (project.path / ".env").unlink()
    recorded, output = commit(project, {})
    assert recorded, output


def test_workflow_with_static_keys_blocked(project: GitRepo) -> None:
    workflow = (
        "on: push\npermissions: {}\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n"
        "    environment: production\n    steps:\n"
        "      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n"
        "          aws-access-key-id: ${{ secrets.KEY_ID }}\n"
        "          aws-secret-access-key: ${{ secrets.SECRET }}\n"
    )
    recorded, output = commit(project, {".github/workflows/deploy.yml": workflow})
    assert not recorded
    assert ".github/workflows/deploy.yml:10: [static-cloud-keys]" in output
    assert fake_aws_key_id() not in output


def test_wildcard_trust_policy_blocked(project: GitRepo) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {
                    "Federated": "arn:aws:iam::123456789012:oidc-provider/"
                    "token.actions.githubusercontent.com"
                },
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"
                    },
                    "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"},
                },
            }
        ],
    }
    recorded, output = commit(project, {"iam/trust.json": json.dumps(policy, indent=2)})
    assert not recorded
    assert "iam/trust.json:15: [wildcard-sub]" in output


def test_secret_in_commit_message_blocked(project: GitRepo) -> None:
    token = github_token(6)
    recorded, output = commit(project, {"notes.md": "ok\n"}, message=f"debug with {token}")
    assert not recorded
    assert "commit message:1:12  github-pat-classic  ghp_…[40 chars]" in output
    assert token not in output
