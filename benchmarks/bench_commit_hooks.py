"""What one large commit costs each secret hook of a generated service's pre-commit config.

A commit that stages FILES real files (default 2,000, taken from a public repository's tree,
e.g. a vendored library or a first import) is run through `pre-commit run` once per hook, as a
commit would run it (pre-commit splits the file list across the cores), and each hook's entry
is also timed as one direct process. Hooks: detect-secrets-hook against the service's
baseline (the peer) and scaffold-secrets (the hook the template keeps at commit time).

    .venv/bin/python -m benchmarks.bench_commit_hooks [--source /work/.mirror/git+git/repo]
        [--files 2000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.bench_hook import time_runs
from benchmarks.measure import isolated_env

BIN = Path(sys.executable).parent
DEFAULT_SOURCE = Path("/work/.mirror/git+git/repo")
MAX_FILE_BYTES = 100_000


def _git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> bytes:
    proc = subprocess.run(
        ["git", *args], cwd=cwd, input=b"", capture_output=True, check=True, env=env
    )
    return proc.stdout


def real_files(source: Path, count: int) -> list[tuple[str, bytes]]:
    """The first `count` text files under 100 KB of `source`'s HEAD tree, with their bytes."""
    listing = _git(source, "ls-tree", "-r", "-z", "--long", "HEAD").split(b"\0")
    chosen: list[tuple[str, str]] = []
    for entry in filter(None, listing):
        meta, _, path = entry.partition(b"\t")
        mode, kind, blob, size = meta.split()
        if kind != b"blob" or mode != b"100644" or not size.isdigit():
            continue
        if int(size) > MAX_FILE_BYTES:
            continue
        chosen.append((path.decode(errors="surrogateescape"), blob.decode()))
        if len(chosen) == count:
            break
    batch = "".join(f"{blob}\n" for _, blob in chosen).encode()
    out = subprocess.run(
        ["git", "cat-file", "--batch"], cwd=source, input=batch, capture_output=True, check=True
    ).stdout
    files: list[tuple[str, bytes]] = []
    position = 0
    for name, _ in chosen:
        header_end = out.index(b"\n", position)
        length = int(out[position:header_end].split()[2])
        start = header_end + 1
        files.append((name, out[start : start + length]))
        position = start + length + 1
    return [(p, data) for p, data in files if b"\0" not in data]


CONFIG = """\
repos:
  - repo: local
    hooks:
      - id: {id}
        name: {id}
        language: system
        entry: {entry}
        types: [text]
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-commit-hooks-") as temp:
        work = Path(temp)
        env = isolated_env(work)
        env["PRE_COMMIT_HOME"] = str(work / "pre-commit-home")
        repo = work / "repo"
        repo.mkdir()
        _git(repo, "init", "-q", "-b", "main", env=env)
        files = real_files(args.source, args.files)
        for path, data in files:
            target = repo / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        # a baseline with no findings, as `scaffold new service` writes it
        (work / "empty-dir-for-baseline").mkdir()
        baseline = subprocess.run(
            [str(BIN / "detect-secrets"), "scan", str(work / "empty-dir-for-baseline")],
            input=b"",
            capture_output=True,
            check=False,
            env=env,
        )
        document = json.loads(baseline.stdout or b"{}") if baseline.returncode == 0 else {}
        document.setdefault("results", {})
        (repo / ".secrets.baseline").write_text(json.dumps(document), encoding="utf-8")
        _git(repo, "add", "-A", env=env)
        names = [path for path, _ in files]
        size = sum(len(data) for _, data in files)
        detect = [str(BIN / "detect-secrets-hook"), "--baseline", ".secrets.baseline"]
        ours = [str(BIN / "scaffold-secrets")]
        cases: list[tuple[str, list[str]]] = []
        for hook_id, entry in (("detect-secrets", detect), ("scaffold-secrets", ours)):
            config = work / f"{hook_id}.yaml"
            config.write_text(CONFIG.format(id=hook_id, entry=" ".join(entry)), "utf-8")
            cases.append(
                (f"pre-commit run: {hook_id}", [str(BIN / "pre-commit"), "run", "-c", str(config)])
            )
        cases += [
            ("one process: detect-secrets-hook", [*detect, *names]),
            ("one process: scaffold-secrets", [*ours, *names]),
        ]
        print(
            f"{len(files)} staged files ({size // 1024} KB) from {args.source}; "
            f"{args.runs} runs each; load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        print(f"{'case':<40} {'wall med':>9} {'min':>8} {'cpu med':>8}")
        for label, argv in cases:
            wall, cpu = time_runs(argv, repo, env, args.runs)
            print(
                f"{label:<40} {statistics.median(wall):9.2f} {min(wall):8.2f} "
                f"{statistics.median(cpu):8.2f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
