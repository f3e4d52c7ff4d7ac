"""A service from `scaffold new service` audits as far as its files allow: nothing fails (the
template's account baseline declares the account-side items too)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffold.cli import main

# Account-baseline items: they belong to the account's own stack, which the template generates
# (infra/accounts/<env>) unless with_account_baseline is false.
ACCOUNT_SIDE: set[str] = set()
# What the service template does not provide yet. Remove an entry when the template provides it.
TEMPLATE_GAPS: set[str] = set()


@pytest.mark.slow
def test_generated_service_fails_only_account_side_items(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "svc"
    assert main(["new", "service", str(dest), "--defaults", "--no-hooks"]) == 0
    capsys.readouterr()
    code = main(["audit", str(dest), "--format", "json", "--datastore", str(tmp_path / "a.db")])
    assert code == 0
    (repo,) = json.loads(capsys.readouterr().out)["repositories"]
    statuses = {c["id"]: c["status"] for c in repo["checks"]}
    failing = {i for i, s in statuses.items() if s == "fail"}
    assert failing == ACCOUNT_SIDE | TEMPLATE_GAPS, failing
    assert statuses["no-secrets-in-history"] == "pass"  # the history scan ran, through the engine
    assert repo["complete"] is True
    if not TEMPLATE_GAPS:
        assert repo["level"] >= 2
