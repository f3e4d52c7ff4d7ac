"""Whole-history scan speed, memory and accuracy: scaffold against gitleaks and Kingfisher.

Builds (or reuses) a synthetic history with planted secrets and decoys, runs every tool on it in
this same process tree (one warm-up each, then --runs rounds, each running every tool once, so
that load drifting on a shared machine hits every tool alike), and prints wall time, CPU time,
peak RSS of the whole process tree, MB/s over the unique blob bytes, recall on the planted secrets
and how many decoys each tool reported. Results also go to benchmarks/out/ as JSON.

    .venv/bin/python -m benchmarks.bench_scan --commits 20000 --files 2000
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.measure import Measurement, run_measured
from benchmarks.peers import bench_dir, tools
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
    parser.add_argument("--tools", default="scaffold,gitleaks,kingfisher")
    args = parser.parse_args()

    repo = bench_dir() / f"synth-c{args.commits}-f{args.files}-s{args.seed}"
    if not repo.exists():
        print(f"building {repo} ...", file=sys.stderr)
        build(repo, args.commits, args.files, args.seed, plant_every=400)
    truth = json.loads((repo.parent / f"{repo.name}.truth.json").read_text())
    blob_mb = unique_blob_bytes(repo) / 1e6
    scaffold_bin = Path(sys.executable).parent / "scaffold"
    table = tools(scaffold_bin)

    names = args.tools.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        reports = {name: Path(tmp) / f"{name}.json" for name in names}
        for name in names:  # warm-up: page cache, rule caches
            run_measured(table[name].argv(repo, reports[name]))
        # round-robin, so that every tool meets the same machine: load here drifts by the minute
        runs: dict[str, list[Measurement]] = {name: [] for name in names}
        for _ in range(args.runs):
            for name in names:
                reports[name].unlink(missing_ok=True)
                runs[name].append(run_measured(table[name].argv(repo, reports[name])))
        found = {
            name: table[name].secrets(reports[name]) if reports[name].exists() else []
            for name in names
        }
    rows: dict[str, dict[str, object]] = {}
    for name in names:
        measured = runs[name]
        wall = statistics.median(m.wall_s for m in measured)
        rows[name] = {
            "wall_s": round(wall, 2),
            "cpu_s": round(statistics.median(m.cpu_s for m in measured), 2),
            "peak_rss_mb": round(max(m.peak_rss_mb for m in measured), 1),
            "peak_pss_mb": round(max(m.peak_pss_mb for m in measured), 1),
            "mb_per_s": round(blob_mb / wall, 1),
            "exit": measured[-1].returncode,
            **accuracy(found[name], truth),
        }

    print(f"repository: {repo} ({args.commits} commits, {blob_mb:.0f} MB of unique blobs)")
    columns = ("wall s", "cpu s", "RSS MB", "PSS MB", "MB/s", "found", "decoys")
    print(f"{'tool':<11}" + "".join(f"{c:>8}" for c in columns))
    for name, row in rows.items():
        print(
            f"{name:<11}{row['wall_s']:>8}{row['cpu_s']:>8}{row['peak_rss_mb']:>8}"
            f"{row['peak_pss_mb']:>8}"
            f"{row['mb_per_s']:>8}{str(row['found']) + '/' + str(row['planted']):>8}"
            f"{str(row['decoys_reported']) + '/' + str(row['decoys']):>8}"
        )
    for peer in ("gitleaks", "kingfisher"):
        if "scaffold" in rows and peer in rows:
            # each round's ratio (same minute, same load), then their median
            ratios = [
                ours.wall_s / theirs.wall_s
                for ours, theirs in zip(runs["scaffold"], runs[peer], strict=True)
            ]
            print(
                f"scaffold / {peer} wall time: median {statistics.median(ratios):.2f}x "
                f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)})"
            )
    OUT.mkdir(exist_ok=True)
    out = OUT / f"scan-c{args.commits}-f{args.files}.json"
    summary = {"repository": str(repo), "blob_mb": blob_mb, "tools": rows}
    out.write_text(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
