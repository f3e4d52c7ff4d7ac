"""A GitHub- and GitLab-compatible repository listing served on 127.0.0.1 for tests.

Pages of two items linked with `Link: rel="next"`, an optional rate limit on the first request,
and a token check that answers 401 to anything else.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PAGE = 2


@dataclass
class FakeHost:
    listings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # path -> items
    token: str | None = None  # when set, every request must carry it
    rate_limit_first: int = 0  # answer 403 + Retry-After to this many first requests
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    base: str = ""


def _handler(host: FakeHost) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet tests
            pass

        def _send(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            host.requests.append((self.path, dict(self.headers.items())))
            if host.rate_limit_first > 0:
                host.rate_limit_first -= 1
                self._send(403, {"message": "rate limited"},
                           {"Retry-After": "1", "X-RateLimit-Remaining": "0"})  # fmt: skip
                return
            if host.token is not None:
                sent = self.headers.get("Authorization", "") + self.headers.get("PRIVATE-TOKEN", "")
                if host.token not in sent:
                    self._send(401, {"message": "Bad credentials"})
                    return
            parts = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(parts.query)
            items = host.listings.get(parts.path)
            if items is None:
                self._send(404, {"message": "Not Found"})
                return
            page = int(query.get("page", ["1"])[0])
            chunk = items[(page - 1) * PAGE : page * PAGE]
            headers = {}
            if page * PAGE < len(items):
                query["page"] = [str(page + 1)]
                next_url = f"{host.base}{parts.path}?{urllib.parse.urlencode(query, doseq=True)}"
                headers["Link"] = (
                    f'<{next_url}>; rel="next", <{host.base}{parts.path}>; rel="first"'
                )
            self._send(200, chunk, headers)

    return Handler


@contextmanager
def serve(host: FakeHost) -> Iterator[FakeHost]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(host))
    host.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        server.shutdown()
        server.server_close()


def github_repo(
    name: str, clone_url: str, *, archived: bool = False, fork: bool = False
) -> dict[str, Any]:
    return {"full_name": name, "clone_url": clone_url, "archived": archived, "fork": fork}


def gitlab_project(
    path: str, url: str, *, archived: bool = False, fork: bool = False
) -> dict[str, Any]:
    project: dict[str, Any] = {
        "path_with_namespace": path,
        "http_url_to_repo": url,
        "archived": archived,
    }
    if fork:
        project["forked_from_project"] = {"id": 1}
    return project
