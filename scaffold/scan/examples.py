"""Generator syntax for rule examples and test tokens, so no credential is ever a literal.

`expand("token = {{github:ghp}}", seed=1)` replaces each `{{name}}` or `{{name:arg}}` with a
freshly generated value. Expansion is deterministic for a given template and seed. Inner
placeholders expand first, so `{{base64:user:{{alnum:20}}}}` encodes a generated value.
See docs/rules.md for the full list.
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
from collections.abc import Callable

from scaffold.scan.validators import crc32_base62

# Innermost placeholder first: its argument holds no braces.
PLACEHOLDER = re.compile(r"\{\{([a-z_0-9]+)(?::([^{}]*))?\}\}")

ALPHABETS = {
    "alnum": string.ascii_letters + string.digits,
    "lower_alnum": string.ascii_lowercase + string.digits,
    "upper_alnum": string.ascii_uppercase + string.digits,
    "alpha": string.ascii_letters,
    "lower": string.ascii_lowercase,
    "upper": string.ascii_uppercase,
    "digits": string.digits,
    "hex": "0123456789abcdef",
    "upper_hex": "0123456789ABCDEF",
    "b64": string.ascii_letters + string.digits + "+/",
    "b64url": string.ascii_letters + string.digits + "-_",
    "base32": string.ascii_uppercase + "234567",
    "bech32": "qpzry9x8gf2tvdw0s3jn54khce6mua7l",
    "upper_bech32": "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L",
    # What people type as passwords, minus what quoting or comments in config files would cut.
    "pw": string.ascii_letters + string.digits + "!@%^&*-_+.?~",
    "crypt64": "./" + string.ascii_letters + string.digits,
}


def _draw(rng: random.Random, alphabet: str, length: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


def _github(rng: random.Random, prefix: str, *, valid: bool = True) -> str:
    entropy = _draw(rng, ALPHABETS["alnum"], 30)
    tail = crc32_base62(entropy)
    if not valid:
        # Rotate one checksum digit: same shape, wrong value.
        tail = tail[:-1] + ("0" if tail[-1] != "0" else "1")
    return f"{prefix}_{entropy}{tail}"


def _pypi(rng: random.Random, location: str) -> str:
    # Macaroon v2 framing: version byte, then field 1 (location) with its length.
    loc = (location or "pypi.org").encode()
    raw = b"\x02\x01" + bytes([len(loc)]) + loc + b"\x02\x1f" + rng.randbytes(120)
    return "pypi-" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _pem(rng: random.Random, label: str) -> str:
    body = base64.b64encode(rng.randbytes(900)).decode()
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN {label}-----\n{lines}\n-----END {label}-----"


def _b64url_json(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _jwt(rng: random.Random, alg: str) -> str:
    header = _b64url_json({"alg": alg or "HS256", "typ": "JWT"})
    payload = _b64url_json({"sub": _draw(rng, ALPHABETS["digits"], 10), "iat": 1700000000})
    signature = "" if alg == "none" else _draw(rng, ALPHABETS["b64url"], 43)
    return f"{header}.{payload}.{signature}"


def _uuid(rng: random.Random) -> str:
    h = _draw(rng, ALPHABETS["hex"], 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def _discord(rng: random.Random) -> str:
    """A bot token: base64 of the bot's user id, a timestamp part, an HMAC part."""
    user_id = str(rng.randrange(10**17, 10**19))
    first = base64.b64encode(user_id.encode()).decode().rstrip("=")
    return f"{first}.{_draw(rng, ALPHABETS['b64url'], 6)}.{_draw(rng, ALPHABETS['b64url'], 38)}"


def _crypt(rng: random.Random, kind: str) -> str:
    """A password hash in crypt(3) notation: bcrypt, sha512crypt, md5crypt or Apache's apr1."""
    salt = _draw(rng, ALPHABETS["crypt64"], 22 if kind == "bcrypt" else 16 if kind == "6" else 8)
    if kind == "bcrypt":
        return "$2y$12$" + salt + _draw(rng, ALPHABETS["crypt64"], 31)
    length = {"6": 86, "5": 43}.get(kind, 22)
    return f"${kind}${salt}${_draw(rng, ALPHABETS['crypt64'], length)}"


def aws_documentation_keys() -> tuple[str, str]:
    """AWS's published example key pair, assembled from parts (it is famous, not secret)."""
    key_id = "AKIA" + "IOSFODNN7" + "EXAMPLE"
    secret = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCY" + "EXAMPLEKEY"
    return key_id, secret


Generator = Callable[[random.Random, str], str]

NAMED: dict[str, Generator] = {
    "github": lambda rng, arg: _github(rng, arg or "ghp"),
    "github_bad": lambda rng, arg: _github(rng, arg or "ghp", valid=False),
    "npm": lambda rng, arg: _github(rng, "npm"),
    "npm_bad": lambda rng, arg: _github(rng, "npm", valid=False),
    "pypi": _pypi,
    "pem": _pem,
    "jwt": _jwt,
    "uuid": lambda rng, arg: _uuid(rng),
    "discord": lambda rng, arg: _discord(rng),
    "crypt": lambda rng, arg: _crypt(rng, arg or "6"),
    "base64": lambda rng, arg: base64.b64encode(arg.encode()).decode(),
    "aws_doc_id": lambda rng, arg: aws_documentation_keys()[0],
    "aws_doc_secret": lambda rng, arg: aws_documentation_keys()[1],
    "lbrace": lambda rng, arg: "{{",
    "rbrace": lambda rng, arg: "}}",
}


def expand(template: str, seed: int = 0) -> str:
    """Replace every generator placeholder in `template`; same template and seed, same text."""
    rng = random.Random(f"{seed}\x00{template}")

    def one(match: re.Match[str]) -> str:
        name, arg = match.group(1), match.group(2) or ""
        if name in ALPHABETS:
            if not arg.isdigit():
                raise ValueError(f"{{{{{name}:N}}}} needs a length, got {arg!r}")
            return _draw(rng, ALPHABETS[name], int(arg))
        if name in NAMED:
            # Braces made by lbrace/rbrace must survive later passes: mark them first.
            return NAMED[name](rng, arg).replace("{{", "\x00L").replace("}}", "\x00R")
        raise ValueError(f"unknown example generator {{{{{name}}}}}")

    text = template
    while True:
        expanded = PLACEHOLDER.sub(one, text)
        if expanded == text:
            break
        text = expanded
    return text.replace("\x00L", "{{").replace("\x00R", "}}")


def generators() -> tuple[str, ...]:
    """Every generator name, for docs and error messages."""
    return tuple(sorted((*ALPHABETS, *NAMED)))
