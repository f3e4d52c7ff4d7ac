"""One HTTP request, no redirects, no retries, a hard timeout, optionally through a proxy.

Standard library only (http.client), so a verification sends exactly the request the rule
describes: nothing follows a redirect elsewhere with the credential, and nothing retries.
Failures become NetworkError with a reason built from our own words, never from a URL.
"""

from __future__ import annotations

import base64
import http.client
import socket
import ssl
import urllib.parse
from dataclasses import dataclass, field

MAX_BODY = 64 * 1024  # enough for any status document; a provider's page is not read to the end
USER_AGENT = "scaffold-verify (+https://github.com/scaffold-dev/scaffold)"


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    body: bytes = field(default=b"", repr=False)


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes = field(repr=False)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class NetworkError(Exception):
    """No answer from the provider; `reason` is safe to print."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def send(request: Request, *, timeout: float, proxy: str = "") -> Response:
    target = urllib.parse.urlsplit(request.url)
    host = target.hostname or ""
    port = target.port or (443 if target.scheme == "https" else 80)
    path = urllib.parse.urlunsplit(("", "", target.path or "/", target.query, ""))
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **request.headers}
    try:
        connection = _connect(target.scheme, host, port, timeout, proxy)
        if proxy and target.scheme == "http":
            path = request.url  # a forward proxy takes the absolute URL
            headers.update(_proxy_login(proxy))
        try:
            connection.request(request.method, path, body=request.body or None, headers=headers)
            answer = connection.getresponse()
            body = answer.read(MAX_BODY)
            names = {k.lower(): v for k, v in answer.getheaders()}
            return Response(answer.status, names, body)
        finally:
            connection.close()
    except TimeoutError:
        raise NetworkError(f"no answer within {timeout:g} s") from None
    except ConnectionRefusedError:
        raise NetworkError(f"connection to {host} refused") from None
    except socket.gaierror:
        raise NetworkError(f"cannot resolve {host}") from None
    except ssl.SSLError as exc:
        raise NetworkError(f"TLS failed with {host} ({exc.reason or type(exc).__name__})") from None
    except (http.client.HTTPException, OSError) as exc:
        raise NetworkError(f"network error talking to {host} ({type(exc).__name__})") from None


def _connect(
    scheme: str, host: str, port: int, timeout: float, proxy: str
) -> http.client.HTTPConnection:
    if not proxy:
        if scheme == "https":
            return http.client.HTTPSConnection(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        return http.client.HTTPConnection(host, port, timeout=timeout)
    via = urllib.parse.urlsplit(proxy)
    proxy_port = via.port or (443 if via.scheme == "https" else 80)
    if scheme == "http":
        return http.client.HTTPConnection(via.hostname or "", proxy_port, timeout=timeout)
    connection = http.client.HTTPSConnection(
        via.hostname or "", proxy_port, timeout=timeout, context=ssl.create_default_context()
    )
    connection.set_tunnel(host, port, headers=_proxy_login(proxy))  # CONNECT, then TLS inside
    return connection


def _proxy_login(proxy: str) -> dict[str, str]:
    via = urllib.parse.urlsplit(proxy)
    if not via.username:
        return {}
    login = f"{urllib.parse.unquote(via.username)}:{urllib.parse.unquote(via.password or '')}"
    return {"Proxy-Authorization": "Basic " + base64.b64encode(login.encode()).decode()}
