"""forbid-env-files: block files that hold credentials by their nature (.env, keys, state)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from scaffold.errors import guarded
from scaffold.hooks.report import Problem, print_problems

HOOK_ID = "forbid-env-files"
# committed on purpose: documented variable names with fake values
ENV_TEMPLATES = frozenset({".env.example", ".env.sample", ".env.template"})
CONTENT_LIMIT = 1 << 20  # content checks read at most this much of a file


@dataclass(frozen=True)
class FileKind:
    """A kind of file we refuse, by name and, where names are ambiguous, by content."""

    check: str
    describe: str
    name_matches: Callable[[PurePosixPath], bool]
    content_matches: Callable[[bytes], bool] | None = None  # None: the name alone decides


def _suffix_in(*suffixes: str) -> Callable[[PurePosixPath], bool]:
    return lambda p: p.name.lower().endswith(suffixes)


def _named(*names: str) -> Callable[[PurePosixPath], bool]:
    lowered = {n.lower() for n in names}
    return lambda p: p.name.lower() in lowered


def _under(directory: str, *names: str) -> Callable[[PurePosixPath], bool]:
    return lambda p: p.parent.name == directory and (not names or p.name in names)


def _is_env_file(p: PurePosixPath) -> bool:
    name = p.name.lower()
    if name in ENV_TEMPLATES:
        return False
    return name == ".env" or name.startswith(".env.")


def _is_ssh_private_key(p: PurePosixPath) -> bool:
    name = p.name
    return bool(re.fullmatch(r"id_(rsa|dsa|ecdsa|ed25519)(_sk)?(\..*)?", name)) and not (
        name.endswith(".pub")
    )


def _is_terraform_state(p: PurePosixPath) -> bool:
    name = p.name.lower()
    return name.endswith((".tfstate", ".tfstate.backup")) or ".terraform" in p.parts[:-1]


def _has_private_key(data: bytes) -> bool:
    return b"PRIVATE KEY" in data or b"PuTTY-User-Key-File" in data


def _pem_is_secret(data: bytes) -> bool:
    # a certificate or public key bundle is safe to commit; anything else named *.pem/*.key is not
    if _has_private_key(data):
        return True
    return not (b"-----BEGIN CERTIFICATE" in data or b"-----BEGIN PUBLIC KEY" in data)


_NPM_AUTH = re.compile(rb"(?m)^\s*[^#;\n]*(_authToken|_auth|_password)\s*=\s*(?!\$\{)\S")
_PYPI_PASSWORD = re.compile(rb"(?m)^\s*password\s*[=:]\s*(?!\$\{|%\()\S")
_DOCKER_AUTH = re.compile(rb'"auth"\s*:\s*"[^"]+"')
_SERVICE_ACCOUNT = re.compile(rb'"type"\s*:\s*"service_account"')

KINDS: tuple[FileKind, ...] = (
    FileKind("env-file", "dotenv file with real values", _is_env_file),
    FileKind(
        "private-key",
        "private key or unknown key material",
        _suffix_in(".pem", ".key"),
        _pem_is_secret,
    ),
    FileKind("private-key", "SSH private key", _is_ssh_private_key),
    FileKind(
        "private-key",
        "key store (PKCS#12, Java, PuTTY, Apple .p8)",
        _suffix_in(".p12", ".pfx", ".jks", ".keystore", ".ppk", ".p8", ".keytab"),
    ),
    FileKind(
        "terraform-state", "Terraform state (holds every secret it manages)", _is_terraform_state
    ),
    FileKind("cloud-credentials", "AWS credentials file", _under(".aws", "credentials")),
    FileKind(
        "cloud-credentials",
        "Azure CLI token cache",
        _under(".azure", "accessTokens.json", "msal_token_cache.json", "msal_token_cache.bin"),
    ),
    FileKind(
        "cloud-credentials",
        "Google Cloud service-account key",
        _suffix_in(".json"),
        lambda d: bool(_SERVICE_ACCOUNT.search(d)) and b"private_key" in d,
    ),
    FileKind(
        "cloud-credentials",
        "kubeconfig (cluster credentials)",
        lambda p: (
            p.name in ("kubeconfig", "kubeconfig.yaml", "kubeconfig.yml")
            or p.name.endswith(".kubeconfig")
            or (p.parent.name == ".kube" and p.name == "config")
        ),
    ),
    FileKind(
        "auth-file",
        "netrc / git credential store / pgpass / vault token",
        _named(
            ".netrc",
            "_netrc",
            ".git-credentials",
            ".pgpass",
            ".vault-token",
            ".htpasswd",
            ".dockercfg",
        ),
    ),
    FileKind(
        "auth-file",
        "npm config with an auth token",
        _named(".npmrc"),
        lambda d: bool(_NPM_AUTH.search(d)),
    ),
    FileKind(
        "auth-file",
        "PyPI config with a password",
        _named(".pypirc"),
        lambda d: bool(_PYPI_PASSWORD.search(d)),
    ),
    FileKind(
        "auth-file",
        "Docker config with registry auth",
        lambda p: p.parent.name == ".docker" and p.name == "config.json",
        lambda d: bool(_DOCKER_AUTH.search(d)),
    ),
)


def _read_head(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read(CONTENT_LIMIT)
    except OSError:
        return None


def classify(path: str, read: Callable[[str], bytes | None] = _read_head) -> FileKind | None:
    """The kind of forbidden file `path` is, or None when it may be committed."""
    posix = PurePosixPath(path.replace("\\", "/"))
    for kind in KINDS:
        if not kind.name_matches(posix):
            continue
        if kind.content_matches is None:
            return kind
        data = read(path)
        if data is not None and kind.content_matches(data):
            return kind
    return None


def check_paths(paths: Sequence[str]) -> list[Problem]:
    problems = []
    for path in paths:
        kind = classify(path)
        if kind is not None:
            problems.append(Problem(path, 0, kind.check, kind.describe))
    return problems


HINT = (
    "These files hold credentials by nature. Unstage with `git rm --cached <file>`, add the "
    "pattern to .gitignore,\nand keep values in a secrets manager (commit a `.env.example` "
    "with fake values instead)."
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=HOOK_ID, description=__doc__)
    parser.add_argument("filenames", nargs="*", help="files about to be committed")
    args = parser.parse_args(argv)
    return guarded(lambda: print_problems(HOOK_ID, check_paths(args.filenames), HINT))
