"""Why a pattern hit is not a credential: placeholders, templates, names, words, entropy.

detect-secrets' heuristics are used where they fit: sequential strings, templated values,
indirect references such as `get_secret()` or `request.headers["token"]` (scaffold.scan.
heuristics keeps them to detect-secrets' behaviour without its 0.2 s import), and its character
model of English, trained on RFCs, to tell words from random text. Published example values
and keys that are public by design live in scaffold.scan.public.
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
import string
from collections import Counter
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

from scaffold.scan import heuristics

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
    "put your unique phrase here",
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
# Interpolations of many languages: ${x} {{x}} %(x)s $(x) $x <x> %x% #{x} %{x} <%= x %> @x@
# {x} [x] __X__: the value is filled in elsewhere.
TEMPLATE_MARKS = re.compile(
    r"\$\{|\{\{|\}\}|%\([\w.]+\)[sd]|\$\(|^\$[A-Za-z_]\w*(?:$|[^\w$])|^<[^>]*>$|^%[\w]+%$|#\{[^{}\s]+\}|%\{[\w.-]+\}|<%=?\s"
    r"|^@[A-Za-z_][\w.]*@$|^!!?[A-Za-z_][\w:./-]*$|^\{[^{}]*\}$|^\[[A-Za-z_][\w. -]*\]$"
    r"|^__[A-Z0-9_]+__$"
)
SEGMENT_SPLIT = re.compile(r"(?:[_\-.\s/:@]|%20)+")
REPEATED_RUN = re.compile(r"(.)\1{5,}")
PRAGMA_LINE = re.compile(rb"pragma:\s*(?:allow|white)list[ \t]+secret", re.IGNORECASE)
PRAGMA_NEXT = re.compile(rb"pragma:\s*(?:allow|white)list[ \t]+nextline[ \t]+secret", re.IGNORECASE)


ESCAPED_LINE_END = re.compile(r"\\[nr]")


def crosses_line_end(secret: str, multiline: bool = False) -> bool:
    """A value ends at its line's end, and at a `\\n` written inside a string literal: what
    follows is the next line of the text, not more of the secret (key blocks excepted)."""
    if "-----BEGIN " in secret:
        return False  # a PEM block, written with real or escaped line breaks
    if not multiline and ("\n" in secret or "\r" in secret):
        return True
    return ESCAPED_LINE_END.search(secret) is not None


def _url_decoded(secret: str) -> str:
    """`%7BENCODED_PASSWORD%7D` is `{ENCODED_PASSWORD}` to whoever reads it."""
    return unquote(secret) if "%" in secret else secret


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
    secret = _url_decoded(secret)
    lowered = secret.lower()
    if lowered in PLACEHOLDER_VALUES or len(set(secret)) <= 2:
        return True
    if PLACEHOLDER_WORD.search(secret):
        return True
    segments = [s for s in SEGMENT_SPLIT.split(lowered) if s]
    if any(s in PLACEHOLDER_SEGMENTS for s in segments):
        return True
    if segments and all(s in PLACEHOLDER_VALUES for s in segments):
        return True  # `true.`, `none,`
    if free_form and _stand_in_words(lowered, segments):
        return True
    # The variable part of a token is its last segment (after ghp_, sk_live_, xoxb-...).
    tail = segments[-1] if segments else lowered
    if len(tail) >= 4 and (heuristics.is_sequential_string(tail) or len(set(tail)) <= 2):
        return True
    # A run of one character that is a third of the value: `ghp_xxxx...`, `sk_0000...`. Shorter
    # runs occur in real encoded data (ASN.1 padding in base64 reads AAAAAAAAAAAA).
    return any(len(run.group(0)) * 3 >= len(secret) for run in REPEATED_RUN.finditer(secret))


# Leetspeak people write for the word itself: p4ssw0rd, s3cr3t, P@ssw0rd.
LEET = str.maketrans("4@30157$", "aaeoilts")


def _stand_in_words(lowered: str, segments: list[str]) -> bool:
    """`pass1`, `secret-2`, `p4ssw0rd`: the word password, secret or token standing in."""
    if lowered.translate(LEET) in FREE_FORM_WORDS | PLACEHOLDER_VALUES:
        return True
    return any(s.rstrip(string.digits) in FREE_FORM_WORDS for s in segments)


def is_weak_password(secret: str) -> bool:
    """What nobody sets as a password but tests and prose do: one short lowercase word
    (`three`, `bogus`, `cmdline`), kebab or snake words (`to-be-stolen`)."""
    if LOWER_WORDS.match(secret):
        return True
    return len(secret) < 12 and (secret.isalpha() and secret.islower())


def is_templated(secret: str) -> bool:
    """`${VAR}`, `{{ var }}`, `%(var)s`, `<your-token>`, `$VAR`, `%VAR%`: filled in elsewhere."""
    decoded = _url_decoded(secret)
    return any(TEMPLATE_MARKS.search(value) is not None for value in {secret, decoded}) or bool(
        heuristics.is_templated_secret(decoded)
    )


# Shapes of values that name something rather than being a secret: ENV_NAMES, CSS selectors,
# paths, dotted.attribute.access, dates and file names...
NAME_SHAPES = (
    r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+"
    r"|[.#][A-Za-z_-][\w-]*"
    r"|[*&][A-Za-z_][A-Za-z0-9_-]*"  # YAML aliases and anchors
    r"|-?(?:0[xX][0-9a-fA-F]+|[0-9]+(?:\.[0-9]+)?)"  # numbers
    r"|[~^<>=v]{0,3}[0-9]+(?:\.[0-9]+)+[\w.+-]*"  # versions and version ranges
    r"|(?:~|[A-Za-z]:)?[\\/][\w.\\/-]*"
    r"|[A-Za-z_]\w*(?:\[-?\d+\])?(?:\.[A-Za-z_]\w*(?:\[-?\d+\])?)+(?::[A-Za-z_]\w*)?"
    r"|\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?"
    r"|[\w.-]*(?:/[\w.-]+)+/?"
    r"|[\w.-]+\.(?:json|ya?ml|txt|pem|key|env|ini|cfg|conf|toml|xml|py|js|ts|sh|crt|p12|pfx|jks)"
)
NAME = re.compile(f"^(?:{NAME_SHAPES})$")
# ...and, where any word could be the value (generic rules), snake/kebab words and camelCase.
LOWER_WORDS = re.compile(r"^_*[a-z]+(?:[_-]+[a-z]+)+_*$")
IDENTIFIER = re.compile(
    f"^(?:{NAME_SHAPES}"
    r"|_*[a-z]+(?:[_-]+[a-z]+)+_*"
    r"|[a-z]+(?:[A-Z][a-z0-9]+)+"
    r"|(?:[A-Z][a-z]+){2,})$"
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
    secret = _url_decoded(secret)
    return IDENTIFIER.match(secret) is not None or (
        len(secret) == 36 and heuristics.is_potential_uuid(secret)
    )


# Password hashes: what a password column of a dump holds when the application hashes.
PASSWORD_HASH = re.compile(
    r"^(?:\$[0-9a-z]{1,8}\$[^\s]{8,}|\{[A-Z0-9]{3,8}\}\S{16,}|[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|"
    r"(?:pbkdf2|scrypt|argon2|bcrypt|sha1|md5)[_:$][^\s]{16,})$"
)


def is_password_hash(value: str) -> bool:
    """`$2y$12$...`, `{SSHA}...`, `pbkdf2:sha256:...`, hex digests: a hash, not the password."""
    return PASSWORD_HASH.match(value) is not None


def names_something(secret: str) -> bool:
    """A password value that is a name instead: `DB_PASSWORD`, `cfg.db.password`, a path."""
    return NAME.match(_url_decoded(secret)) is not None


@lru_cache(maxsize=1)
def _english_bigrams() -> dict[str, float]:
    """-log2 P(next letter | letter) in English, from detect-secrets' RFC-trained model."""
    # Found without importing detect-secrets (whose package import costs ~0.2 s).
    spec = importlib.util.find_spec("detect_secrets")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("detect-secrets is not installed")
    model = Path(spec.submodule_search_locations[0], "filters", "gibberish", "rfc.model")
    data = json.loads(model.read_text(encoding="utf-8"))
    letters, counts = data["charset"], data["counts"]
    costs = {}
    for first in letters:
        row = counts.get(first, {})
        total = sum(row.get(second, 0) for second in letters) + len(letters)
        for second in letters:
            costs[first + second] = -math.log2((row.get(second, 0) + 1) / total)
    return costs


LETTER_RUN = re.compile(r"[a-z]+")
# Bits per letter pair: English words and identifiers cost 3-4.2, random tokens 5-7 (at 8
# characters, 1 in 50 random strings falls below; at 16, fewer than 1 in 100).
ENGLISH_BITS = 4.2
HEX_ONLY = frozenset(string.hexdigits + "-")


def is_natural_language(secret: str) -> bool:
    """Words, not randomness: `Whitespace`, `StatelessResetToken`, `salesforcepassword`.

    Scores the letter pairs against English (Betterleaks asks a BPE tokenizer how well the text
    compresses; this asks detect-secrets' character model how likely it reads). Hex strings
    are left alone: their six letters say nothing about language.
    """
    if not set(secret) - HEX_ONLY:
        return False
    costs = _english_bigrams()
    pairs = [
        run[i : i + 2] for run in LETTER_RUN.findall(secret.lower()) for i in range(len(run) - 1)
    ]
    letters = sum(c.isalpha() for c in secret)
    # Mostly letters, enough of them to judge, and they read like English.
    if len(pairs) < 5 or letters < 0.6 * len(secret):
        return False
    return sum(costs[pair] for pair in pairs) / len(pairs) < ENGLISH_BITS


def not_a_value(secret: str) -> bool:
    """What a generic rule's candidate must not be: a name, a weak shape or plain words."""
    return is_identifier(secret) or is_weak_shape(secret) or is_natural_language(secret)


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
    return (
        describes_secret(line_before)
        or names_its_key(secret, line_before)
        or is_reference_or_id(secret, line_before)
    )


def _squashed(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def names_its_key(secret: str, line_before: str) -> bool:
    """`smtppass = smtppass`, `password: $password`: the value is the variable's own name."""
    key = ASSIGNED_KEY.search(line_before[-200:])
    value = _squashed(secret)
    return key is not None and len(value) >= 4 and value in _squashed(key.group(1))


def is_reference_or_id(secret: str, line_before: str) -> bool:
    """Generic rules: the value is looked up elsewhere, or named like an id (`user_id = ...`)."""
    return is_reference(line_before + secret) or heuristics.is_likely_id_string(
        secret, line_before + secret
    )


def is_reference(line: str) -> bool:
    """`os.environ[...]`, `process.env.X`, `getenv(...)`, `get_secret()`: a lookup, not a value."""
    lowered = line.lower()
    if "process.env." in lowered or "os.environ" in lowered or "getenv(" in lowered:
        return True
    return bool(heuristics.is_indirect_reference(line))


def allowlisted(line: bytes, previous: bytes) -> bool:
    """detect-secrets' inline pragmas: on the line itself, or `nextline` on the line before."""
    return PRAGMA_LINE.search(line) is not None or PRAGMA_NEXT.search(previous) is not None
