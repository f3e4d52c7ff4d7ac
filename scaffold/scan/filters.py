"""Why a pattern hit is not a credential: placeholders, templates, documentation keys, entropy.

detect-secrets' heuristics are reused where they fit (sequential strings, templated values,
indirect references such as `get_secret()` or `request.headers["token"]`).
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from functools import lru_cache
from types import ModuleType

from scaffold.scan.examples import aws_documentation_keys


@lru_cache(maxsize=1)
def _heuristics() -> ModuleType:
    """detect-secrets' heuristics, imported on first need: its package import costs ~0.2 s,
    which the commit-time hook must not pay for a change that holds no candidate at all."""
    from detect_secrets.filters import heuristic

    return heuristic


# Words that mark a value as a stand-in. Matched as written, in lower or upper case, so that
# random token bodies (mixed case) almost never trip them by chance.
PLACEHOLDER_WORDS = (
    "example",
    "changeme",
    "change_me",
    "change-me",
    "placeholder",
    "your_",
    "your-",
    "yourapi",
    "yourkey",
    "yourtoken",
    "yoursecret",
    "dummy",
    "redacted",
    "xxxx",
    "****",
    "...",
    "sample",
    "replace_me",
    "replaceme",
    "insert_",
    "fake",
    "notreal",
    "not_real",
    "secret_here",
    "key_here",
    "token_here",
)
# Whole segments (split on _ - . and spaces) that mark the value as non-production.
PLACEHOLDER_SEGMENTS = frozenset(
    {"test", "testing", "dummy", "fake", "example", "sample", "mock", "foo", "bar", "todo", "tbd"}
)
# Words that give a free-form value away as a stand-in.
FREE_FORM_WORDS = frozenset({"secret", "password", "passwd", "pass", "token", "key"})
# Values that are common words people put where a password goes in docs and fixtures.
PLACEHOLDER_VALUES = frozenset(
    {
        "password",
        "passwd",
        "secret",
        "token",
        "apikey",
        "api_key",
        "changeit",
        "letmein",
        "admin",
        "root",
        "hunter2",
        "qwerty",
        "none",
        "null",
        "undefined",
        "true",
        "false",
        "string",
        "value",
        "default",
    }
)
PLACEHOLDER_WORD = re.compile(
    "|".join(re.escape(w) for word in PLACEHOLDER_WORDS for w in (word, word.upper()))
)
TEMPLATE_MARKS = re.compile(r"\$\{|\{\{|\}\}|%\([\w.]+\)[sd]|\$\(|^\$[A-Za-z_]|^<[^>]*>$|^%[\w]+%$")
SEGMENT_SPLIT = re.compile(r"(?:[_\-.\s/:@]|%20)+")
REPEATED_RUN = re.compile(r"(.)\1{5,}")
PRAGMA_LINE = re.compile(rb"pragma:\s*(?:allow|white)list[ \t]+secret", re.IGNORECASE)
PRAGMA_NEXT = re.compile(rb"pragma:\s*(?:allow|white)list[ \t]+nextline[ \t]+secret", re.IGNORECASE)


@lru_cache(maxsize=1)
def documentation_keys() -> frozenset[str]:
    """Credentials printed in vendors' documentation: public by design, never findings."""
    key_id, secret = aws_documentation_keys()
    return frozenset(
        {
            key_id,
            secret,
            "AKIAI44QH8DHB" + "EXAMPLE",
            "je7MtGbClwBF/2Zp9Utk/h3yCo8nvb" + "EXAMPLEKEY",
            "sk_test_4eC39HqLyjWDarjt" + "T1zdp7dc",
            "xoxb-not-a-real" + "-token-this-will-not-work",
        }
    )


def shannon_entropy(text: str) -> float:
    """Bits per character of `text`'s own character distribution."""
    if not text:
        return 0.0
    size = len(text)
    return -sum(n / size * math.log2(n / size) for n in Counter(text).values())


def is_placeholder(secret: str, *, free_form: bool = False) -> bool:
    """A stand-in value: `changeme`, `your_api_key_here`, `xxxx`, `1234...`, one repeated char.

    `free_form` values (generic assignments, URL passwords) have no token prefix, so words like
    `secret` in them (`my-secret`, `a%20secret`) mark a stand-in too.
    """
    lowered = secret.lower()
    if lowered in PLACEHOLDER_VALUES or len(set(secret)) <= 2:
        return True
    if PLACEHOLDER_WORD.search(secret):
        return True
    segments = [s for s in SEGMENT_SPLIT.split(lowered) if s]
    if any(s in PLACEHOLDER_SEGMENTS for s in segments):
        return True
    if free_form and any(s in FREE_FORM_WORDS for s in segments):
        return True
    # The variable part of a token is its last segment (after ghp_, sk_live_, xoxb-...).
    tail = segments[-1] if segments else lowered
    if len(tail) >= 4 and (_heuristics().is_sequential_string(tail) or len(set(tail)) <= 2):
        return True
    return len(secret) < 200 and REPEATED_RUN.search(secret) is not None


def is_templated(secret: str) -> bool:
    """`${VAR}`, `{{ var }}`, `%(var)s`, `<your-token>`, `$VAR`, `%VAR%`: filled in elsewhere."""
    return TEMPLATE_MARKS.search(secret) is not None or bool(
        _heuristics().is_templated_secret(secret)
    )


# Shapes of values that name something rather than being a secret: ENV_NAMES, snake/kebab
# words, camelCase, dotted.attribute.access, paths and file names.
IDENTIFIER = re.compile(
    r"^(?:[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+"
    r"|[a-z]+(?:[_-][a-z]+)+"
    r"|[a-z]+(?:[A-Z][a-z0-9]+)+"
    r"|(?:[A-Z][a-z]+){2,}"
    r"|[A-Za-z_]\w*(?:\[-?\d+\])?(?:\.[A-Za-z_]\w*(?:\[-?\d+\])?)+(?::[A-Za-z_]\w*)?"
    r"|\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?"
    r"|[\w.-]*(?:/[\w.-]+)+/?"
    r"|[\w.-]+\.(?:json|ya?ml|txt|pem|key|env|ini|cfg|conf|toml|xml|py|js|ts|sh|crt|p12|pfx|jks))$"
)
# The setting a generic value is assigned to: the last name before the assignment operator.
ASSIGNED_KEY = re.compile(
    r"([A-Za-z0-9_.-]+)[\"'\]]*\s*(?::\s*[A-Za-z_][\w.\[\]]*\s*)?(?::=|=>|==?|:)\s*[bru]?[\"']?$"
)
# Settings whose values describe a secret (its hash, name, file, length...) without being one.
DESCRIBING_KEYS = (
    "hash",
    "digest",
    "checksum",
    "sha1",
    "sha256",
    "md5",
    "type",
    "name",
    "_file",
    "file_",
    "filename",
    "path",
    "_url",
    "url_",
    "_uri",
    "uri_",
    "description",
    "length",
    "field",
    "header",
    "param",
    "prefix",
    "suffix",
    "format",
    "pattern",
    "regex",
    "placeholder",
    "hint",
    "label",
    "title",
    "policy",
    "_mode",
    "_arn",
    "tokeniz",
    "endpoint",
    "_env",
    "env_",
    "_var",
    "_ref",
    "version",
    "_id",
    "next",
    "continuation",
    "page",
    "cursor",
    "clienttoken",
    "client_token",
    "idempotency",
    "lastused",
    "last_used",
    "expir",
    "created",
    "purchase",
)


REGEX_LIKE = re.compile(r"\(\?|\[\^?[A-Za-z0-9]-[A-Za-z0-9]|\{\d+(?:,\d*)?\}")
CHARACTER_KINDS = (
    frozenset(string.ascii_lowercase),
    frozenset(string.ascii_uppercase),
    frozenset(string.digits),
)
ALNUM = frozenset(string.ascii_letters + string.digits)


def is_identifier(secret: str) -> bool:
    """A name, path, attribute access or UUID: `GITHUB_TOKEN`, `x-access-token`, `cfg.db.pw`."""
    # A bare UUID in a generic assignment is far more often an id than a credential; the
    # providers whose tokens are UUIDs have their own rules.
    return IDENTIFIER.match(secret) is not None or (
        len(secret) == 36 and _heuristics().is_potential_uuid(secret)
    )


def is_weak_shape(secret: str) -> bool:
    """Generic values need a digit or a symbol, or length: `IAmSensitive` is a word, not a key."""
    if len(secret) < 24 and secret.isalpha():
        return True
    if REGEX_LIKE.search(secret):
        return True  # a pattern that describes secrets, as scanners and validators write them
    if len(secret) >= 20:
        return False
    chars = set(secret)
    kinds = sum(1 for group in CHARACTER_KINDS if chars & group)
    return kinds + bool(chars - ALNUM) < 2


def describes_secret(line_before: str) -> bool:
    """`password_hash = "..."`, `token_type: "..."`: the key says the value is not the secret."""
    key = ASSIGNED_KEY.search(line_before[-200:])
    if key is None:
        return False
    name = key.group(1).lower()
    # `SecretId`, `token_ids`: the name of a secret, not its value.
    return name.endswith(("id", "ids")) or any(word in name for word in DESCRIBING_KEYS)


def generic_false_positive(secret: str, line_before: str) -> bool:
    """The line-level checks generic rules get: the key's meaning, lookups, ids."""
    return describes_secret(line_before) or is_reference_or_id(secret, line_before)


def is_reference_or_id(secret: str, line_before: str) -> bool:
    """Generic rules: the value is looked up elsewhere, or named like an id (`user_id = ...`)."""
    return is_reference(line_before) or _heuristics().is_likely_id_string(
        secret, line_before + secret
    )


def is_reference(line: str) -> bool:
    """`os.environ[...]`, `process.env.X`, `getenv(...)`, `get_secret()`: a lookup, not a value."""
    lowered = line.lower()
    if "process.env." in lowered or "os.environ" in lowered or "getenv(" in lowered:
        return True
    return bool(_heuristics().is_indirect_reference(line))


def allowlisted(line: bytes, previous: bytes) -> bool:
    """detect-secrets' inline pragmas: on the line itself, or `nextline` on the line before."""
    return PRAGMA_LINE.search(line) is not None or PRAGMA_NEXT.search(previous) is not None
