"""Database passwords (`--verify-network` only): log in, look at the answer, leave at once.

Only the authentication handshake is spoken: PostgreSQL (SCRAM-SHA-256, MD5, or a clear-text
password over TLS only) and Redis (AUTH). No query or command beyond logging in and out is
ever sent. An explicit table maps a verify table's `kind` to its check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import socket
import ssl
import struct
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

from scaffold.scan.model import Liveness as L
from scaffold.verify.checks import Outcome

DEFAULT_PORTS = {"postgres": 5432, "redis": 6379}
_SSL_REQUEST = struct.pack("!ii", 8, 80877103)
_PROTOCOL_3 = 196608


@dataclass(frozen=True)
class Target:
    kind: str
    host: str
    port: int
    user: str
    password: str = field(repr=False)  # as written in the URL (percent-encoded or not)
    database: str = ""
    tls: bool = False

    @property
    def login_password(self) -> str:
        return urllib.parse.unquote(self.password)


class _Closed(Exception):
    pass


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise _Closed
        data += chunk
    return data


def _pg_message(sock: socket.socket) -> tuple[bytes, bytes]:
    head = _recv_exact(sock, 5)
    (length,) = struct.unpack("!i", head[1:])
    return head[:1], _recv_exact(sock, length - 4)


def _pg_send(sock: socket.socket, kind: bytes, payload: bytes) -> None:
    sock.sendall(kind + struct.pack("!i", len(payload) + 4) + payload)


def _pg_error(payload: bytes) -> tuple[str, str]:
    fields = {
        item[:1]: item[1:].decode("utf-8", "replace") for item in payload.split(b"\0") if item
    }
    return fields.get(b"C", ""), fields.get(b"M", "")


def _connect(target: Target, timeout: float) -> socket.socket | Outcome:
    """A TCP connection to the database, or why there is none (an unknown answer)."""
    where = f"{target.host}:{target.port}"
    try:
        return socket.create_connection((target.host, target.port), timeout=timeout)
    except TimeoutError:
        return Outcome(L.UNKNOWN, f"no answer from {where} within {timeout:g} s")
    except OSError as exc:
        return Outcome(L.UNKNOWN, f"cannot connect to {where} ({type(exc).__name__})")


def check_postgres(target: Target, timeout: float) -> Outcome:
    where = f"{target.host}:{target.port}"
    connected = _connect(target, timeout)
    if isinstance(connected, Outcome):
        return connected
    sock: socket.socket = connected
    try:
        sock.sendall(_SSL_REQUEST)
        encrypted = _recv_exact(sock, 1) == b"S"
        if encrypted:
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=target.host)
        params = b"user\0" + target.user.encode() + b"\0"
        if target.database:
            params += b"database\0" + target.database.encode() + b"\0"
        startup = struct.pack("!i", _PROTOCOL_3) + params + b"\0"
        sock.sendall(struct.pack("!i", len(startup) + 4) + startup)
        return _pg_authenticate(sock, target, encrypted, where)
    except TimeoutError:
        return Outcome(L.UNKNOWN, f"{where} stopped answering within {timeout:g} s")
    except ssl.SSLError as exc:
        return Outcome(L.UNKNOWN, f"TLS failed with {where} ({exc.reason or 'handshake'})")
    except (_Closed, OSError, struct.error, ValueError):
        return Outcome(L.UNKNOWN, f"{where} closed the connection during login")
    finally:
        sock.close()


def _pg_authenticate(sock: socket.socket, target: Target, encrypted: bool, where: str) -> Outcome:
    password = target.login_password.encode()
    scram: _Scram | None = None
    while True:
        kind, payload = _pg_message(sock)
        if kind == b"E":
            code, message = _pg_error(payload)
            if code == "28P01":
                return Outcome(L.REVOKED, f"PostgreSQL at {where} refused the password ({code})")
            if code == "3D000":  # checked after the password: the login itself worked
                return Outcome(L.LIVE, f"PostgreSQL at {where} accepted the password ({code})")
            return Outcome(L.UNKNOWN, f"PostgreSQL at {where} answered {code}: {message[:80]}")
        if kind != b"R":
            return Outcome(L.UNKNOWN, f"unexpected message from {where} during login")
        (code,) = struct.unpack("!i", payload[:4])
        if code == 0:
            _pg_send(sock, b"X", b"")  # Terminate: we leave before running anything
            return Outcome(L.LIVE, f"PostgreSQL at {where} accepted the password")
        if code == 3:
            if not encrypted:
                return Outcome(
                    L.UNKNOWN, f"{where} wants the password in clear text without TLS; not sent"
                )
            _pg_send(sock, b"p", password + b"\0")
        elif code == 5:
            inner = hashlib.md5(password + target.user.encode()).hexdigest().encode()
            outer = hashlib.md5(inner + payload[4:8]).hexdigest().encode()
            _pg_send(sock, b"p", b"md5" + outer + b"\0")
        elif code == 10:
            if b"SCRAM-SHA-256\0" not in payload[4:]:
                return Outcome(L.UNKNOWN, f"{where} offers no SASL mechanism we speak")
            scram = _Scram(password)
            first = scram.client_first()
            _pg_send(sock, b"p", b"SCRAM-SHA-256\0" + struct.pack("!i", len(first)) + first)
        elif code == 11 and scram is not None:
            _pg_send(sock, b"p", scram.client_final(payload[4:]))
        elif code == 12:
            continue  # server signature; AuthenticationOk follows
        else:
            return Outcome(L.UNKNOWN, f"{where} asks for a login method we do not speak ({code})")


class _Scram:
    """The client side of SCRAM-SHA-256 (RFC 5802/7677), without channel binding."""

    def __init__(self, password: bytes) -> None:
        self.password = password
        self.nonce = base64.b64encode(os.urandom(18))
        self.first_bare = b"n=,r=" + self.nonce

    def client_first(self) -> bytes:
        return b"n,," + self.first_bare

    def client_final(self, server_first: bytes) -> bytes:
        fields = dict(item.split(b"=", 1) for item in server_first.split(b","))
        if not fields[b"r"].startswith(self.nonce):
            raise ValueError("server nonce does not extend ours")
        salted = hashlib.pbkdf2_hmac(
            "sha256", self.password, base64.b64decode(fields[b"s"]), int(fields[b"i"])
        )
        client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
        stored_key = hashlib.sha256(client_key).digest()
        without_proof = b"c=biws,r=" + fields[b"r"]
        message = self.first_bare + b"," + server_first + b"," + without_proof
        signature = hmac.new(stored_key, message, hashlib.sha256).digest()
        proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
        return without_proof + b",p=" + base64.b64encode(proof)


def _resp(*parts: bytes) -> bytes:
    out = b"*%d\r\n" % len(parts)
    for part in parts:
        out += b"$%d\r\n%s\r\n" % (len(part), part)
    return out


def check_redis(target: Target, timeout: float) -> Outcome:
    where = f"{target.host}:{target.port}"
    connected = _connect(target, timeout)
    if isinstance(connected, Outcome):
        return connected
    sock: socket.socket = connected
    try:
        if target.tls:
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=target.host)
        password = target.login_password.encode()
        user = target.user.encode()
        sock.sendall(_resp(b"AUTH", user, password) if user else _resp(b"AUTH", password))
        answer = sock.recv(512).split(b"\r\n", 1)[0].decode("utf-8", "replace")
        sock.sendall(_resp(b"QUIT"))
    except TimeoutError:
        return Outcome(L.UNKNOWN, f"{where} stopped answering within {timeout:g} s")
    except ssl.SSLError as exc:
        return Outcome(L.UNKNOWN, f"TLS failed with {where} ({exc.reason or 'handshake'})")
    except OSError:
        return Outcome(L.UNKNOWN, f"{where} closed the connection during login")
    finally:
        sock.close()
    if answer.startswith("+OK"):
        return Outcome(L.LIVE, f"Redis at {where} accepted the password")
    if (
        answer.startswith("-WRONGPASS")
        or "invalid password" in answer
        or "invalid username" in answer
    ):
        return Outcome(L.REVOKED, f"Redis at {where} refused the password")
    return Outcome(L.UNKNOWN, f"Redis at {where} answered {answer[:80]!r}")


NETWORK_CHECKS: dict[str, Callable[[Target, float], Outcome]] = {
    "postgres": check_postgres,
    "redis": check_redis,
}
