"""PostgreSQL (SCRAM-SHA-256 or MD5) and Redis logins, played on 127.0.0.1 for tests.

Each server knows one user and password and answers a login the way the real server does:
AuthenticationOk or SQLSTATE 28P01; +OK or -WRONGPASS. It records whether anything but the
login was sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import socketserver
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field


@dataclass
class FakeDatabase:
    user: str
    password: str
    method: str = "scram"  # or "md5"
    logins: list[bool] = field(default_factory=list)  # accepted or not, one per login
    other_messages: list[bytes] = field(default_factory=list)  # anything besides logging in
    port: int = 0


def _read(sock: socketserver.BaseRequestHandler, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.request.recv(size - len(data))
        if not chunk:
            raise ConnectionError
        data += chunk
    return data


def _message(handler: socketserver.BaseRequestHandler) -> tuple[bytes, bytes]:
    head = _read(handler, 5)
    return head[:1], _read(handler, struct.unpack("!i", head[1:])[0] - 4)


def _send(handler: socketserver.BaseRequestHandler, kind: bytes, payload: bytes) -> None:
    handler.request.sendall(kind + struct.pack("!i", len(payload) + 4) + payload)


def _refuse(handler: socketserver.BaseRequestHandler, db: FakeDatabase) -> None:
    db.logins.append(False)
    _send(handler, b"E", b"SFATAL\0C28P01\0Mpassword authentication failed\0\0")


def _postgres(db: FakeDatabase) -> type[socketserver.BaseRequestHandler]:
    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            with suppress(ConnectionError, OSError, ValueError, KeyError):
                self._login()

        def _login(self) -> None:
            length = struct.unpack("!i", _read(self, 4))[0]
            body = _read(self, length - 4)
            if struct.unpack("!i", body[:4])[0] == 80877103:  # SSLRequest: no TLS here
                self.request.sendall(b"N")
                length = struct.unpack("!i", _read(self, 4))[0]
                body = _read(self, length - 4)
            params = body[4:].split(b"\0")
            user = params[params.index(b"user") + 1].decode()
            if db.method == "md5":
                salt = os.urandom(4)
                _send(self, b"R", struct.pack("!i", 5) + salt)
                _, answer = _message(self)
                inner = hashlib.md5((db.password + user).encode()).hexdigest().encode()
                expected = b"md5" + hashlib.md5(inner + salt).hexdigest().encode() + b"\0"
                ok = answer == expected and user == db.user
            else:
                ok = self._scram(user)
            if not ok:
                _refuse(self, db)
                return
            db.logins.append(True)
            _send(self, b"R", struct.pack("!i", 0))
            _send(self, b"Z", b"I")
            while True:
                kind, payload = _message(self)
                if kind == b"X":
                    return
                db.other_messages.append(kind + payload)

        def _scram(self, user: str) -> bool:
            _send(self, b"R", struct.pack("!i", 10) + b"SCRAM-SHA-256\0\0")
            _, payload = _message(self)
            mechanism, rest = payload.split(b"\0", 1)
            first = rest[4:]
            first_bare = first.split(b",", 2)[2]
            client_nonce = dict(p.split(b"=", 1) for p in first_bare.split(b","))[b"r"]
            salt, iterations = os.urandom(16), 4096
            nonce = client_nonce + base64.b64encode(os.urandom(12))
            server_first = b"r=" + nonce + b",s=" + base64.b64encode(salt) + b",i=4096"
            _send(self, b"R", struct.pack("!i", 11) + server_first)
            _, final = _message(self)
            without_proof, _, proof = final.rpartition(b",p=")
            salted = hashlib.pbkdf2_hmac("sha256", db.password.encode(), salt, iterations)
            client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
            stored_key = hashlib.sha256(client_key).digest()
            message = first_bare + b"," + server_first + b"," + without_proof
            signature = hmac.new(stored_key, message, hashlib.sha256).digest()
            recovered = bytes(
                a ^ b for a, b in zip(base64.b64decode(proof), signature, strict=True)
            )
            if mechanism != b"SCRAM-SHA-256" or user != db.user:
                return False
            if hashlib.sha256(recovered).digest() != stored_key:
                return False
            server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
            verifier = hmac.new(server_key, message, hashlib.sha256).digest()
            _send(self, b"R", struct.pack("!i", 12) + b"v=" + base64.b64encode(verifier))
            return True

    return Handler


def _redis(db: FakeDatabase) -> type[socketserver.BaseRequestHandler]:
    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            stream = self.request.makefile("rb")
            while True:
                line = stream.readline()
                if not line.startswith(b"*"):
                    return
                parts = []
                for _ in range(int(line[1:])):
                    size = int(stream.readline()[1:])
                    parts.append(stream.read(size + 2)[:-2])
                if parts[0].upper() == b"AUTH":
                    user, password = (
                        (parts[1], parts[2]) if len(parts) == 3 else (b"default", parts[1])
                    )
                    ok = user.decode() in (db.user, "default") and password.decode() == db.password
                    db.logins.append(ok)
                    reply = b"+OK\r\n" if ok else b"-WRONGPASS invalid username-password pair\r\n"
                    self.request.sendall(reply)
                elif parts[0].upper() == b"QUIT":
                    self.request.sendall(b"+OK\r\n")
                    return
                else:
                    db.other_messages.append(b" ".join(parts))

    return Handler


@contextmanager
def serve(db: FakeDatabase, kind: str) -> Iterator[FakeDatabase]:
    handler = _postgres(db) if kind == "postgres" else _redis(db)
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    db.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield db
    finally:
        server.shutdown()
        server.server_close()
