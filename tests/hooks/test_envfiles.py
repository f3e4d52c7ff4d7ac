"""forbid-env-files: which names are refused, which are allowed, and content-based cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.hooks.envfiles import check_paths, classify, main

BLOCKED = [
    (".env", "env-file"),
    ("services/api/.env", "env-file"),
    (".env.production", "env-file"),
    (".env.local", "env-file"),
    ("id_rsa", "private-key"),
    ("deploy/id_ed25519", "private-key"),
    ("keys/id_ecdsa.bak", "private-key"),
    ("certs/client.p12", "private-key"),
    ("app.pfx", "private-key"),
    ("infra/terraform.tfstate", "terraform-state"),
    ("infra/terraform.tfstate.backup", "terraform-state"),
    ("infra/.terraform/terraform.tfstate", "terraform-state"),
    ("home/.aws/credentials", "cloud-credentials"),
    ("kubeconfig", "cloud-credentials"),
    ("ops/.kube/config", "cloud-credentials"),
    ("prod.kubeconfig", "cloud-credentials"),
    (".netrc", "auth-file"),
    (".git-credentials", "auth-file"),
]
ALLOWED = [
    ".env.example",
    ".env.sample",
    ".env.template",
    "id_rsa.pub",
    "id_ed25519.pub",
    "environment.py",
    "docs/env.md",
    "src/.envoy.yaml",
    ".aws/config",
    "terraform/main.tf",
    "tfstate.md",
    "config.json",
    ".npmrc",
]


@pytest.mark.parametrize(("path", "check"), BLOCKED)
def test_blocked_names(path: str, check: str) -> None:
    kind = classify(path, read=lambda _: None)
    assert kind is not None, path
    assert kind.check == check


@pytest.mark.parametrize("path", ALLOWED)
def test_allowed_names(path: str) -> None:
    assert classify(path, read=lambda _: b"registry=https://registry.npmjs.org/\n") is None


def test_pem_certificate_allowed_but_private_key_blocked() -> None:
    certificate = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    key = b"-----BEGIN " + b"EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----\n"
    assert classify("ca.pem", read=lambda _: certificate) is None
    kind = classify("tls.pem", read=lambda _: key)
    assert kind is not None and kind.check == "private-key"
    # unreadable or unknown content under a key-like name: refuse, better safe
    assert classify("server.key", read=lambda _: b"???") is not None


def test_npmrc_with_literal_token_blocked_but_env_reference_allowed() -> None:
    literal = b"//registry.npmjs.org/:_authToken=" + b"npm_" + b"a1" * 18 + b"\n"
    reference = b"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n"
    assert classify(".npmrc", read=lambda _: literal) is not None
    assert classify(".npmrc", read=lambda _: reference) is None


def test_service_account_json_blocked_by_content() -> None:
    sa = b'{"type": "service_account", "project_id": "p", "private_key": "x"}'
    assert classify("deploy/credentials.json", read=lambda _: sa) is not None
    assert classify("package.json", read=lambda _: b'{"name": "x"}') is None


def test_main_reports_each_file_and_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("DB_PASSWORD=hunter2\n", encoding="utf-8")
    (tmp_path / ".env.example").write_text("DB_PASSWORD=\n", encoding="utf-8")
    assert main([".env.example"]) == 0
    assert main([".env", ".env.example"]) == 1
    out = capsys.readouterr().out
    assert "  .env: [env-file] dotenv file with real values" in out
    assert ".env.example" not in out.split("would be committed")[1].split("These files")[0]
    assert check_paths([]) == []
