"""The hooks' hand-written HCL reader reads every rendered Terraform file as python-hcl2 does."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.hooks import hcl
from tests.hooks.hcl2_reader import comparable
from tests.hooks.hcl2_reader import parse as parse_with_hcl2
from tests.new.generated import ANSWER_SETS

WITH_INFRA = [name for name in ANSWER_SETS if name not in ("no-terraform", "deploy-none")]


@pytest.mark.parametrize("name", WITH_INFRA)
def test_hook_reader_matches_python_hcl2_on_rendered_terraform(
    rendered: dict[str, Path], name: str
) -> None:
    files = sorted((rendered[name] / "infra").rglob("*.tf"))
    assert len(files) >= 10
    for path in files:
        text = path.read_text("utf-8")
        assert comparable(hcl.parse(text)) == comparable(parse_with_hcl2(text)), path
