"""`scaffold audit` speed: one repository from its files (generated service, psf/requests, git/git),
and an organisation of N repositories audited twice (the second run must cost <= 10% of the first).

    .venv/bin/python -m benchmarks.bench_audit            # single repositories
    .venv/bin/python -m benchmarks.bench_audit --repos 200  # also the organisation run

Work-tree clones go to /work/cache/audit (never inside the project).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CACHE = Path(os.environ.get("SCAFFOLD_BENCH_CACHE", "/work/cache/audit"))
MIRRORS = {
    "psf/requests": "/work/.mirror/psf+requests/repo",
    "git/git": "/work/.mirror/git+git/repo",
}
SCAFFOLD = [str(Path(sys.executable).parent / "scaffold")]


def _run(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(args, input=b"", capture_output=True, env=env, check=False)
    seconds = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed: {proc.stderr.decode()[-500:]}")
    return seconds


def _clone(name: str, mirror: str) -> Path:
    dest = CACHE / name.replace("/", "+")
    if not dest.is_dir():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "clone", "-q", mirror, str(dest)], input=b"", check=True)
    return dest


def single(env: dict[str, str], rounds: int) -> None:
    service = CACHE / "generated-service"
    if not service.is_dir():
        subprocess.run([*SCAFFOLD, "new", "service", str(service), "--defaults", "--no-hooks"],
                       input=b"", capture_output=True, env=env, check=True)  # fmt: skip
    targets = {"generated service": service}
    targets.update({n: _clone(n, m) for n, m in MIRRORS.items() if Path(m).is_dir()})
    for name, path in targets.items():
        args = [*SCAFFOLD, "audit", str(path), "--no-history", "--format", "json", "--datastore",
                str(Path(env["SCAFFOLD_CACHE_DIR"]) / "bench.db")]  # fmt: skip
        first = _run(args, env)
        times = [_run(args, env) for _ in range(rounds)]
        median = statistics.median(times)
        print(
            f"{name:<18} files only: first {first:.2f} s, then median {median:.2f} s (budget 2 s)"
        )


def organisation(env: dict[str, str], repos: int) -> None:
    from tests.gitrepo import GitRepo

    root = Path(tempfile.mkdtemp(prefix="bench-audit-org-", dir=CACHE))
    try:
        for i in range(repos):
            repo = GitRepo.init(root / f"repo-{i:03}")
            files = {f"src/module_{j}.py": f"VALUE_{j} = {i * j}\n" * 40 for j in range(30)}
            files["infra/main.tf"] = f'resource "aws_sqs_queue" "q{i}" {{\n  name = "q{i}"\n}}\n'
            files["README.md"] = f"# repo {i}\n"
            for c in range(3):
                repo.commit(f"commit {c}", {**files, "CHANGELOG.md": f"{c}\n"})
        args = [
            *SCAFFOLD,
            "audit",
            str(root),
            "--format",
            "json",
            "--datastore",
            str(root / "audit.db"),
        ]
        first = _run(args, env)
        second = _run(args, env)
        print(f"organisation of {repos}: first {first:.1f} s, second {second:.1f} s "
              f"= {second / first:.1%} of the first (target <= 10%)")  # fmt: skip
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=0, help="also audit an organisation of N")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="bench-audit-cache-")
    env = {**os.environ, "SCAFFOLD_CACHE_DIR": scratch}
    try:
        single(env, args.rounds)
        if args.repos:
            organisation(env, args.repos)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
