"""Turn a verify table into one request and the provider's answer into live/revoked/unknown."""

from __future__ import annotations

import base64
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scaffold.scan.model import Liveness
from scaffold.verify.endpoints import Endpoint
from scaffold.verify.http import NetworkError, Request, Response, send
from scaffold.verify.signing import SIGNERS, SigningUnavailable
from scaffold.verify.spec import PLACEHOLDERS, VerifySpec

if TYPE_CHECKING:
    from scaffold.verify.databases import Target

MAX_DETAIL = 120  # characters of an account name or ARN quoted in a reason


@dataclass(frozen=True)
class Outcome:
    status: Liveness
    reason: str
    retry_after: float | None = None  # set when the provider rate-limited us


# One attempt at one secret, given the seconds it may take.
Check = Callable[[float], Outcome]


def expand(template: str, secret: str, companion: str) -> str:
    values = {"secret": secret, "companion": companion}
    return PLACEHOLDERS.sub(lambda m: values[m.group(1)], template)


def shown_path(spec: VerifySpec) -> str:
    """The request path as a reason may show it: placeholders stay out."""
    return PLACEHOLDERS.sub("…", spec.path.split("?", 1)[0])


def build_request(spec: VerifySpec, endpoint: Endpoint, secret: str, companion: str) -> Request:
    url = endpoint.base_url.rstrip("/") + expand(spec.path, secret, companion)
    headers = {name: expand(value, secret, companion) for name, value in spec.headers}
    if spec.basic_auth is not None:
        user, password = (expand(part, secret, companion) for part in spec.basic_auth)
        login = base64.b64encode(f"{user}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {login}"
    body = expand(spec.body, secret, companion).encode()
    if spec.content_type:
        headers["Content-Type"] = spec.content_type
    request = Request(spec.method, url, headers, body)
    if spec.signing:
        request = SIGNERS[spec.signing](
            request, companion, secret, spec.signing_region, spec.signing_service
        )
    return request


def http_check(
    spec: VerifySpec, endpoint: Endpoint, secret: str, companion: str, via: str
) -> Check:
    def check(timeout: float) -> Outcome:
        base = urllib.parse.urlsplit(endpoint.base_url)
        where = f"{base.netloc}{base.path.rstrip('/')}{shown_path(spec)}"
        try:
            response = send(build_request(spec, endpoint, secret, companion), timeout=timeout,
                            proxy=via)  # fmt: skip
        except SigningUnavailable as exc:
            return Outcome(Liveness.UNKNOWN, str(exc))
        except NetworkError as exc:
            return Outcome(Liveness.UNKNOWN, f"{exc.reason} ({where}); the scan went on")
        return scrubbed(classify(spec, response, where), secret, companion)

    return check


def classify(spec: VerifySpec, response: Response, where: str) -> Outcome:
    status, text = response.status, response.text
    wait = rate_limit_wait(response)
    if wait is not None:
        return Outcome(
            Liveness.UNKNOWN,
            f"rate limited by the provider (HTTP {status} from {where}); not counted as "
            "revoked: run --verify again later",
            retry_after=wait,
        )
    for answer in spec.live:
        if answer.matches(status, text):
            reason = f"HTTP {status} from {where}"
            if answer.reason:
                reason += f": {answer.reason}"
            return Outcome(Liveness.LIVE, reason + _detail(spec, text))
    for answer in spec.revoked:
        if answer.matches(status, text):
            reason = f"HTTP {status} from {where}"
            return Outcome(
                Liveness.REVOKED, reason + (f": {answer.reason}" if answer.reason else "")
            )
    return Outcome(Liveness.UNKNOWN, f"unexpected answer HTTP {status} from {where}")


def rate_limit_wait(response: Response) -> float | None:
    """Seconds to back off when the answer is a rate limit (429, or GitHub's 403 at zero)."""
    headers = response.headers
    exhausted = headers.get("x-ratelimit-remaining", "").strip() == "0"
    if response.status != 429 and not (response.status == 403 and exhausted):
        return None
    retry = headers.get("retry-after", "").strip()
    if retry.isdigit():
        return float(retry)
    return 30.0


def _detail(spec: VerifySpec, text: str) -> str:
    import re

    if not spec.detail:
        return ""
    found = re.search(spec.detail, text)
    if found is None or not found.group(1):
        return ""
    return f" ({found.group(1)[:MAX_DETAIL]})"


def scrubbed(outcome: Outcome, *secrets: str) -> Outcome:
    """The reason with every secret we hold cut out (a provider may echo a token back)."""
    reason = outcome.reason
    for secret in secrets:
        if secret and secret in reason:
            reason = reason.replace(secret, "[redacted]")
    if reason == outcome.reason:
        return outcome
    return Outcome(outcome.status, reason, outcome.retry_after)


def network_check(kind: str, target: Target) -> Check:
    from scaffold.verify.databases import NETWORK_CHECKS

    run = NETWORK_CHECKS[kind]

    def check(timeout: float) -> Outcome:
        return scrubbed(run(target, timeout), target.password)

    return check
