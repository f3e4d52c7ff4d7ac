"""Offline checks of tokens that carry their own checksum or structure (no network, ever)."""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Callable

from scaffold.scan.model import Validation

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# A validator returns the verdict for a candidate secret, or None to drop it (a wrong checksum
# means the string is not a token: random text that happens to fit the pattern).
Validator = Callable[[str], Validation | None]


def base62(number: int, width: int) -> str:
    """`number` in base62, left-padded with '0' to `width` digits (GitHub's checksum encoding)."""
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(BASE62[rest])
    return "".join(reversed(digits)).rjust(width, "0")


def crc32_base62(entropy: str) -> str:
    """The 6-character tail GitHub and npm append to a token: CRC32 of the random part."""
    return base62(zlib.crc32(entropy.encode()), 6)


def check_crc32_tail(secret: str) -> Validation | None:
    """`<prefix>_<30 random><6 checksum>` tokens: GitHub ghp_/gho_/ghu_/ghs_/ghr_ and npm_."""
    body = secret.rsplit("_", 1)[-1]
    if len(body) < 7:
        return None
    entropy, tail = body[:-6], body[-6:]
    return Validation.CHECKSUM_VALID if crc32_base62(entropy) == tail else None


def _b64url_decode(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def check_pypi_macaroon(secret: str) -> Validation | None:
    """PyPI tokens are `pypi-` + a base64url macaroon whose location is pypi.org."""
    raw = _b64url_decode(secret.removeprefix("pypi-"))
    if raw is None or not raw.startswith(b"\x02\x01"):
        return None
    return Validation.CHECKSUM_VALID if b"pypi.org" in raw[:40] else None


def check_jwt(secret: str) -> Validation | None:
    """A JWT's header must decode to JSON naming an `alg`; otherwise it is just dotted text."""
    import json

    header = _b64url_decode(secret.split(".", 1)[0])
    if header is None:
        return None
    try:
        decoded = json.loads(header)
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(decoded, dict) or not isinstance(decoded.get("alg"), str):
        return None
    # An unsigned token grants nothing by itself.
    return None if decoded["alg"].lower() == "none" else Validation.UNVERIFIED


def _printable(raw: bytes | None) -> str | None:
    if raw is None:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    text = text.rstrip("\r\n")
    return text if text and text.isprintable() else None


def _b64_decode(text: str) -> bytes | None:
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def check_base64_user_password(secret: str) -> Validation | None:
    """Docker `auth` and npm `_auth` values: base64 of `user:password`, both parts present."""
    text = _printable(_b64_decode(secret))
    if text is None or ":" not in text:
        return None
    user, password = text.split(":", 1)
    return Validation.UNVERIFIED if user and password else None


def check_base64_text(secret: str) -> Validation | None:
    """A password a client stores base64-encoded (FileZilla): it decodes to printable text."""
    text = _printable(_b64_decode(secret))
    return Validation.UNVERIFIED if text is not None and len(text) >= 3 else None


def check_discord_token(secret: str) -> Validation | None:
    """A Discord bot token's first part is the bot's user id (a snowflake) in base64."""
    user_id = _printable(_b64url_decode(secret.split(".", 1)[0]))
    if user_id is None or not user_id.isdigit() or not 17 <= len(user_id) <= 20:
        return None
    return Validation.UNVERIFIED


# The explicit table rule files name their validator from.
VALIDATORS: dict[str, Validator] = {
    "crc32-base62": check_crc32_tail,
    "pypi-macaroon": check_pypi_macaroon,
    "jwt": check_jwt,
    "base64-user-password": check_base64_user_password,
    "base64-text": check_base64_text,
    "discord-token": check_discord_token,
}
