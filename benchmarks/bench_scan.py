"""Whole-history scan speed, memory and accuracy: scaffold against gitleaks, Kingfisher and
Betterleaks, on a synthetic history (plain or merge-heavy) or on real repositories.

Builds (or reuses) a synthetic history with planted secrets and decoys, runs every tool on it in
this same process tree (one warm-up each, then --runs rounds, each running every tool once, so
that load drifting on a shared machine hits every tool alike), and prints wall time, CPU time,
peak RSS of the whole process tree, MB/s over the unique blob bytes, recall on the planted secrets
and how many decoys each tool reported. Results also go to benchmarks/out/ as JSON.

    .venv/bin/python -m benchmarks.bench_scan --commits 20000 --files 2000
    .venv/bin/python -m benchmarks.bench_scan --commits 20000 --files 2000 --merges
    .venv/bin/python -m benchmarks.bench_scan --real git,requests,flask,flask-prs --runs 3

Real subjects are cloned once into $SCAFFOLD_BENCH_DIR/repos (see benchmarks/real_repos.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.measure import Measurement, installed_env, run_measured
from benchmarks.peers import bench_dir, tools
from benchmarks.real_repos import SUBJECTS, Subject, ensure, floor
from benchmarks.real_repos import unique_blob_bytes as real_blob_bytes
from benchmarks.synth_history import build

OUT = Path(__file__).resolve().parent / "out"


def unique_blob_bytes(repo: Path) -> int:
    listing = subprocess.run(
        ["git", "rev-list", "--objects", "--all"],
        cwd=repo,
        capture_output=True,
        input=b"",
        check=True,
    ).stdout
    ids = b"\n".join(line.split(b" ", 1)[0] for line in listing.splitlines()) + b"\n"
    sizes = subprocess.run(
        ["git", "cat-file", "--batch-check=%(objecttype) %(objectsize)"],
        cwd=repo,
        input=ids,
        capture_output=True,
        check=True,
    ).stdout
    return sum(int(s) for t, s in (ln.split() for ln in sizes.splitlines()) if t == b"blob")


def accuracy(found: list[str], truth: list[dict[str, object]]) -> dict[str, int]:
    def seen(value: str) -> bool:
        return any(value in f or (len(f) >= 8 and f in value) for f in found)

    real = [t for t in truth if t["real"]]
    decoys = [t for t in truth if not t["real"]]
    return {
        "planted": len(real),
        "found": sum(seen(str(t["secret"])) for t in real),
        "decoys": len(decoys),
        "decoys_reported": sum(seen(str(t["secret"])) for t in decoys),
        "findings": len(found),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=20_000)
    parser.add_argument("--files", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--tools", default="scaffold,gitleaks,kingfisher,betterleaks")
    parser.add_argument(
        "--merges", action="store_true", help="the synthetic history in a pull-request workflow"
    )
    parser.add_argument(
        "--real",
        metavar="NAMES",
        help=f"real repositories instead of the synthetic one ({', '.join(SUBJECTS)})",
    )
    parser.add_argument(
        "--mirrors",
        type=Path,
        metavar="DIR",
        help="clone real subjects from here (owner+name/repo)",
    )
    args = parser.parse_args()
    names = args.tools.split(",")
    if args.real:
        for name in args.real.split(","):
            if name not in SUBJECTS:
                raise SystemExit(f"error: unknown subject {name!r} ({', '.join(SUBJECTS)})")
            _bench_real(SUBJECTS[name], names, args)
        return 0
    suffix = "-merges" if args.merges else ""
    repo = bench_dir() / f"synth-c{args.commits}-f{args.files}-s{args.seed}{suffix}"
    if not repo.exists():
        print(f"building {repo} ...", file=sys.stderr)
        build(repo, args.commits, args.files, args.seed, plant_every=400, merges=args.merges)
    truth = json.loads((repo.parent / f"{repo.name}.truth.json").read_text())
    blob_mb = unique_blob_bytes(repo) / 1e6
    runs, found = _round_robin(repo, names, args.runs)
    rows = {name: {**_row(runs[name], blob_mb), **accuracy(found[name], truth)} for name in names}
    print(f"repository: {repo} ({args.commits} commits, {blob_mb:.0f} MB of unique blobs)")
    columns = ("wall s", "cpu s", "RSS MB", "PSS MB", "MB/s", "found", "decoys")
    print(f"{'tool':<12}" + "".join(f"{c:>8}" for c in columns))
    for name, row in rows.items():
        print(
            f"{name:<12}{row['wall_s']:>8}{row['cpu_s']:>8}{row['peak_rss_mb']:>8}"
            f"{row['peak_pss_mb']:>8}"
            f"{row['mb_per_s']:>8}{str(row['found']) + '/' + str(row['planted']):>8}"
            f"{str(row['decoys_reported']) + '/' + str(row['decoys']):>8}"
        )
    _ratios(runs)
    OUT.mkdir(exist_ok=True)
    out = OUT / f"scan-c{args.commits}-f{args.files}{suffix}.json"
    out.write_text(
        json.dumps({"repository": str(repo), "blob_mb": blob_mb, "tools": rows}, indent=1)
    )
    return 0


def _round_robin(
    repo: Path, names: list[str], rounds: int
) -> tuple[dict[str, list[Measurement]], dict[str, list[str]]]:
    """One warm-up each, then `rounds` rounds running every tool once, so that every tool meets
    the same machine (load here drifts by the minute); and what each tool reported last."""
    table = tools(Path(sys.executable).parent / "scaffold")
    with tempfile.TemporaryDirectory() as tmp:
        reports = {name: Path(tmp) / f"{name}.json" for name in names}
        env = installed_env(Path(tmp))
        for name in names:  # warm-up: page cache, rule caches, compiled modules
            run_measured(table[name].argv(repo, reports[name]), env=env)
        runs: dict[str, list[Measurement]] = {name: [] for name in names}
        for _ in range(rounds):
            for name in names:
                reports[name].unlink(missing_ok=True)
                runs[name].append(run_measured(table[name].argv(repo, reports[name]), env=env))
        found = {
            name: table[name].secrets(reports[name]) if reports[name].exists() else []
            for name in names
        }
    return runs, found


def _row(measured: list[Measurement], blob_mb: float) -> dict[str, object]:
    wall = statistics.median(m.wall_s for m in measured)
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(statistics.median(m.cpu_s for m in measured), 2),
        "peak_rss_mb": round(max(m.peak_rss_mb for m in measured), 1),
        "peak_pss_mb": round(max(m.peak_pss_mb for m in measured), 1),
        "mb_per_s": round(blob_mb / wall, 1),
        "exit": measured[-1].returncode,
    }


def _ratios(runs: dict[str, list[Measurement]]) -> dict[str, float]:
    """scaffold's wall time over each peer's, round by round (same minute, same load)."""
    medians = {}
    for peer, theirs_runs in runs.items():
        if peer == "scaffold" or "scaffold" not in runs:
            continue
        ratios = [
            ours.wall_s / theirs.wall_s
            for ours, theirs in zip(runs["scaffold"], theirs_runs, strict=True)
        ]
        medians[peer] = statistics.median(ratios)
        print(
            f"scaffold / {peer} wall time: median {medians[peer]:.2f}x "
            f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)})"
        )
    return medians


def _bench_real(subject: Subject, names: list[str], args: argparse.Namespace) -> None:
    repo = ensure(subject, args.mirrors)
    blob_mb = real_blob_bytes(repo) / 1e6
    ground = floor(repo)
    runs, found = _round_robin(repo, names, args.runs)
    rows = {
        name: {**_row(runs[name], blob_mb), "distinct": len(set(found[name]))} for name in names
    }
    print(
        f"\n{subject.name} ({subject.github}{', every ref' if subject.mirror else ''}): "
        f"{blob_mb:.0f} MB of unique blobs; floor (cat-file --batch-all-objects) "
        f"{ground.wall_s:.1f} s wall, {ground.cpu_s:.1f} s CPU"
    )
    columns = ("wall s", "cpu s", "RSS MB", "PSS MB", "MB/s", "exit", "secrets")
    print(f"{'tool':<12}" + "".join(f"{c:>8}" for c in columns))
    for name, row in rows.items():
        print(
            f"{name:<12}{row['wall_s']:>8}{row['cpu_s']:>8}{row['peak_rss_mb']:>8}"
            f"{row['peak_pss_mb']:>8}{row['mb_per_s']:>8}{row['exit']:>8}{row['distinct']:>8}"
        )
    ratios = _ratios(runs)
    OUT.mkdir(exist_ok=True)
    summary = {
        "subject": subject.name,
        "blob_mb": blob_mb,
        "floor": {"wall_s": ground.wall_s, "cpu_s": ground.cpu_s},
        "tools": rows,
        "ratios": ratios,
    }
    (OUT / f"scan-real-{subject.name}.json").write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    raise SystemExit(main())
