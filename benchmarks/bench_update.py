"""Time `scaffold update --check` (CI drift check) over many generated repositories.

Generates --repos projects from scaffold's packaged template (versioned into an isolated data
dir), commits each, then times fresh `python -m scaffold update --check DIR` processes: once
with every project up to date (exit 0) and once after a newer template version is tagged
(exit 1). The packaged template is frozen (copied) at the start and every process uses that
copy, so edits to a source checkout during the run cannot make projects "behind" a `+local`
version.
The peer is what Copier alone offers: `copier update --pretend --defaults` in each
project (a dry-run update), timed on --peer-repos projects and reported per repository.

    .venv/bin/python -m benchmarks.bench_update [--repos 50] [--runs 3] [--peer-repos 5]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchmarks.measure import isolated_env

ROOT = Path(__file__).resolve().parent.parent


def run(cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> tuple[float, int, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, input=b"", capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.stderr.write(proc.stderr.decode(errors="replace"))
        raise SystemExit(f"{' '.join(cmd[:4])} failed with exit {proc.returncode}")
    return elapsed, proc.returncode, proc.stdout.decode(errors="replace")


# Every child process runs with sources.packaged_template_dir pointing at the frozen copy.
FROZEN = """
import os
from pathlib import Path
from scaffold.update import sources
sources.packaged_template_dir = lambda: Path(os.environ["BENCH_FROZEN_TEMPLATE"])
"""


def freeze_template(home: Path, env: dict[str, str]) -> None:
    from scaffold.update.sources import packaged_template_dir

    frozen = home / "frozen" / "service"
    shutil.copytree(packaged_template_dir(), frozen, ignore=shutil.ignore_patterns("__pycache__"))
    env["BENCH_FROZEN_TEMPLATE"] = str(frozen)


def build_projects(org: Path, count: int, env: dict[str, str]) -> None:
    """Generate `count` committed projects from the packaged template (in a child process)."""
    code = (
        FROZEN
        + f"""
import subprocess, sys
from copier import run_copy
source = sources.packaged_template_source()
for i in range({count}):
    dest = Path(sys.argv[1]) / f"svc-{{i:03d}}"
    run_copy(source.url, str(dest), vcs_ref=source.ref, defaults=True, quiet=True,
             data={{"service_name": f"svc-{{i:03d}}", "deploy_target": "none"}})
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "--no-verify", "-m", "generated"]):
        subprocess.run(["git", *args], cwd=dest, input=b"", check=True, capture_output=True)
"""
    )
    subprocess.run([sys.executable, "-c", code, str(org)], env=env, input=b"", check=True)


def release_newer_template(home: Path, env: dict[str, str]) -> None:
    """Tag a newer template version in the local repository, as a scaffold upgrade would."""
    code = (
        FROZEN
        + """
import shutil, sys
newer = Path(sys.argv[1]) / "service"
shutil.copytree(sources.packaged_template_dir(), newer)
(newer / "template" / "UPGRADED.md").write_text("new in 99.0.0\\n", encoding="utf-8")
sources.template_source_from_dir(newer, "99.0.0", sources.local_template_repo())
"""
    )
    subprocess.run(
        [sys.executable, "-c", code, str(home / "newer")], env=env, input=b"", check=True
    )


def timed_checks(org: Path, env: dict[str, str], runs: int) -> tuple[list[float], int, str]:
    """Wall times of `runs` fresh processes, the exit code and the status counts of the last."""
    main = FROZEN + "import sys; from scaffold.cli import main; sys.exit(main(sys.argv[1:]))"
    cmd = [sys.executable, "-c", main, "update", "--check", "--format", "json", str(org)]
    times: list[float] = []
    code, out = 0, "{}"
    for _ in range(runs):
        elapsed, code, out = run(cmd, env)
        times.append(elapsed)
    statuses = Counter(r["status"] for r in json.loads(out)["repositories"])
    return times, code, ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peer-repos", type=int, default=5, help="0 skips the peer")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-update-"))
    try:
        env = isolated_env(home)
        freeze_template(home, env)
        org = home / "org"
        org.mkdir()
        start = time.perf_counter()
        build_projects(org, args.repos, env)
        print(f"generated {args.repos} projects in {time.perf_counter() - start:.1f} s")
        for label in ("up to date", "behind (newer template tagged)"):
            if label.startswith("behind"):
                release_newer_template(home, env)
            times, code, statuses = timed_checks(org, env, args.runs)
            median = statistics.median(times)
            print(
                f"scaffold update --check, {label}: exit {code} ({statuses}), "
                f"median {median:.2f} s total, "
                f"{1000 * median / args.repos:.1f} ms per repository (runs: "
                + ", ".join(f"{t:.2f}" for t in times)
                + ")"
            )
        if args.peer_repos:
            peer = sorted(org.iterdir())[: args.peer_repos]
            cmd = [sys.executable, "-m", "copier", "update", "--pretend", "--defaults", "--trust"]
            peer_times = [run(cmd, env, cwd=project)[0] for project in peer]
            per_repo = statistics.median(peer_times)
            print(
                f"peer: copier update --pretend per repository: median {per_repo:.2f} s "
                f"({len(peer)} repositories; x{args.repos} = {per_repo * args.repos:.1f} s)"
            )
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
