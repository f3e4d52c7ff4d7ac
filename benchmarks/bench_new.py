"""Time `scaffold new service --defaults --no-hooks` end to end (target: median < 2 s).

Each run is a fresh `python -m scaffold` process in an isolated environment (own git config,
scaffold data dir and Copier settings), so the numbers include interpreter start and imports.
The first run also versions the packaged template into the data dir and is reported apart.
The peer is plain `copier copy --defaults` of the same template (no git, no baseline, no commit).
CPU seconds are printed too: on a shared machine they say more than wall-clock time.

    .venv/bin/python -m benchmarks.bench_new [--runs 5] [--data KEY=VALUE ...]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.measure import isolated_env

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 2.0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (the process and all its children: git, workers)."""
    cpu = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, input=b"", capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{proc.stderr.decode(errors='replace')}")
    return elapsed, _children_cpu() - cpu


def named(run: int) -> list[str]:
    return ["--data", f"service_name=bench-{run}"]


def summary(name: str, samples: list[tuple[float, float]]) -> str:
    wall = [w for w, _ in samples]
    cpu = [c for _, c in samples]
    return (
        f"{name:<34} wall median {statistics.median(wall):6.3f} s "
        f"(min {min(wall):.3f}, max {max(wall):.3f})   "
        f"cpu median {statistics.median(cpu):6.3f} s   (n={len(samples)})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", action="append", default=[], help="KEY=VALUE for both tools")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-new-") as tmp:
        work = Path(tmp)
        env = isolated_env(work)
        data = [arg for pair in args.data for arg in ("--data", pair)]
        scaffold = [sys.executable, "-m", "scaffold", "new", "service", *data]
        first = timed([*scaffold, "svc-first", "--defaults", "--no-hooks"], work, env)
        # a different service name per run, as in real use (no two services are alike)
        ours = [
            timed(
                [*scaffold, f"svc-{i}", "--defaults", "--no-hooks", *named(i)],
                work,
                env,
            )
            for i in range(args.runs)
        ]
        template = ROOT / "templates" / "service"
        copier = [sys.executable, "-m", "copier", "copy", "--defaults", "--quiet", *data]
        peer = [
            timed([*copier, *named(i), str(template), str(work / f"copier-{i}")], work, env)
            for i in range(args.runs)
        ]
    print(f"first run (versions the packaged template): {first[0]:.3f} s wall")
    print(summary("scaffold new service --defaults", ours))
    print(summary("peer: copier copy --defaults", peer))
    wall = statistics.median(w for w, _ in ours)
    verdict = "within" if wall < TARGET_SECONDS else "OVER"
    print(f"target < {TARGET_SECONDS:.1f} s wall: {verdict}; load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
