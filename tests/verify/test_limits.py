"""The limits of verification: 429 backs off and is never revoked, budgets, proxies, tables."""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scaffold.errors import UsageError
from scaffold.scan.model import Liveness
from scaffold.scan.rules import build_ruleset
from scaffold.verify.endpoints import endpoints
from scaffold.verify.run import VerifyOptions, verify_findings
from tests.tokens import github_pat
from tests.verify.fakeproviders import FakeProviders, serve
from tests.verify.support import findings_in


def _github_findings(count: int) -> list:  # type: ignore[type-arg]
    content = "".join(f"TOKEN_{i}={github_pat(40 + i)}\n" for i in range(count))
    return findings_in(content)


def test_429_is_unknown_backs_off_and_is_never_revoked() -> None:
    fake = FakeProviders(rate_limited={"github"})
    slept: list[float] = []
    with serve(fake):
        options = VerifyOptions(environ=fake.environ(), sleep=slept.append)
        results = verify_findings(_github_findings(3), options)
    assert {v.status for v in results.values()} == {Liveness.UNKNOWN}
    assert all("rate limited" in v.reason and "not counted as revoked" in v.reason
               for v in results.values())  # fmt: skip
    assert slept and min(slept) >= 0.9  # Retry-After: 1 slowed the next request down
    assert fake.count("github") == 3  # one attempt each, no retries


def test_budget_leaves_the_rest_unknown() -> None:
    fake = FakeProviders(slow={"github"}, delay=1.5)
    with serve(fake):
        results = verify_findings(
            _github_findings(3), VerifyOptions(environ=fake.environ(), timeout=1.0)
        )
    reasons = sorted(v.reason for v in results.values())
    assert {v.status for v in results.values()} == {Liveness.UNKNOWN}
    assert any("no answer within" in r for r in reasons)
    assert any("--verify-timeout of 1 s used up" in r for r in reasons)
    assert fake.count("github") == 1


@contextmanager
def forward_proxy(seen: list[str]) -> Iterator[str]:
    """A minimal HTTP forward proxy: takes absolute URLs, relays to the loopback target."""
    import http.client

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            seen.append(self.path)
            target = urllib.parse.urlsplit(self.path)
            upstream = http.client.HTTPConnection(target.hostname or "", target.port or 80)
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            upstream.request("GET", target.path, headers=headers)
            answer = upstream.getresponse()
            body = answer.read()
            self.send_response(answer.status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_every_call_goes_through_the_proxy() -> None:
    token = github_pat(60)
    fake = FakeProviders(live={token})
    seen: list[str] = []
    with serve(fake), forward_proxy(seen) as proxy:
        environ = {**fake.environ(), "SCAFFOLD_VERIFY_PROXY": proxy}
        results = verify_findings(findings_in(f"T={token}\n"), VerifyOptions(environ=environ))
    assert [v.status for v in results.values()] == [Liveness.LIVE]
    assert seen == [f"{fake.base}/github/user"]
    assert all(token not in path for path in seen)


def test_endpoint_overrides_are_checked() -> None:
    assert (
        endpoints({"SCAFFOLD_VERIFY_ENDPOINTS": "github=https://ghe.example.com/api/v3"})[
            "github"
        ].base_url
        == "https://ghe.example.com/api/v3"
    )
    for bad in ("nosuch=https://x", "github=ftp://x", "github=https://u:p@x"):
        with pytest.raises(UsageError):
            endpoints({"SCAFFOLD_VERIFY_ENDPOINTS": bad})


def test_rules_without_a_verifier_are_unknown_and_ask_nothing() -> None:
    from scaffold.scan.examples import expand

    fake = FakeProviders()
    with serve(fake):
        found = findings_in(f"HF_TOKEN={expand('hf_{{alpha:34}}', 1)}\n")
        results = verify_findings(found, VerifyOptions(environ=fake.environ()))
    assert results and all("no verifier" in v.reason for v in results.values())
    assert fake.requests == []


_SENDS = 'headers = {A = "{secret}"}'
_ANSWERS = "live = {status = 200}\nrevoked = {status = 401}"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (f'endpoint = "github"\nmethod = "DELETE"\n{_ANSWERS}\n{_SENDS}', "read-only"),
        (f'endpoint = "nowhere"\n{_ANSWERS}', "endpoint must be one of"),
        (f'endpoint = "github"\nlive = {{status = 429}}\nrevoked = {{status = 401}}\n{_SENDS}',
         "rate limited"),
        (f'endpoint = "github"\n{_ANSWERS}', "never sends"),
    ],
)  # fmt: skip
def test_broken_verify_tables_are_refused(table: str, message: str) -> None:
    from scaffold.scan.rules import RuleError

    text = (
        'provider = "X"\n[[rules]]\nid = "x-token"\ndescription = "x"\n'
        'pattern = \'(xt_[a-z]{10})\'\nkeywords = ["xt_"]\nremediation = "r"\n'
        'examples = ["xt_abcdefghij"]\n[rules.verify]\n' + table
    )
    with pytest.raises(RuleError, match=message):
        build_ruleset([("x.toml", text)])
