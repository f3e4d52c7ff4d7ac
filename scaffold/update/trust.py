"""Register scaffold's own local template repository as trusted in Copier's user settings.

Copier runs `_migrations` and `_tasks` only with `--trust` (or `unsafe=True`), unless the
template's `_src_path` is listed under `trust:` in Copier's `settings.yml`. Listing the local
repository scaffold builds from its own package lets a plain `copier update` run migrations too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from scaffold.errors import ScaffoldError


def copier_settings_path() -> Path:
    """Copier's settings file: $COPIER_SETTINGS_PATH, else the platform config dir (Linux: XDG)."""
    explicit = os.environ.get("COPIER_SETTINGS_PATH")
    if explicit:
        return Path(explicit)
    from platformdirs import user_config_path

    return user_config_path("copier", appauthor=False) / "settings.yml"


def trust_in_copier(repository: str) -> bool:
    """Add `repository` (an exact path) to Copier's trust list; True if the file changed."""
    settings = copier_settings_path()
    data: dict[str, Any] = {}
    if settings.is_file():
        try:
            loaded = yaml.safe_load(settings.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ScaffoldError(f"Copier settings {settings} are not valid YAML: {exc}") from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise ScaffoldError(f"Copier settings {settings} are not a mapping")
        data = loaded or {}
    trusted = data.get("trust") or []
    if not isinstance(trusted, list):
        raise ScaffoldError(f"Copier settings {settings}: `trust` is not a list")
    if repository in trusted:
        return False
    data["trust"] = [*trusted, repository]
    settings.parent.mkdir(parents=True, exist_ok=True)
    # write-then-rename so a concurrent reader never sees half a file
    partial = settings.with_name(f".{settings.name}.{os.getpid()}.tmp")
    partial.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    partial.replace(settings)
    return True
