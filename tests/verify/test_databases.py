"""Database URLs: checked only with --verify-network, by logging in and leaving at once."""

from __future__ import annotations

import pytest

from scaffold.scan.examples import expand
from scaffold.scan.model import Liveness
from scaffold.verify.run import VerifyOptions, verify_findings
from tests.verify.fakedb import FakeDatabase, serve
from tests.verify.support import findings_in

CASES = [("postgres", "scram"), ("postgres", "md5"), ("redis", "")]


def _check(
    kind: str, method: str, right: bool, network: bool = True
) -> tuple[Liveness, str, FakeDatabase]:
    password = expand("{{alnum:20}}", 7)
    db = FakeDatabase("app", password if right else "something-else", method=method or "scram")
    with serve(db, kind) as running:
        scheme = "postgresql" if kind == "postgres" else "redis"
        content = f'URL = "{scheme}://app:{password}@127.0.0.1:{running.port}/appdb"\n'
        findings = [f for f in findings_in(content) if f.match.secret == password]
        assert findings, "the rule did not match the URL"
        results = verify_findings(
            findings, VerifyOptions(network=network), lambda _: {"blob-1": content.encode()}
        )
    (answer,) = results.values()
    assert password not in answer.reason
    return answer.status, answer.reason, db


@pytest.mark.parametrize(("kind", "method"), CASES)
def test_right_password_is_live_and_nothing_else_is_sent(kind: str, method: str) -> None:
    status, reason, db = _check(kind, method, right=True)
    assert status is Liveness.LIVE, reason
    assert db.logins == [True] and db.other_messages == []


@pytest.mark.parametrize(("kind", "method"), CASES)
def test_wrong_password_is_revoked(kind: str, method: str) -> None:
    status, reason, db = _check(kind, method, right=False)
    assert status is Liveness.REVOKED, reason
    assert db.logins == [False]


def test_no_connection_without_verify_network() -> None:
    status, reason, db = _check("postgres", "scram", right=True, network=False)
    assert status is Liveness.UNKNOWN and "--verify-network" in reason
    assert db.logins == []


def test_closed_port_is_unknown() -> None:
    content = 'DB = "postgresql://app:Xk3jd9Vq2mLp8Rt5Wz1c@127.0.0.1:9/app"\n'
    results = verify_findings(
        findings_in(content), VerifyOptions(network=True), lambda _: {"blob-1": content.encode()}
    )
    (answer,) = results.values()
    assert answer.status is Liveness.UNKNOWN and "cannot connect" in answer.reason
