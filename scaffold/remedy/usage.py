"""Where a repository uses a leaked secret: files, the setting names around it, the secret
store path when the repository follows the service template's layout (templates/service/)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scaffold.scan.model import Finding, SourceKind

ANSWERS_FILE = ".copier-answers.yml"  # the service template's answers (templates/service)
# NAME = "secret", NAME: secret, "NAME": "secret", export NAME=secret
_SETTING = re.compile(rb"""([A-Za-z_][A-Za-z0-9_.-]{1,63})["']?\s*(?::=|=>|=|:)\s*["']?$""")


@dataclass(frozen=True)
class SecretStore:
    backend: str  # "secrets-manager" or "ssm"
    paths: tuple[str, ...]  # one per environment


@dataclass(frozen=True)
class Usage:
    files: tuple[str, ...] = ()  # where the secret was committed
    at_head: tuple[str, ...] = ()  # of those, still in the current files
    settings: tuple[str, ...] = ()  # names it was assigned to (AWS_SECRET_ACCESS_KEY)
    readers: tuple[str, ...] = ()  # files at HEAD that name one of those settings
    store: SecretStore | None = None


def setting_names(findings: Sequence[Finding], contents: dict[str, bytes]) -> tuple[str, ...]:
    names = set()
    for finding in findings:
        data = contents.get(finding.object_id)
        if data is None or finding.source is SourceKind.COMMIT_MESSAGE:
            continue
        start = finding.match.start
        found = _SETTING.search(data[data.rfind(b"\n", 0, start) + 1 : start])
        if found and b"//" not in found.group(0):
            names.add(found.group(1).decode().split(".")[-1])
    return tuple(sorted(names))


def secret_name(setting: str) -> str:
    """The template's loader reads secret `api-key` from env API_KEY: the reverse."""
    return setting.lower().replace("_", "-")


def secret_store(answers_text: str, settings: Sequence[str]) -> SecretStore | None:
    """Secrets Manager names or SSM paths, <service>/<env>/<name>, from the template answers."""
    import yaml

    try:
        answers = yaml.safe_load(answers_text)
    except yaml.YAMLError:
        return None
    if not isinstance(answers, dict) or "service_name" not in answers:
        return None
    backend = str(answers.get("secrets_backend", "secrets-manager"))
    environments = answers.get("environments") or ["<env>"]
    names = [secret_name(s) for s in settings] or ["<name>"]
    lead = "/" if backend == "ssm" else ""
    paths = tuple(
        f"{lead}{answers['service_name']}/{env}/{name}" for env in environments for name in names
    )
    return SecretStore(backend, paths)


def find_usage(root: Path, findings: Sequence[Finding]) -> Usage:
    """Read what the repository at `root` says about where `findings`' secret is used."""
    from scaffold.remedy.git import object_reader
    from scaffold.report.common import scrub

    secret = findings[0].match.secret if findings else ""
    files = tuple(sorted({scrub(p.path, secret) for f in findings for p in f.provenance if p.path}))
    at_head = tuple(
        sorted(
            {
                scrub(p.path, secret)
                for f in findings
                if f.in_head
                for p in f.provenance[:1]
                if p.path
            }
        )
    )
    with object_reader(root) as reader:
        contents = reader.read(f.object_id for f in findings if f.source is SourceKind.BLOB)
        settings = setting_names(findings, contents)
        readers = reader.grep_head(settings) if settings else ()
        answers = reader.read_path(ANSWERS_FILE)
    store = secret_store(answers.decode("utf-8", "replace"), settings) if answers else None
    return Usage(files, at_head, settings, tuple(r for r in readers if r not in files), store)
