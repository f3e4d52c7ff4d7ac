"""Values that are public, so never findings: published examples, and keys public by design.

Documentation examples are matched by the SHA-256 of the value, so this file holds no secret-
shaped text: RFC examples, vendors' documented test keys, and values a framework's docs tell
readers to replace. Keys that are public by design (an Algolia search-only key in a DocSearch
snippet, a Stripe publishable key, a browser-side Firebase config) are matched by their shape and,
where the shape alone is not enough, by what stands next to them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

# sha256(value).hexdigest() of published example values.
DOCUMENTATION_VALUES = frozenset(
    {
        # RFC 6749 4.2.2/5.1: access token
        "6c96130f130ab0d6d158397e24d2bcc1c9a5e73ae081f6e983f1c7b545d24a4c",
        # RFC 6749 5.1: refresh token
        "00cf4c781dc37003f7c7dd7d4c9a6ef1e0f4c62d9a291aa8bc398774e3fefd32",
        # RFC 6749 4.1.2: authorization code
        "a35b81a7d7927b70ec99270dd2362b88580a28574af812f2c02f56469579186f",
        # RFC 6749 2.3.1: client secret
        "e9974c507d2a802143f614c878fcbb622a3800e05e6e0d329fee2c5b6b243329",
        # OAuth 2.0 MAC draft: token id
        "a71b359a87afde133e6d9731de69f8823d62b012072d43749f5dc976505403f5",
        # OAuth 2.0 MAC draft: MAC key
        "80db82fffae6d59f3240e593601b12fb63ca856d652a4f32e5e548245a731474",
        # RFC 6750 2.1: bearer token
        "b8e148545b13c78bc74da2f1a7275dd71e56ddece129d7d2f7b3ecc06f7994da",
        # RFC 5849 1.2: consumer key
        "293257ab6495ebb11cf9e4aee0686ca30df8de2ab8d251f2cbbcf177bdfcae91",
        # RFC 5849 1.2: consumer secret
        "cb87c87e4a138d9a72259d2a01bab15623c9846e568c1509b287721645a6ea53",
        # RFC 5849 1.2: temporary token
        "4c20e6f5cc11b93731e74cbe20739821d61c3563c9f50ecb884a27cd369f01fb",
        # RFC 5849 1.2: temporary secret
        "6aa14267d94944e6b6483c81f5ad37f87bbc7e88aa368d4aba1e71e0b79cd8c4",
        # RFC 5849 1.2: token
        "bb9b1163338b2a51495834ad5c65420443d6327381cf0f94ebf92b117f209d72",
        # RFC 5849 1.2: token secret
        "649e1f5c769e718ba10d1a702a36499a731441d960b06da91c4c97786bf84595",
        # RFC 5849 1.2: verifier
        "5586407997f5e8492fa0d6d310460386c80cc3542de6c876f75582bc219d4b82",
        # RFC 5849 1.2: signature
        "ef70a6b4b42a061262d7437cc68287b6c3713e7c3f9c4ce57145eca9ea3d344d",
        # RFC 5849 1.2: signature
        "4ffb39dc4039f5068e77172a6d557c26e99fce71ce03c62956cc4bfdab556466",
        # RFC 5849 1.2: signature
        "d23ee98586e62c72573d8f49a42ddb5b0950cae3a1eee4d66a0a8283e3c134eb",
        # RFC 5849 3.1: consumer key
        "80f8b7c904d4a43f3b7036db73247daafe15b3f647b337d19031ff67b7c1a177",
        # RFC 5849 3.1: token
        "2ff8b0fb93aca981c78f1e94355c298c23435461f1072ef4674848e620371787",
        # RFC 5849 3.1: signature
        "764acfc9bee70965d469115f4d7eb9c8547abcf1d6db872524981bf18302b73f",
        # RFC 5849 3.1: consumer secret
        "c20fbc2b96183894fb46187909d02afbef5b1b56398ece2a653745dbfb407553",
        # RFC 5849 3.1: token secret
        "b87dad10a32a2d81aa2e36e31e258b36ac0c3b07d1c1d5837185e206e17e3a06",
        # RFC 5849 3.4.1.1: signature
        "082bff0ad603c43d7f196cbc5780609be15c6c89f9c341a1a9d3018911534995",
        # RFC 5849 3.5.1: consumer key
        "8d567eb88afff34f31ab97fbb2731e582703bdeaf3c92b989cf568e0b23cef31",
        # RFC 5849 3.5.1: token
        "9d03b692e941d5ace207a9f8048834439f6de98e5c6c1590c22c4f4577c88a42",
        # RFC 5849 3.5.1: signature
        "c4ad638fad0d7ca4e1833dbebb075155fec718679e6a055fffb09e765592b003",
        # RFC 7617 2 / RFC 2617: Basic credentials (Aladdin:open sesame)
        "cf4d418ed3de92d71f767db5391d5a2dacd40e1ce49e75d1137e2ecf4982d844",
        # RFC 7617 2: Basic credentials (test:123, UTF-8)
        "687da00b09c83361bf3a2853b3a0c7d63ca5da870c8d3cdc20905c7aa546840a",
        # RFC 7519 3.1: example JWT
        "8d4ef6536dc8895f256c1e0d95dcd19763036732d64a095e44a90ed444267ad3",
        # jwt.io: the debugger's example JWT
        "7f75367e7881255134e1375e723d1dea8ad5f6a4fdb79d938df1f1754a830606",
        # Stripe API docs: test secret key
        "2cafc0970149a84f3b9e62eaf169f36f59907a3b3e31f7b82e68c69cd27f7326",
        # Stripe API docs: test secret key
        "f2d6ca16515033e5dce14eba840b979d27b5cbae24bb3e5bf484339667f86397",
        # AWS docs: access key id
        "1a5d44a2dca19669d72edf4c4f1c27c4c1ca4b4408fbb17f6ce4ad452d78ddb3",
        # AWS docs: secret access key
        "78314b11be2e581549ac1c4f616563fad3fdf0c3b71678f6e2299182080e0598",
        # AWS docs: access key id
        "c6ea27c534f993d31f0aef882e3d200e7b87470c379ae79c8f9b19d3bd363dc9",
        # AWS docs: secret access key
        "e21b597ba6b9cafa59d9ebc4d65c0385f5eb3fa56abab2607fa76589ad849a33",
        # Slack docs: bot token
        "0e3fd41c01a697720785471d7455850841950378123a3448f925c8687a8a4fa1",
        # Flask docs (config.rst): SECRET_KEY to replace
        "2598f7d6adc142d88161630f3db12ab2bd3403521c281811e5e1ce60d4ac5d76",
        # Flask docs (config.rst): SECRET_KEY to replace
        "9cb335cb7b5fb805934637d85c4f57c695baac019c0a57ceffd0afe43144c9cb",
    }
)
# How many lines either side of a secret a `near` pattern may stand on.
NEAR_LINES = 4


def documented(secret: str) -> bool:
    """A value printed in an RFC, a vendor's documentation or a framework's guide."""
    return hashlib.sha256(secret.encode()).hexdigest() in DOCUMENTATION_VALUES


def _jwt_claims(secret: str) -> dict[str, object] | None:
    parts = secret.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


def _anonymous_jwt(secret: str) -> bool:
    """Supabase's anon key: a JWT whose role is `anon`, meant to ship in the browser."""
    claims = _jwt_claims(secret)
    return claims is not None and claims.get("role") == "anon"


@dataclass(frozen=True)
class PublicKind:
    """One kind of key that is public by design."""

    name: str
    shape: re.Pattern[str]  # the whole secret
    near: re.Pattern[str] | None = None  # must stand within `lines` lines (0: the same line)
    lines: int = NEAR_LINES
    check: Callable[[str], bool] | None = None  # a further test of the value itself


HEX32 = re.compile(r"[a-f0-9]{32}")
PUBLIC_KINDS = (
    PublicKind(
        "Algolia search-only key (DocSearch and InstantSearch snippets)",
        HEX32,
        re.compile(
            r"(?i)docsearch|\bindexName\b|search[_-]?only|search_?api_?key|searchKey|"
            r"instantsearch|algoliasearch\s*\([^)]*search"
        ),
    ),
    PublicKind("Stripe publishable key", re.compile(r"pk_(?:live|test)_[A-Za-z0-9]{20,247}")),
    PublicKind(
        "Firebase browser config API key",
        re.compile(r"AIza[A-Za-z0-9_-]{35}"),
        re.compile(r"(?i)authDomain|firebaseapp\.com|messagingSenderId|firebaseConfig"),
    ),
    PublicKind(
        "Google Maps JavaScript API key in a script URL",
        re.compile(r"AIza[A-Za-z0-9_-]{35}"),
        re.compile(r"maps\.googleapis\.com/maps/api/js"),
        lines=0,
    ),
    PublicKind("Supabase publishable key", re.compile(r"sb_publishable_[A-Za-z0-9_-]{20,64}")),
    PublicKind(
        "Supabase anon key",
        re.compile(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"),
        check=_anonymous_jwt,
    ),
    PublicKind("Mapbox public token", re.compile(r"pk\.eyJ1[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")),
    PublicKind("PostHog project API key", re.compile(r"phc_[A-Za-z0-9]{32,64}")),
    PublicKind(
        "Sentry DSN public key",
        HEX32,
        re.compile(r"(?i)@(?:[\w-]+\.)*(?:ingest\.)?sentry\.io\b|\bsentry[_-]?dsn"),
        lines=0,
    ),
    PublicKind(
        "Mixpanel project token",
        HEX32,
        re.compile(r"(?i)mixpanel\.init\s*\(|mixpanel_?token"),
        lines=0,
    ),
    PublicKind(
        "reCAPTCHA or Turnstile site key",
        re.compile(r"6L[A-Za-z0-9_-]{38}|0x4AAAAAAA[A-Za-z0-9_-]{10,30}"),
        re.compile(r"(?i)site_?key|recaptcha|turnstile"),
        lines=0,
    ),
)


def public_by_design(secret: str, nearby: Callable[[int], str]) -> str | None:
    """The kind of public key `secret` is, or None. `nearby(n)` gives the text of the secret's
    line and `n` lines either side (asked only when a kind's shape fits)."""
    for kind in PUBLIC_KINDS:
        if kind.shape.fullmatch(secret) is None:
            continue
        if kind.check is not None and not kind.check(secret):
            continue
        if kind.near is None or kind.near.search(nearby(kind.lines)) is not None:
            return kind.name
    return None
