"""The Detector: both engines agree, filters hold, odd input never breaks it."""

from __future__ import annotations

import base64
import random
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scaffold.errors import UsageError
from scaffold.paths import cache_root
from scaffold.scan.detect import Detector
from scaffold.scan.examples import aws_documentation_keys, expand
from scaffold.scan.model import Match, Validation
from scaffold.scan.rules import load_rules, split_example
from tests import tokens

RULESET = load_rules()
HYPERSCAN = Detector(RULESET, engine="hyperscan")
PYTHON = Detector(RULESET, engine="python")


def corpus(seed: int) -> bytes:
    """All rules' examples and negatives, source-like filler, binary noise, one long line."""
    rng = random.Random(seed)
    parts = []
    for rule in RULESET.rules:
        for example in (*rule.examples, *rule.negatives):
            parts.append(split_example(expand(example, seed))[0])
            parts.append(rng.choice(["def f(x):\n    return x + 1\n", "const a = {b: 1};\n", ""]))
    text = "\n".join(parts).encode()
    noise = rng.randbytes(4096)
    minified = b"var a=" + b";".join(f"k{i}='{i * 7919}'".encode() for i in range(2000))
    return text + noise + minified + text[: len(text) // 2]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_both_engines_report_the_same_matches(seed: int) -> None:
    data = corpus(seed)
    found = HYPERSCAN.scan(data)
    assert len(found) > len(RULESET.rules)  # the corpus really exercises the rules
    assert found == PYTHON.scan(data)


@pytest.mark.parametrize("dense", [False, True])
def test_hyperscan_lists_match_ends_or_falls_back_to_keyword_lines(
    dense: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hyperscan lists where each pattern's matches end, and only those lines are searched
    again; on content too dense to list it rescans reporting each pattern once and searches the
    keyword lines. Either way it finds what the Python engine finds."""
    from scaffold.scan import prefilter

    monkeypatch.setattr(prefilter, "DENSE_ENDS", -(10**9) if dense else 10**9)
    detector = Detector(RULESET, engine="hyperscan")
    data = corpus(4)
    said = detector._prefilter.candidates(data)
    assert (said.ends is None) == dense
    if not dense:  # only line-by-line rules' ends are listed, for every one of them
        assert said.ends and all(not detector._content[rule].multiline for rule in said.ends)
        assert {r for r in said.rules if not detector._content[r].multiline} == set(said.ends)
    assert (detector._prefilter._once is not None) == dense  # type: ignore[attr-defined]
    found = detector.scan(data)
    assert len(found) > len(RULESET.rules)
    assert found == PYTHON.scan(data)


def test_python_engine_without_pyahocorasick_reports_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_ahocorasick(name: str, *args: object, **kwargs: object) -> object:
        if name == "ahocorasick":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_ahocorasick)
    plain = Detector(RULESET, engine="python")
    assert plain._prefilter._automaton is None  # type: ignore[attr-defined]
    data = corpus(3)
    assert plain.scan(data) == HYPERSCAN.scan(data)


def test_both_engines_agree_on_every_example_alone() -> None:
    for rule in RULESET.rules:
        for example in (*rule.examples, *rule.negatives):
            data = split_example(expand(example, 5))[0].encode()
            assert HYPERSCAN.scan(data) == PYTHON.scan(data), (rule.id, data)


def test_engine_names_and_unknown_engine() -> None:
    assert (HYPERSCAN.engine_name, PYTHON.engine_name) == ("hyperscan", "python")
    assert Detector(RULESET).engine_name == "hyperscan"  # auto prefers hyperscan when present
    with pytest.raises(UsageError, match="unknown engine 're2'"):
        Detector(RULESET, engine="re2")


def test_hyperscan_database_is_cached_for_the_next_process() -> None:
    Detector(RULESET, engine="hyperscan")
    assert list(cache_root().glob("hyperscan-*.db"))
    started = time.perf_counter()
    Detector(RULESET, engine="hyperscan")
    assert time.perf_counter() - started < 1.0


def test_a_corrupt_cached_database_is_rebuilt() -> None:
    Detector(RULESET, engine="hyperscan")
    for path in cache_root().glob("hyperscan-*.db"):
        path.write_bytes(b"not a hyperscan database")
    pat = tokens.github_pat()
    assert [m.secret for m in Detector(RULESET, "hyperscan").scan(pat.encode())] == [pat]


def scan_both(text: str | bytes) -> list[Match]:
    """What both engines report a person should see (matches a pragma accepts are left out)."""
    data = text.encode() if isinstance(text, str) else text
    found = HYPERSCAN.scan(data)
    assert found == PYTHON.scan(data)
    return [m for m in found if not m.allowed]


def test_match_positions_lines_and_order() -> None:
    pat, slack = tokens.github_pat(), tokens.slack_bot_token()
    text = f"first line\n  token = {slack}\nx = 1\n\turl: {pat}\n"
    found = scan_both(text)
    assert [(m.rule_id, m.secret, m.line, m.column) for m in found] == [
        ("slack-bot-token", slack, 2, 11),
        ("github-pat-classic", pat, 4, 7),
    ]
    assert found[1].validation is Validation.CHECKSUM_VALID
    assert text.encode()[found[1].start : found[1].end] == pat.encode()


def test_wrong_checksum_and_documentation_keys_are_not_findings() -> None:
    key_id, secret = aws_documentation_keys()
    text = f"{tokens.github_pat_bad_checksum()}\naws_access_key_id={key_id}\n"
    assert scan_both(text + f"aws_secret_access_key={secret}\n") == []


def test_a_refuted_token_is_not_reported_by_a_generic_rule_either() -> None:
    # `token = "<value>"` fits the generic assignment rule; the wrong checksum says it is no token
    bad = tokens.github_pat_bad_checksum()
    assert scan_both(f'token = "{bad}"\nGITHUB_TOKEN: "{bad}"\n') == []


def test_provider_rule_wins_over_generic_rule_on_the_same_secret() -> None:
    pat = tokens.github_pat()
    assert [m.rule_id for m in scan_both(f'token = "{pat}"\n')] == ["github-pat-classic"]


def test_a_key_file_is_reported_as_the_provider_key_not_also_as_a_pem_block() -> None:
    pem = tokens.private_key_pem().replace("RSA PRIVATE KEY", "PRIVATE KEY").replace("\n", "\\n")
    text = '{"type": "service_account", "private_key": "' + pem + '", "client_id": "1"}'
    assert [m.rule_id for m in scan_both(text)] == ["gcp-service-account-key"]


def test_pragmas_allowlist_the_line_and_the_next_line() -> None:
    pat = tokens.github_pat()
    assert scan_both(f"t = '{pat}'  # pragma: allowlist secret\n") == []
    # the detector still says what it saw: the findings stage counts it as suppressed
    assert [
        m.allowed for m in PYTHON.scan(f"t = '{pat}'  # pragma: allowlist secret\n".encode())
    ] == [True]
    assert scan_both(f"# pragma: allowlist nextline secret\nt = '{pat}'\n") == []
    # The nextline pragma covers one line only.
    found = scan_both(f"# pragma: allowlist nextline secret\nx = 1\nt = '{pat}'\n")
    assert [m.line for m in found] == [3]


def test_templated_and_referenced_values_are_not_findings() -> None:
    lines = [
        'password = "${DB_PASSWORD}"',
        'password = "{{ db_password }}"',
        "password = os.environ['DB_PASSWORD']",
        "const token = process.env.API_TOKEN;",
        'api_key = getenv("API_KEY")',
        'secret = "<your-secret-here>"',
        'password = "%(password)s"',
        "password = get_secret('db')",
    ]
    assert scan_both("\n".join(lines)) == []


def test_kubernetes_secret_data_is_decoded_and_reported_at_the_value() -> None:
    pat = tokens.github_pat()
    encoded = base64.b64encode(pat.encode()).decode()
    text = f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: gh\ndata:\n  token: {encoded}\n"
    found = scan_both(text)
    assert [(m.rule_id, m.secret, m.line, m.column) for m in found] == [
        ("github-pat-classic", pat, 6, 10)
    ]
    assert found[0].validation is Validation.CHECKSUM_VALID
    assert text.encode()[found[0].start : found[0].end] == encoded.encode()


def test_secret_manifest_values_inside_other_kinds_are_left_alone() -> None:
    value = base64.b64encode(expand("{{alnum:24}}").encode()).decode()
    assert scan_both(f"kind: ConfigMap\ndata:\n  settings: {value}\n") == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes_never_break_the_detector(data: bytes) -> None:
    scan_both(data)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "ghp_",
                "xoxb-",
                "password=",
                "kind: Secret\ndata:\n  a: ",
                "-----BEGIN RSA PRIVATE KEY-----",
                "postgres://a:",
                "@",
                "\n",
                "\xff",
                "=",
                "'",
                '"',
                "A" * 50,
            ]
        ),
        max_size=40,
    )
)
def test_fragments_of_rules_never_break_the_detector(parts: list[str]) -> None:
    scan_both("".join(parts).encode("utf-8", "surrogateescape"))


def test_one_detector_scans_from_several_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    texts = [f"t = '{tokens.github_pat(seed)}'\n" * 2000 for seed in range(8)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda text: HYPERSCAN.scan(text.encode()), texts))
    assert [len(found) for found in results] == [2000] * 8


def test_non_utf8_content_around_a_secret() -> None:
    pat = tokens.github_pat()
    data = b"\xff\xfe\x00binary\x80" + pat.encode() + b"\x00\xc3\x28"
    assert [m.secret for m in scan_both(data)] == [pat]


def test_pathological_single_line_file_stays_fast() -> None:
    rng = random.Random(7)
    pieces = [
        f"var t{i}='{rng.randbytes(12).hex()}',password{i}=k[{i}],token=f(\"{i}\");"
        for i in range(60_000)
    ]
    data = "".join(pieces).encode()[: 5 * 1024 * 1024]
    for detector in (HYPERSCAN, PYTHON):
        started = time.perf_counter()
        detector.scan(data)
        assert time.perf_counter() - started < 20


def test_user_rules_are_matched_by_both_engines(tmp_path: Path) -> None:
    rule_file = tmp_path / "acme.toml"
    rule_file.write_text(
        'provider = "Acme"\n[[rules]]\nid = "acme-key"\ndescription = "Acme key"\n'
        "pattern = '\\b(acme_[a-z0-9]{20})\\b'\nkeywords = [\"acme_\"]\n"
        'remediation = "Revoke it."\nexamples = ["acme_{{lower_alnum:20}}"]\n',
        encoding="utf-8",
    )
    ruleset = load_rules([rule_file])
    token = expand("acme_{{lower_alnum:20}}", 1)
    for engine in ("hyperscan", "python"):
        assert [m.secret for m in Detector(ruleset, engine).scan(token.encode())] == [token]


def test_a_keyword_counts_in_the_content_for_multiline_rules_and_on_the_line_otherwise(
    tmp_path: Path,
) -> None:
    """Hyperscan's database holds no keywords: a multiline rule whose pattern matched still
    needs one of its keywords somewhere in the content, a single-line rule on its own line,
    as the Python engine has it."""
    rule_file = tmp_path / "vault.toml"
    rule = (
        '[[rules]]\nid = "{id}"\ndescription = "Vault blob"\n'
        "pattern = '(VLT-[0-9a-f]{{24}})'\nkeywords = [\"vaultfile\"]\nmultiline = {multi}\n"
        'remediation = "Rotate it."\nexamples = ["vaultfile VLT-{{{{hex:24}}}}"]\n'
    )
    rule_file.write_text(
        'provider = "Vault"\n'
        + rule.format(id="vault-blob", multi="true")
        + rule.format(id="vault-line", multi="false"),
        encoding="utf-8",
    )
    ruleset = load_rules([rule_file])
    value = "VLT-" + expand("{{hex:24}}", 5)
    cases = {
        f"x = {value}\n": set(),  # no keyword at all
        f"# a vaultfile\nx = {value}\n": {"vault-blob"},  # a keyword, on another line
        f"vaultfile: {value}\n": {"vault-blob", "vault-line"},
    }
    for text, expected in cases.items():
        for engine in ("hyperscan", "python"):
            found = Detector(ruleset, engine).scan(text.encode())
            assert {m.rule_id for m in found} <= expected, (engine, text)
            assert {m.secret for m in found} == ({value} if expected else set()), (engine, text)
        both = [Detector(ruleset, e).scan(text.encode()) for e in ("hyperscan", "python")]
        assert both[0] == both[1]


def test_the_prefilter_drops_a_leading_anchor_and_keeps_every_match_end() -> None:
    """What Hyperscan runs for a rule matches a superset and ends where the rule's matches end:
    a leading anchor (and the blanks after it) is dropped, since an anchored pattern is searched
    from every line start."""
    import hyperscan

    from scaffold.scan.prefilter import relaxed

    lines = b"  set smtp_pass = hunter22\nset smtp_pass=xyz\n\t x=12\n[prod]\n"
    key = b"0123456789abcdef0123456789abcdef\n"
    patterns = {  # pattern: (what the prefilter runs starts so, a text it matches)
        r"(?m)^[ \t]*set[ \t]+smtp_pass[ \t]*=[ \t]*([^\s]{3,256})": (r"(?m)set[ \t]+smtp", lines),
        r"\A[ \t]*([0-9a-f]{32})[ \t]*\r?\n?$": (r"([0-9a-f]{32})", key),
        r"^[ \t]*?x=(\d+)": (r"[ \t]*?x=", b"x=1"),
        r"(?m)^\[[a-z]+\]": (r"(?m)\[[a-z]+\]", lines),
        r"a^b": (r"a^b", b""),  # not leading: kept
    }

    def ends(pattern: str, text: bytes) -> set[int]:
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        flags = [hyperscan.HS_FLAG_PREFILTER]
        db.compile(expressions=[pattern.encode()], ids=[0], elements=1, flags=flags)
        found: set[int] = set()
        db.scan(text, match_event_handler=lambda _i, _s, end, _f, _c: found.add(end))
        return found

    for pattern, (starts_with, text) in patterns.items():
        loose = relaxed(pattern)
        assert loose.startswith(starts_with), (pattern, loose)
        if text:
            assert ends(pattern, text), pattern  # the text has matches of it
            assert ends(pattern, text) <= ends(loose, text)
            assert ends(pattern, lines + key) <= ends(loose, lines + key)


def test_a_value_stops_at_a_line_end_written_inside_a_string() -> None:
    # requests' test_utils.py: a .netrc held in a Python string; the old match ran on into
    # `\ndefault\n")`, past the escaped line end.
    assert scan_both('netrc = "machine example.com login aaaa password pass\\ndefault\\n")\n') == []
    password = expand("{{alnum:16}}", 3)
    found = scan_both(f'netrc = "machine example.com login ci password {password}\\n"\n')
    assert [(m.rule_id, m.secret) for m in found] == [("netrc-password", password)]


def test_published_examples_are_not_findings() -> None:
    # RFC 6749's access token and RFC 7617's Basic credentials, as oauthlib's docstrings and
    # countless READMEs quote them; assembled from parts so no scanner flags this file.
    token = "2YotnFZFEjr1" + "zCsicMWpAA"
    basic = "QWxhZGRpbjpv" + "cGVuIHNlc2FtZQ=="
    text = f'access_token = "{token}"\nAuthorization: Basic {basic}\n'
    assert scan_both(text) == []
    other = expand("{{alnum:22}}", 4)
    assert [m.secret for m in scan_both(f'access_token = "{other}"\n')] == [other]


def test_keys_public_by_design_are_not_findings_where_they_are_used_as_such() -> None:
    search_key = expand("{{hex:32}}", 1)
    docsearch = f"docsearch({{\n  apiKey: '{search_key}',\n  indexName: 'python-requests',\n}})\n"
    assert scan_both(docsearch) == []
    firebase_key = expand("AIza{{b64url:35}}", 2)
    firebase = (
        f'const firebaseConfig = {{\n  apiKey: "{firebase_key}",\n'
        '  authDomain: "acme.firebaseapp.com",\n};\n'
    )
    assert scan_both(firebase) == []
    # The same shapes with nothing saying they are public are findings.
    assert [m.rule_id for m in scan_both(f"GOOGLE_KEY={firebase_key}\n")] == ["gcp-api-key"]
    publishable = expand("pk_live_{{alnum:24}}", 3)
    assert scan_both(f'STRIPE_KEY = "{publishable}"\n') == []


def test_names_placeholders_and_words_are_not_generic_secrets() -> None:
    lines = [
        'apiKey = ".input_apiKey_entry"',  # a CSS class
        'password = "%7BENCODED_PASSWORD%7D"',  # URL-encoded template
        'token = "#{session_token}"',  # Ruby interpolation
        'api_key = "StatelessResetToken"',  # words
        'password = "p4ssw0rd"',
        "EPASSWD_TOKEN = -0x3f879678",
    ]
    assert scan_both("\n".join(lines) + "\n") == []


def test_an_environment_password_keeps_human_choices_but_a_token_must_look_random() -> None:
    human = "Summer" + expand("{{digits:4}}", 1) + "!"
    found = scan_both(f"export DB_PASSWORD='{human}'\nSECRET_KEY = 'devkey'\n")
    assert [(m.rule_id, m.secret) for m in found] == [("env-file-password", human)]


def test_a_provider_token_in_an_environment_file_is_one_finding_under_the_provider_rule() -> None:
    pat = tokens.github_pat()
    assert [m.rule_id for m in scan_both(f"export GITHUB_TOKEN={pat}\n")] == ["github-pat-classic"]


def test_rules_with_paths_run_on_files_of_that_name_only() -> None:
    key = expand("{{hex:32}}", 5)
    data = f"{key}\n".encode()
    for detector in (HYPERSCAN, PYTHON):
        assert detector.scan(data) == []
        assert detector.scan(data, path="app/config/README") == []
        found = detector.scan(data, path="shop/config/master.key")
        assert [(m.rule_id, m.secret, m.line) for m in found] == [("rails-master-key", key, 1)]


def test_sql_dump_rows_report_the_password_column_and_leave_hashes_to_the_hash_rules() -> None:
    plain = expand("{{pw:14}}", 2)
    hashed = expand("{{crypt:bcrypt}}", 2)
    dump = (
        "INSERT INTO `users` (`id`, `name`, `password`) VALUES\n"
        f"(1, 'alice', '{plain}'),\n(2, 'bob', '{hashed}');\n"
        "INSERT INTO `posts` (`id`, `title`) VALUES (1, 'Hello');\n"
    )
    found = scan_both(dump)
    assert [(m.rule_id, m.secret, m.line) for m in found] == [
        ("sql-insert-password", plain, 2),
        ("quoted-password-hash", hashed, 3),
    ]


_PATH_PARTS = st.sampled_from(
    [
        *("config", "credentials", "master.key", "Master.key", ".pgpass", "pgpass.conf"),
        *("prod.key", "a", "", ".", "..", "x.pem"),
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_PATH_PARTS, min_size=1, max_size=5), st.booleans())
def test_rules_for_a_path_are_what_pathlib_matching_gives(parts: list[str], absolute: bool) -> None:
    """The quick test of a path's last part never changes which path rules apply."""
    from pathlib import PurePosixPath

    path = ("/" if absolute else "") + "/".join(parts)
    if not path.strip("/"):
        return
    detector = HYPERSCAN
    detector._path_rules.clear()
    where = PurePosixPath(path)
    expected = [r for r in detector._by_path if any(where.match(g) for g in r.paths)]
    assert detector._rules_for_path(path) == expected
