"""A small typed JSON client over urllib for code-hosting APIs: pagination, rate limits, errors.

Tokens travel only in request headers. Nothing here prints or raises a message containing one,
and `Link: rel="next"` is followed only on the API's own origin so a token never leaves it.
"""

from __future__ import annotations

import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from scaffold.errors import ScaffoldError

_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([^";]+)"?')
MAX_RETRIES = 5


class ApiError(ScaffoldError):
    """An API call that failed in a way the user can act on (auth, not found, unreachable)."""


def warn(message: str) -> None:
    """A note on stderr that the run goes on (rate limits, a repository that failed)."""
    print(f"warning: {message}", file=sys.stderr)


def next_link(header: str | None) -> str | None:
    """The `rel="next"` target of a Link header, if any."""
    for url, rel in _LINK.findall(header or ""):
        if "next" in rel.split():
            return str(url)
    return None


def _origin(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


@dataclass(frozen=True)
class ApiClient:
    """GETs JSON from one API root; `headers` carry the auth (never shown anywhere)."""

    base_url: str
    service: str  # "GitHub" / "GitLab", for messages
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    token_hint: str = ""  # e.g. "GITHUB_TOKEN", named in auth errors
    notify: Callable[[str], None] = lambda message: None
    sleep: Callable[[float], None] = time.sleep
    max_wait: float = 900.0  # longest rate-limit pause we accept before giving up
    timeout: float = 30.0

    def url(self, path: str, params: Mapping[str, str] | None = None) -> str:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return f"{self.base_url.rstrip('/')}/{path.lstrip('/')}{query}"

    def get(self, url: str, what: str) -> tuple[Any, Message]:
        """One JSON document; waits out rate limits (saying so), raises ApiError otherwise."""
        if _origin(url) != _origin(self.base_url):
            raise ApiError(f"{self.service} API sent a link to another server for {what}")
        for attempt in range(MAX_RETRIES + 1):
            request = urllib.request.Request(url, headers={**self.headers, **_STATIC_HEADERS})
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    body = response.read()
                    headers = response.headers
                break
            except urllib.error.HTTPError as exc:
                wait = _rate_limit_wait(exc.code, exc.headers)
                if wait is None or attempt == MAX_RETRIES:
                    raise self._http_error(exc.code, what) from None
                if wait > self.max_wait:
                    raise ApiError(
                        f"{self.service} API rate limit reached for {what}; it resets in "
                        f"{int(wait)} s: try later or set {self.token_hint or 'a token'}"
                    ) from None
                self.notify(
                    f"{self.service} API rate limit reached; waiting {wait:.0f} s before retrying"
                )
                self.sleep(wait)
            except urllib.error.URLError as exc:
                raise ApiError(
                    f"cannot reach the {self.service} API for {what}: {exc.reason}"
                ) from None
            except (TimeoutError, OSError) as exc:
                raise ApiError(f"cannot reach the {self.service} API for {what}: {exc}") from None
        try:
            return json.loads(body), headers
        except ValueError:
            raise ApiError(
                f"{self.service} API returned something that is not JSON for {what}"
            ) from None

    def paginate(self, path: str, params: Mapping[str, str], what: str) -> Iterator[Any]:
        """Every item of a listing, following `Link: rel="next"` page after page."""
        url: str | None = self.url(path, params)
        while url is not None:
            page, headers = self.get(url, what)
            if not isinstance(page, list):
                raise ApiError(f"{self.service} API returned an unexpected document for {what}")
            yield from page
            url = next_link(headers.get("Link"))

    def _http_error(self, status: int, what: str) -> ApiError:
        if status == 401:
            hint = f": check {self.token_hint}" if self.token_hint else ""
            return ApiError(f"{self.service} API refused the credentials (401) for {what}{hint}")
        if status == 403:
            hint = f" (is {self.token_hint} allowed to read it?)" if self.token_hint else ""
            return ApiError(f"{self.service} API denied access (403) to {what}{hint}")
        if status == 404:
            return ApiError(
                f"{what} not found on {self.service} (404), or not visible to this token"
            )
        return ApiError(f"{self.service} API answered HTTP {status} for {what}")


_STATIC_HEADERS = {"Accept": "application/json", "User-Agent": "scaffold-org-scan"}


def _rate_limit_wait(status: int, headers: Message) -> float | None:
    """Seconds to wait when a 403/429 is a rate limit, None when it is a real refusal."""
    if status not in (403, 429):
        return None
    retry_after = headers.get("Retry-After")
    if retry_after is not None and retry_after.strip().isdigit():
        return float(retry_after.strip())
    remaining = headers.get("X-RateLimit-Remaining") or headers.get("RateLimit-Remaining")
    reset = headers.get("X-RateLimit-Reset") or headers.get("RateLimit-Reset")
    if remaining is not None and remaining.strip() == "0" and reset and reset.strip().isdigit():
        return max(1.0, float(reset.strip()) - time.time())
    return 60.0 if status == 429 else None
