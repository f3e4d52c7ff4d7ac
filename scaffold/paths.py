"""Where scaffold keeps what it can rebuild: its cache directory (org mirrors and state, parsed
rules, clean-file records, compiled templates)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """$SCAFFOLD_CACHE_DIR, else $XDG_CACHE_HOME/scaffold, else ~/.cache/scaffold."""
    explicit = os.environ.get("SCAFFOLD_CACHE_DIR", "").strip()
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "scaffold"
