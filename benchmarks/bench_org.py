"""Organisation scan benchmark: 200 local repositories, first run, unchanged rerun, one change.

Repositories come from the synthetic history builder; one in four is a copy of another (same
seed: identical history, like a fork), so the run also shows blobs shared across the
organisation being scanned once. Each scan runs in its own process so its CPU time is measured.
Target: the unchanged rerun takes under 5 % of the first run's wall time.

    .venv/bin/python -m benchmarks.bench_org [--repos 200] [--commits 60] [--files 40]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.measure import Measurement, run_measured
from benchmarks.synth_history import build

OUT = Path(__file__).resolve().parent / "out"


def build_org(root: Path, repos: int, commits: int, files: int) -> None:
    distinct = max(1, repos * 3 // 4)
    for index in range(repos):
        seed = index % distinct  # the last quarter repeats earlier histories
        build(root / f"repo{index:03d}", commits, files, seed, plant_every=25)


def scan_once(root: Path, datastore: Path, jobs: int) -> None:
    """What one measured process does: an organisation run over every repository in `root`."""
    from scaffold.org.run import OrgOptions, scan_organisation
    from scaffold.org.targets import resolve

    started = time.monotonic()
    run = scan_organisation(resolve([str(root)]), OrgOptions(datastore=datastore, jobs=jobs))
    statuses = [o.status for o in run.outcomes]
    print(
        json.dumps(
            {
                "seconds": round(time.monotonic() - started, 2),
                "scanned": statuses.count("scanned"),
                "unchanged": statuses.count("unchanged"),
                "failed": statuses.count("failed"),
                "blobs_scanned": run.contents_scanned,
                "mb_scanned": round(run.bytes_scanned / 1e6, 1),
                "findings": sum(len(r.findings) for r in run.results),
            }
        )
    )


def _measured(root: Path, datastore: Path, jobs: int) -> tuple[Measurement, dict[str, object]]:
    argv = [sys.executable, "-m", "benchmarks.bench_org", "--scan-only", str(root), str(datastore)]
    argv += ["--jobs", str(jobs)]
    measurement = run_measured(argv)
    # run_measured drops output; a second, cheap look reads what the run recorded
    return measurement, {"exit": measurement.returncode}


def _commit_one_change(repo: Path) -> None:
    who = {"NAME": "b", "EMAIL": "b@example.com"}
    env = {
        f"GIT_{role}_{key}": value for role in ("AUTHOR", "COMMITTER") for key, value in who.items()
    }
    env["PATH"] = "/usr/bin:/bin"
    (repo / "CHANGED.md").write_text(f"changed at {time.time()}\n", encoding="utf-8")
    for args in (["add", "CHANGED.md"], ["commit", "-q", "-m", "one change"]):
        subprocess.run(
            ["git", *args], cwd=repo, env=env, input=b"", check=True, capture_output=True
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=200)
    parser.add_argument("--commits", type=int, default=60)
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--workdir", type=Path, help="keep the built repositories here, reuse them")
    parser.add_argument(
        "--scan-only", nargs=2, metavar=("ROOT", "DATASTORE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.scan_only:
        scan_once(Path(args.scan_only[0]), Path(args.scan_only[1]), args.jobs)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-org-") as tmp:
        work = args.workdir or Path(tmp)
        root = work / f"org-r{args.repos}-c{args.commits}-f{args.files}"
        datastore = Path(tmp) / "org.db"
        if not root.exists():
            started = time.monotonic()
            build_org(root, args.repos, args.commits, args.files)
            took = time.monotonic() - started
            print(f"built {args.repos} repositories in {took:.1f} s", file=sys.stderr)
        first, _ = _measured(root, datastore, args.jobs)
        second, _ = _measured(root, datastore, args.jobs)
        _commit_one_change(root / "repo000")
        third, _ = _measured(root, datastore, args.jobs)
        with tempfile.TemporaryDirectory() as scratch:  # the numbers of an unchanged run
            detail = subprocess.run(
                [sys.executable, "-m", "benchmarks.bench_org", "--scan-only", str(root),
                 str(datastore), "--jobs", str(args.jobs)],
                input=b"", capture_output=True, check=True, cwd=scratch,
            )  # fmt: skip
    rows = {"first run": first, "unchanged rerun": second, "one repo changed": third}
    print(f"{args.repos} repositories, {args.commits} commits and {args.files} files each")
    print(f"{'run':<18}{'wall s':>9}{'cpu s':>9}{'cpu/wall':>9}{'RSS MB':>9}{'exit':>6}")
    for name, m in rows.items():
        print(f"{name:<18}{m.wall_s:>9.2f}{m.cpu_s:>9.2f}{m.cpu_s / m.wall_s:>9.2f}"
              f"{m.peak_rss_mb:>9.0f}{m.returncode:>6}")  # fmt: skip
    ratio = second.wall_s / first.wall_s
    print(f"unchanged rerun / first run: {ratio:.1%} (target < 5 %)")
    print(f"unchanged rerun detail: {detail.stdout.decode().strip()}")
    OUT.mkdir(exist_ok=True)
    summary = {name: vars(m) for name, m in rows.items()} | {"ratio": ratio, "repos": args.repos}
    (OUT / f"org-r{args.repos}.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
