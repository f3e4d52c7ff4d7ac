"""Report tests: a pinned tool version and timestamp, and golden files under tests/report/golden."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import scaffold
from tests.report.sample import Tokens, make_tokens

GOLDEN = Path(__file__).parent / "golden"
PINNED_VERSION = "1.2.3"
PINNED_EPOCH = "1700000000"  # 2023-11-14T22:13:20Z


@pytest.fixture(autouse=True)
def _pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scaffold, "__version__", PINNED_VERSION)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", PINNED_EPOCH)
    # rich reads these; a developer's shell must not change what the goldens see
    for name in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def tokens() -> Tokens:
    return make_tokens()


def assert_golden(name: str, actual: str) -> None:
    """Compare with golden/<name>; SCAFFOLD_UPDATE_GOLDEN=1 rewrites it instead."""
    path = GOLDEN / name
    if os.environ.get("SCAFFOLD_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"missing golden {path}: run with SCAFFOLD_UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} differs from its golden; SCAFFOLD_UPDATE_GOLDEN=1 refreshes"
