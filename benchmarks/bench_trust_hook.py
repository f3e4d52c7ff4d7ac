"""Commit-time cost of check-oidc-trust-policy: its hand-written HCL reader vs python-hcl2.

Target: median under 0.3 s on a small commit. Each run is a fresh process, as pre-commit starts
one per commit, on the Terraform files of a rendered service (a small commit: the two files a
trust change touches; a large one: every .tf file of the service). Compared in the same run:
the interpreter floor, the hook as shipped, and the same hook reading Terraform through
python-hcl2 (tests/hooks/hcl2_reader.py, which maps python-hcl2's tree onto the same nodes).

    .venv/bin/python -m benchmarks.bench_trust_hook [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks.bench_hook import time_runs

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TARGET_SECONDS = 0.3

# The shipped hook, with python-hcl2 reading the Terraform files.
_WITH_HCL2 = f"""\
import sys
sys.path.insert(0, {str(ROOT)!r})
from scaffold.hooks import hcl
from tests.hooks import hcl2_reader
hcl.parse = hcl2_reader.parse
from scaffold.hooks.trust import main
sys.exit(main(sys.argv[1:]))
"""


def rendered_service(dest: Path) -> list[str]:
    """A service rendered with the defaults; its .tf files relative to `dest`."""
    import copier

    template = ROOT / "templates" / "service"
    copier.run_copy(str(template), str(dest), defaults=True, unsafe=False, quiet=True)
    return sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*.tf"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-trust-") as temp:
        work = Path(temp)
        repo = work / "svc"
        every = rendered_service(repo)
        small = ["infra/envs/dev/main.tf", "infra/modules/deploy-role/main.tf"]
        env = {**os.environ, "SCAFFOLD_CACHE_DIR": str(work / "cache")}
        hook = str(BIN / "scaffold-check-oidc-trust-policy")
        size = sum((repo / name).stat().st_size for name in every)
        hcl2 = [sys.executable, "-c", _WITH_HCL2]
        cases: list[tuple[str, list[str]]] = [
            ("python -c pass (interpreter floor)", [sys.executable, "-c", "pass"]),
            (f"shipped reader, small commit ({len(small)} files)", [hook, *small]),
            (f"shipped reader, every .tf ({len(every)} files, {size // 1024} KB)", [hook, *every]),
            (f"python-hcl2, small commit ({len(small)} files)", [*hcl2, *small]),
            (f"python-hcl2, every .tf ({len(every)} files)", [*hcl2, *every]),
        ]
        print(f"{args.runs} runs each (fresh process per run); load {os.getloadavg()[0]:.1f}")
        print(f"{'case':<52} {'wall med':>8} {'p90':>8} {'min':>8} {'cpu med':>8}")
        medians: dict[str, float] = {}
        for label, argv in cases:
            wall, cpu = time_runs(argv, repo, env, args.runs)
            times = sorted(wall)
            medians[label] = statistics.median(times)
            p90 = times[min(len(times) - 1, int(len(times) * 0.9))]
            print(
                f"{label:<52} {medians[label]:8.3f} {p90:8.3f} {times[0]:8.3f} "
                f"{statistics.median(cpu):8.3f}"
            )
        for label in (cases[1][0], cases[3][0]):
            verdict = "meets" if medians[label] < TARGET_SECONDS else "MISSES"
            print(f"{label}: {medians[label]:.3f} s ({verdict} the {TARGET_SECONDS} s target)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
