"""Every provider `scan --verify` asks, played by one HTTP server on 127.0.0.1.

Each provider lives under its endpoint name (`/github/user`, `/aws-sts/`...). A secret is live
when the test put it in `live`; AWS and Twilio pairs are checked against `pairs`, and AWS
requests must carry a SigV4 signature this module recomputes with its own code (not botocore's).
`rate_limited` providers answer 429, `slow` ones answer after `delay` seconds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from scaffold.verify.endpoints import ENDPOINTS


@dataclass
class Seen:
    provider: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeProviders:
    live: set[str] = field(default_factory=set)  # secrets the providers accept
    pairs: dict[str, str] = field(default_factory=dict)  # key id / account SID -> its secret
    rate_limited: set[str] = field(default_factory=set)
    slow: set[str] = field(default_factory=set)
    delay: float = 0.0
    requests: list[Seen] = field(default_factory=list)
    base: str = ""

    def environ(self) -> dict[str, str]:
        """SCAFFOLD_VERIFY_ENDPOINTS pointing every provider here."""
        entries = ",".join(f"{name}={self.base}/{name}" for name in sorted(ENDPOINTS))
        return {"SCAFFOLD_VERIFY_ENDPOINTS": entries}

    def count(self, provider: str) -> int:
        return sum(1 for seen in self.requests if seen.provider == provider)


def _basic(headers: dict[str, str]) -> tuple[str, str]:
    value = headers.get("authorization", "")
    if not value.startswith("Basic "):
        return "", ""
    user, _, password = base64.b64decode(value[6:]).decode().partition(":")
    return user, password


def _bearer(headers: dict[str, str], scheme: str = "Bearer") -> str:
    value = headers.get("authorization", "")
    return value[len(scheme) + 1 :] if value.startswith(scheme + " ") else ""


def _sigv4_ok(seen: Seen, secret: str) -> bool:
    """Recompute the AWS SigV4 signature from the request as received."""
    found = re.match(
        r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
        r"SignedHeaders=([^,]+), Signature=([0-9a-f]{64})",
        seen.headers.get("authorization", ""),
    )
    if found is None:
        return False
    _key_id, day, region, service, signed, signature = found.groups()
    names = signed.split(";")
    canonical_headers = "".join(f"{n}:{seen.headers.get(n, '').strip()}\n" for n in names)
    path, _, query = seen.path.partition("?")
    canonical = "\n".join(
        [
            seen.method,
            path or "/",  # as signed: the client signs the path it sends
            query,
            canonical_headers,
            signed,
            hashlib.sha256(seen.body).hexdigest(),
        ]
    )
    amz_date = seen.headers.get("x-amz-date", "")
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = f"AWS4{secret}".encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def _answer(fake: FakeProviders, seen: Seen) -> tuple[int, object]:
    h, provider = seen.headers, seen.provider
    ok = fake.live.__contains__
    if provider == "aws-sts":
        key_id = re.search(r"Credential=([A-Z0-9]+)/", h.get("authorization", ""))
        secret = fake.pairs.get(key_id.group(1) if key_id else "")
        if secret is None or secret not in fake.live:
            return (
                403,
                "<ErrorResponse><Error><Code>InvalidClientTokenId</Code></Error></ErrorResponse>",
            )
        if not _sigv4_ok(seen, secret) or b"Action=GetCallerIdentity" not in seen.body:
            return (
                403,
                "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code></Error></ErrorResponse>",
            )
        return 200, "<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/deploy</Arn>"
    if provider == "github":
        return (
            (200, {"login": "octocat"})
            if ok(_bearer(h, "token"))
            else (401, {"message": "Bad credentials"})
        )
    if provider == "gitlab":
        return (
            (200, {"name": "ci"})
            if ok(h.get("private-token", ""))
            else (401, {"message": "401 Unauthorized"})
        )
    if provider == "slack":
        if ok(_bearer(h)):
            return 200, {"ok": True, "team": "Acme"}
        return 200, {"ok": False, "error": "invalid_auth"}
    if provider == "stripe":
        return (200, {"object": "balance"}) if ok(_basic(h)[0]) else (401, {"error": {}})
    if provider in ("openai", "npm", "sendgrid"):
        return (
            (200, {"username": "someone"}) if ok(_bearer(h)) else (401, {"error": "unauthorized"})
        )
    if provider == "anthropic":
        return (200, {"data": []}) if ok(h.get("x-api-key", "")) else (401, {"type": "error"})
    if provider == "pypi":
        user, token = _basic(h)
        if user == "__token__" and ok(token):
            return 400, "400 Upload payload does not have a file."
        return 403, "403 Invalid or non-existent authentication information."
    if provider == "twilio":
        sid, token = _basic(h)
        if fake.pairs.get(sid) == token and ok(token) and sid in seen.path:
            return 200, {"friendly_name": "Acme prod"}
        return 401, {"code": 20003}
    if provider == "datadog":
        return (
            (200, {"valid": True})
            if ok(h.get("dd-api-key", ""))
            else (403, {"errors": ["Forbidden"]})
        )
    return 404, {"message": "no such provider"}


def _handler(fake: FakeProviders) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            provider = urllib.parse.urlsplit(self.path).path.split("/")[1]
            headers = {k.lower(): v for k, v in self.headers.items()}
            seen = Seen(provider, self.command, self.path, headers, body)
            fake.requests.append(seen)
            if provider in fake.slow:
                time.sleep(fake.delay)
            extra: dict[str, str] = {}
            payload: object
            if provider in fake.rate_limited:
                status, payload = 429, {"message": "slow down"}
                extra = {"Retry-After": "1"}
            else:
                status, payload = _answer(fake, seen)
            data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_HEAD = _serve

    return Handler


@contextmanager
def serve(fake: FakeProviders) -> Iterator[FakeProviders]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
