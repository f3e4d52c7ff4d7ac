"""A synthetic corpus of the credential files people commit, built at run time, with labels.

Every format of issue 13's list gets files shaped like the real ones (a .netrc, a FileZilla
sitemanager.xml, a wp-config.php...) holding generated credentials, and hard negatives of the
same shape (templates, placeholders, empty values, references, documented example keys). No
value is a literal: each is drawn by scaffold.scan.examples.expand, so the corpus is the same
for a given seed and holds nothing worth stealing.

A file is a list of lines; a line that holds (part of) a credential carries that credential's
number. A tool finds a credential when it reports any line the credential covers.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from benchmarks.credfiles import apps, home, system
from benchmarks.credfiles.model import CorpusFile, Draw

__all__ = ["FORMATS", "CorpusFile", "build", "write"]

FORMATS: tuple[Callable[[Draw], list[CorpusFile]], ...] = (
    home.shell_profiles,
    home.netrc,
    home.pgpass,
    home.git_credentials,
    home.npmrc,
    home.pypirc,
    home.docker_configs,
    home.cloud_clis,
    apps.client_configs,
    apps.frameworks,
    apps.env_and_infra,
    apps.connection_strings,
    system.password_hashes,
    system.ppk_keys,
    system.sql_dumps,
    system.smtp_clients,
    system.discord,
    system.code_and_docs,
)


def build(seed: int = 0) -> list[CorpusFile]:
    """Every format's files, with credentials numbered across the whole corpus."""
    draw = Draw(seed)
    return [file for fmt in FORMATS for file in fmt(draw)]


def write(files: list[CorpusFile], root: Path) -> None:
    for file in files:
        target = root / file.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(file.text(), encoding="utf-8")
