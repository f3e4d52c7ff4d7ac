"""Update tests: Copier's git mirror cache (used for URL templates) stays inside tmp too."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _copier_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    monkeypatch.setenv("COPIER_CACHE_DIR", str(tmp_path_factory.mktemp("copier-cache")))
