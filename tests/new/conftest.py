"""Session fixtures for the template tests: each answer set is rendered once, checkov runs once."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.new.generated import ANSWER_SETS, checkov_executable, render, run, tool_env


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every answer set of ANSWER_SETS rendered once (read-only for tests: copy to modify)."""
    root = tmp_path_factory.mktemp("rendered")
    return {name: render(root / name, data) for name, data in ANSWER_SETS.items()}


@pytest.fixture
def fresh(tmp_path: Path, rendered: dict[str, Path]) -> Iterator[Any]:
    """A writable copy of a rendered answer set: `fresh("defaults")`."""

    def copy(name: str) -> Path:
        dst = tmp_path / name
        shutil.copytree(rendered[name], dst)
        return dst

    yield copy


@pytest.fixture(scope="session")
def checkov_failures(
    rendered: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[str]]:
    """Failed checkov checks per answer set (one checkov process for all of them), plus
    "planted": a copy of lambda-ssm's infra with an unencrypted database, which must fail."""
    planted = tmp_path_factory.mktemp("planted") / "infra"
    shutil.copytree(rendered["lambda-ssm"] / "infra", planted)
    database = planted / "modules" / "service" / "database.tf"
    text = database.read_text(encoding="utf-8")
    assert "storage_encrypted     = true" in text
    database.write_text(
        text.replace("storage_encrypted     = true", "storage_encrypted     = false")
    )

    targets = {name: path / "infra" for name, path in rendered.items() if (path / "infra").is_dir()}
    targets["planted"] = planted
    args: list[str | Path] = [checkov_executable(), "--skip-download", "--compact", "--quiet"]
    for path in targets.values():
        args += ["-d", path]
    proc = run([*args, "-o", "json"], planted.parent, check=False, env=tool_env())
    assert proc.returncode in (0, 1), proc.stderr
    # checkov prints one JSON document per -d directory, back to back.
    failures: dict[str, list[str]] = {name: [] for name in targets}
    decoder, text, position = json.JSONDecoder(), proc.stdout.strip(), 0
    reports = 0
    while position < len(text):
        report, position = decoder.raw_decode(text, position)
        position = len(text) - len(text[position:].lstrip())
        reports += 1
        for check in report.get("results", {}).get("failed_checks", []):
            owner = next(
                name
                for name, path in targets.items()
                if check["file_abs_path"].startswith(str(path) + "/")
            )
            failures[owner].append(f"{check['check_id']} {check['resource']} {check['file_path']}")
    assert reports == len(targets), proc.stdout[:2000]
    return failures
