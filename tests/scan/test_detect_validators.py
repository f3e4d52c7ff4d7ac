"""Offline validators, the example generators and the test-token helpers."""

from __future__ import annotations

import base64
import json
import zlib

import pytest

from scaffold.scan.examples import expand, generators
from scaffold.scan.filters import is_placeholder, is_templated, shannon_entropy
from scaffold.scan.model import Validation
from scaffold.scan.validators import (
    BASE62,
    base62,
    check_crc32_tail,
    check_jwt,
    check_pypi_macaroon,
)
from tests import tokens


def test_crc32_tail_is_base62_of_the_random_part() -> None:
    token = tokens.github_pat(3)
    body = token.removeprefix("ghp_")
    number = sum(BASE62.index(c) * 62**i for i, c in enumerate(reversed(body[-6:])))
    assert number == zlib.crc32(body[:-6].encode())
    assert base62(0, 6) == "000000" and base62(61, 2) == "0z"
    assert check_crc32_tail(token) is Validation.CHECKSUM_VALID
    assert check_crc32_tail(tokens.github_pat_bad_checksum(3)) is None
    assert check_crc32_tail(expand("{{npm}}", 2)) is Validation.CHECKSUM_VALID
    assert check_crc32_tail("ghp_short") is None


def test_pypi_tokens_must_decode_to_a_pypi_macaroon() -> None:
    assert check_pypi_macaroon(expand("{{pypi}}", 1)) is Validation.CHECKSUM_VALID
    assert check_pypi_macaroon(expand("{{pypi:test.pypi.org}}", 1)) is Validation.CHECKSUM_VALID
    other = "pypi-" + base64.urlsafe_b64encode(b"\x02\x01\x0bexample.com" + bytes(40)).decode()
    assert check_pypi_macaroon(other) is None
    assert check_pypi_macaroon("pypi-AgE***") is None


def test_jwt_header_must_name_an_algorithm() -> None:
    assert check_jwt(expand("{{jwt:RS256}}")) is Validation.UNVERIFIED
    assert check_jwt(expand("{{jwt:none}}")) is None
    no_alg = base64.urlsafe_b64encode(json.dumps({"typ": "JWT"}).encode()).decode().rstrip("=")
    assert check_jwt(f"{no_alg}.eyJzdWIiOiIxIn0.sig") is None
    assert check_jwt("eyJub3QganNvbg.x.y") is None


def test_expansion_is_deterministic_per_seed_and_rejects_unknown_generators() -> None:
    template = "{{alnum:12}}-{{hex:8}}-{{github:gho}}"
    assert expand(template, 4) == expand(template, 4)
    assert expand(template, 4) != expand(template, 5)
    assert len(expand("{{digits:10}}")) == 10 and expand("{{digits:10}}").isdigit()
    assert base64.b64decode(expand("{{base64:user:{{alnum:8}}}}")).startswith(b"user:")
    assert expand("{{lbrace}} x {{rbrace}}") == "{{ x }}"
    pem = expand("{{pem:EC PRIVATE KEY}}")
    assert pem.startswith("-----BEGIN EC PRIVATE KEY-----\n")
    assert pem.endswith("\n-----END EC PRIVATE KEY-----")
    assert "github" in generators() and "alnum" in generators()
    with pytest.raises(ValueError, match="unknown example generator"):
        expand("{{nope:3}}")
    with pytest.raises(ValueError, match="needs a length"):
        expand("{{hex:many}}")


def test_token_helpers_build_what_their_names_say() -> None:
    key_id, secret = tokens.aws_key_pair()
    assert key_id.startswith("AKIA") and len(key_id) == 20 and len(secret) == 40
    assert tokens.slack_bot_token().startswith("xoxb-")
    assert tokens.stripe_live_key().startswith("sk_live_")
    assert "-----BEGIN RSA PRIVATE KEY-----" in tokens.private_key_pem()
    url, password = tokens.postgres_url_with_password()
    assert f":{password}@" in url
    line, password = tokens.generic_password_assignment()
    assert password in line


@pytest.mark.parametrize(
    ("value", "placeholder"),
    [
        ("changeme", True),
        ("your_api_key_here", True),
        ("xxxxxxxxxxxxxxxx", True),
        ("sk_test_abcdefghij", True),
        ("1234567890", True),
        ("abcdefghijkl", True),
        ("AAAAAAAAAAAAB", True),
        ("Zq8rT2vLk9", False),
    ],
)
def test_placeholders(value: str, placeholder: bool) -> None:
    assert is_placeholder(value) is placeholder


def test_templates_and_entropy() -> None:
    for value in ("${DB_PASSWORD}", "{{ password }}", "%(password)s", "<your-token>", "$SECRET"):
        assert is_templated(value), value
    assert not is_templated("Zq8rT2vLk9")
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("abcd") == 2.0
