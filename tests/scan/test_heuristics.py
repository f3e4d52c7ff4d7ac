"""scaffold.scan.heuristics answers as detect-secrets' own heuristics do, without its import."""

from __future__ import annotations

import subprocess
import sys

from detect_secrets.filters import heuristic as theirs
from hypothesis import given, settings
from hypothesis import strategies as st

from scaffold.scan import heuristics as ours

# Values shaped like what the generic rules capture, and the lines around them.
VALUE_CHARS = st.sampled_from(list("abcdefABCDEF0123456789{}<>$_-=/+.()[]'\" :!\tx\n\v"))
VALUES = st.text(VALUE_CHARS, max_size=40) | st.text(max_size=20)
HAND_PICKED = [
    "",
    "$",
    "{",
    "${TOKEN}",
    "<your-token>",
    "{secret}",
    "ABCDEFGH",
    "0123456789",
    "0123456789ABCDEF",
    "abcdef",
    "xyz=/",
    "c0ffee00-1234-4abc-9def-0123456789ab",
    "C0FFEE00-1234-4ABC-9DEF-0123456789AB!",
    "ghp_R4nd0mT0k3n",
]
LINES = [
    "user_id = {v}",
    "ids: {v}",
    "myid={v}",
    "token = get_secret({v})",
    "password = request.headers['{v}']",
    "key := os.Getenv({v})",
    "secret == {v}",
    "x" * 1001 + " = f({v})",
    "api_key = {v}",
]


def _agree(value: str) -> None:
    assert ours.is_sequential_string(value) == theirs.is_sequential_string(value), value
    assert ours.is_templated_secret(value) == theirs.is_templated_secret(value), value
    assert ours.is_potential_uuid(value) == theirs.is_potential_uuid(value), value
    for template in LINES:
        line = template.replace("{v}", value)
        assert ours.is_likely_id_string(value, line) == theirs.is_likely_id_string(value, line)
        assert ours.is_indirect_reference(line) == theirs.is_indirect_reference(line), line


def test_hand_picked_values_agree() -> None:
    for value in HAND_PICKED:
        _agree(value)
    # and the cases where the answer is yes really occur among them
    assert ours.is_sequential_string("ABCDEFGH") and ours.is_templated_secret("${TOKEN}")
    assert ours.is_potential_uuid(HAND_PICKED[11])
    assert ours.is_likely_id_string("abc", "user_id = abc")
    assert ours.is_indirect_reference("token = get_secret(x)")
    assert not ours.is_indirect_reference("x" * 1001 + " = f(y)")


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_generated_values_agree(value: str) -> None:
    _agree(value)


def test_judging_a_candidate_does_not_import_detect_secrets() -> None:
    """The point of the module: a scan worker or the commit hook judging a generic candidate
    does not pay detect-secrets' (and requests') import."""
    code = (
        "import sys\n"
        "from scaffold.scan import filters\n"
        "filters.is_templated('abc'); filters.is_reference_or_id('abc', 'user_id = ')\n"
        "filters.is_reference('token = f(x)'); filters.is_natural_language('helloworld')\n"
        "filters.is_placeholder('ABCDEFGH'); filters.is_identifier('c0ffee00-1234-4abc-9def-0')\n"
        "print(sorted(m for m in ('detect_secrets', 'requests') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        stdin=subprocess.DEVNULL,
    )
    assert out.stdout.strip() == "[]"
