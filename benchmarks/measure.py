"""Run a command and measure wall time, CPU time and the peak RSS of its whole process tree."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measurement:
    wall_s: float
    cpu_s: float  # user + system of the command and every child it waited for
    peak_rss_mb: float  # largest sum of VmRSS over the process tree, sampled every 20 ms
    peak_pss_mb: float  # the same with Pss: pages shared between processes (git's mapped
    # packs, read by several cat-file workers) are counted once, not once per process
    returncode: int


def isolated_env(home: Path) -> dict[str, str]:
    """An environment whose git config, scaffold data/cache and Copier cache live under `home`,
    so a benchmark neither reads nor pollutes the machine's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n",
        encoding="utf-8",
    )
    env.update(
        {
            "HOME": str(home),
            "GIT_CONFIG_GLOBAL": str(gitconfig),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
            "SCAFFOLD_DATA_DIR": str(home / "data"),
            "SCAFFOLD_CACHE_DIR": str(home / "cache"),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "COPIER_CACHE_DIR": str(home / "copier-cache"),
        }
    )
    return env


def installed_env(scratch: Path) -> dict[str, str]:
    """This environment, with Python modules compiled once and cached as an installed package's
    are (pip compiles them at install time). A PYTHONDONTWRITEBYTECODE in the calling shell would
    otherwise make every scaffold process compile its sources again, some 60 ms per process that
    no user pays. The cache lives in `scratch`."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
    return env


def _children_of(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found.extend(int(c) for c in (task / "children").read_text().split())
    except OSError:  # the process ended while we looked
        pass
    return found


def _field_kb(path: str, field: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree_memory_kb(root: int) -> tuple[int, int]:
    """(sum of VmRSS, sum of Pss) over `root` and all its descendants."""
    rss = pss = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        rss += _field_kb(f"/proc/{pid}/status", "VmRSS:")
        pss += _field_kb(f"/proc/{pid}/smaps_rollup", "Pss:")
        todo.extend(_children_of(pid))
    return rss, pss


def run_measured(
    argv: Sequence[str], *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> Measurement:
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdin is not None
    proc.stdin.close()  # an explicitly empty stdin
    peak = peak_pss = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_pss
        while not done.is_set():
            rss, pss = _tree_memory_kb(proc.pid)
            peak, peak_pss = max(peak, rss), max(peak_pss, pss)
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Measurement(
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=max(peak, usage.ru_maxrss) / 1024,
        peak_pss_mb=peak_pss / 1024,
        returncode=proc.returncode,
    )
