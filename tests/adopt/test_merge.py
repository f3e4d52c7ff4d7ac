"""Merging into existing files: lines added in the file's own layout, never a broken file."""

from __future__ import annotations

import pytest
import yaml

from scaffold.adopt.merge import merge_gitignore, merge_precommit

OURS = """repos:
  - repo: https://github.com/Yelp/detect-secrets
    rev: v1.5.0
    hooks:
      - id: detect-secrets
"""


@pytest.mark.parametrize("indent", [0, 2, 4])
def test_precommit_items_follow_the_files_indentation(indent: int) -> None:
    pad = " " * indent
    existing = (
        f"exclude: 'docs/'\nrepos:\n{pad}- repo: local\n{pad}  hooks:\n{pad}  - id: x\n"
        f"{pad}    name: x\n{pad}    entry: x\n{pad}    language: fail\n"
    )
    merged = merge_precommit(existing, OURS)
    assert merged is not None and merged.startswith(existing)
    ids = [h["id"] for r in yaml.safe_load(merged)["repos"] for h in r["hooks"]]
    assert ids == ["x", "detect-secrets"]


def test_precommit_already_there_is_left_alone() -> None:
    assert merge_precommit(OURS, OURS) is None


def test_precommit_without_a_list_is_a_conflict() -> None:
    with pytest.raises(ValueError, match="repos"):
        merge_precommit("repos: []\n", OURS)


def test_gitignore_gains_only_missing_lines() -> None:
    merged = merge_gitignore("build/\n.env\n", "# ours\n.env\n*.pem\n")
    assert merged == "build/\n.env\n\n# ours\n*.pem\n"  # our lines, as one marked block
    assert merge_gitignore(".env\n*.pem\n", "# ours\n.env\n*.pem\n") is None
