"""docs/production-readiness.md ticks only what the rendered repository provides, and names it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.new.generated import render

BOX = re.compile(r"^- \[(?P<done>[x ])\] (?P<text>.+?)(?: \((?P<where>.*)\))?$", re.MULTILINE)


def boxes(repo: Path) -> dict[str, tuple[bool, str]]:
    """Each box's first words -> (ticked, what it names in brackets)."""
    text = (repo / "docs" / "production-readiness.md").read_text("utf-8")
    found = {}
    for match in BOX.finditer(text):
        key = " ".join(match["text"].split()[:4])
        found[key] = (match["done"] == "x", match["where"] or "")
    return found


def named_files(where: str) -> list[str]:
    """The repository paths a box names (in backticks), skipping placeholders like <env>."""
    return [p for p in re.findall(r"`([^`]+)`", where) if "/" in p or "." in p if "<" not in p]


def test_every_ticked_box_names_files_the_repository_has(rendered: dict[str, Path]) -> None:
    for name, repo in rendered.items():
        for key, (done, where) in boxes(repo).items():
            if not done:
                assert where, f"{name}: '{key}' says nothing about who does it"
                continue
            for path in named_files(where):
                if "*" in path:
                    assert list(repo.glob(path.rstrip("/"))), (name, key, path)
                else:
                    assert (repo / path.split(" ")[0].rstrip(",")).exists(), (name, key, path)
        assert sum(done for done, _ in boxes(repo).values()) >= 6, name


@pytest.mark.parametrize(
    ("box", "ticked_by", "unticked_by"),
    [
        ("Each environment has its", {}, {"aws_account_staging": "111111111111"}),
        ("Every production change goes", {}, {"with_terraform": False}),
        ("S3 public access is", {}, {"with_account_baseline": False}),
        ("CloudTrail records every region,", {}, {"with_account_baseline": False}),
        ("Humans need MFA: the", {}, {"with_account_baseline": False}),
        ("Monitoring checks the public", {}, {"deploy_target": "none"}),
        ("Alerts fire within five", {"deploy_target": "lambda"}, {"with_terraform": False}),
        ("A deploy is done", {}, {"bake_minutes": 0}),
        ("A failed deploy rolls", {}, {"deploy_target": "none"}),
    ],
)
def test_boxes_tick_and_untick_with_the_answers(
    tmp_path: Path, box: str, ticked_by: dict[str, Any], unticked_by: dict[str, Any]
) -> None:
    ticked = boxes(render(tmp_path / "ticked", ticked_by))
    unticked = boxes(render(tmp_path / "unticked", unticked_by))
    assert ticked[box][0] is True, ticked[box]
    assert unticked[box][0] is False, unticked[box]
    assert unticked[box][1], "an empty box says who does it or why it is empty"


def test_the_count_of_ticked_boxes_is_the_real_count(rendered: dict[str, Path]) -> None:
    for repo in rendered.values():
        text = (repo / "docs" / "production-readiness.md").read_text("utf-8")
        done, total = map(int, re.search(r"\*\*(\d+) of (\d+)\*\*", text).groups())  # type: ignore[union-attr]
        found = boxes(repo)
        assert (done, total) == (sum(d for d, _ in found.values()), len(found))
