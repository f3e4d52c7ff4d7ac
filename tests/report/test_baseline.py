"""detect-secrets baselines: read real ones, write ones it reads, never hold a secret."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from scaffold.errors import UsageError
from scaffold.report import REPORTERS
from scaffold.scan.baseline import Baseline, hash_secret
from scaffold.scan.model import Match
from tests.gitrepo import GitRepo
from tests.report.sample import Tokens, all_secrets, sample_results

DETECT_SECRETS = Path(sys.executable).parent / "detect-secrets"


def _match(secret: str) -> Match:
    return Match("any-rule", secret, 0, len(secret), 1, 1)


def _write_ours(path: Path, tokens: Tokens) -> None:
    out = io.StringIO()
    REPORTERS["baseline"](sample_results(tokens), out)
    path.write_text(out.getvalue(), encoding="utf-8")


def test_reads_a_baseline_made_by_detect_secrets(repo: GitRepo, tokens: Tokens) -> None:
    repo.commit(
        "config",
        {
            "settings.py": f'password = "{tokens.password}"\n',
            "aws.env": f"AWS_ACCESS_KEY_ID={tokens.aws_id}\n",
        },
    )
    scan = subprocess.run(
        [str(DETECT_SECRETS), "scan"], cwd=repo.path, input=b"", capture_output=True, check=True
    )
    (repo.path / ".secrets.baseline").write_bytes(scan.stdout)

    baseline = Baseline.load(repo.path / ".secrets.baseline")

    assert {"settings.py", "aws.env"} <= baseline.files
    assert baseline.suppresses(_match(tokens.aws_id))
    assert baseline.suppresses(_match(tokens.password))
    assert not baseline.suppresses(_match(tokens.aws_secret))
    assert not baseline.suppresses(_match(tokens.github))


def test_round_trip_suppresses_every_finding(tmp_path: Path, tokens: Tokens) -> None:
    path = tmp_path / ".secrets.baseline"
    _write_ours(path, tokens)
    baseline = Baseline.load(path)
    for result in sample_results(tokens):
        for finding in result.findings:
            assert baseline.suppresses(finding.match)
    assert not baseline.suppresses(_match(tokens.github + "x"))


def test_detect_secrets_reads_our_baseline(tmp_path: Path, tokens: Tokens) -> None:
    path = tmp_path / ".secrets.baseline"
    _write_ours(path, tokens)
    # a separate interpreter: detect-secrets' loader configures process-wide settings
    code = (
        "import json, sys\n"
        "from detect_secrets.core import baseline\n"
        "secrets = baseline.load(baseline.load_from_file(sys.argv[1]), sys.argv[1])\n"
        "print(json.dumps(sorted({(f, s.secret_hash, s.type) for f, s in secrets})))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(path)], input=b"", capture_output=True, check=True
    )
    loaded = {tuple(item) for item in json.loads(proc.stdout)}
    assert ("deploy/ci.sh", hash_secret(tokens.github), "GitHub Token") in loaded
    assert ("deploy/ci-old.sh", hash_secret(tokens.github), "GitHub Token") in loaded
    assert {h for _, h, _ in loaded} == {hash_secret(s) for s in all_secrets(tokens)}


def test_written_baseline_has_detect_secrets_shape(tokens: Tokens) -> None:
    from detect_secrets.__version__ import VERSION

    out = io.StringIO()
    REPORTERS["baseline"](sample_results(tokens), out, show_secrets=True)
    document = json.loads(out.getvalue())
    assert document["version"] == VERSION
    assert any(p["name"] == "GitHubTokenDetector" for p in document["plugins_used"])
    assert document["filters_used"]
    assert document["generated_at"] == "2023-11-14T22:13:20Z"  # SOURCE_DATE_EPOCH
    entry = document["results"]["config/settings.py"][0]
    assert entry == {
        "type": "Secret Keyword",
        "filename": "config/settings.py",
        "hashed_secret": hash_secret(tokens.password),
        "is_verified": False,
        "line_number": 7,
    }


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("{not json", "is not valid JSON (line 1, column 2)"),
        ("[]", "expected a JSON object at the top"),
        ('{"version": "1.5.0"}', '"results" must be an object keyed by file name'),
        ('{"results": {"a.py": {}}}', "\"results\" entry for 'a.py' must be a list"),
        ('{"results": {"a.py": [{"type": "x"}]}}', "an entry for 'a.py' has no \"hashed_secret\""),
        ('{"version": 2, "results": {}}', '"version" must be a string'),
    ],
)
def test_broken_baselines_are_one_clear_line(tmp_path: Path, content: str, why: str) -> None:
    path = tmp_path / "broken.baseline"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError) as raised:
        Baseline.load(path)
    message = raised.value.message
    assert str(path) in message and why in message and "\n" not in message


def test_missing_baseline(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        Baseline.load(tmp_path / "nope.baseline")


def test_loading_never_runs_plugins_named_in_a_baseline(tmp_path: Path) -> None:
    # detect-secrets' own loader would import this file; ours reads the baseline as data
    marker = tmp_path / "ran"
    plugin = tmp_path / "evil.py"
    plugin.write_text(f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")
    path = tmp_path / ".secrets.baseline"
    path.write_text(
        json.dumps(
            {
                "version": "1.5.0",
                "plugins_used": [{"name": "Evil", "path": f"file://{plugin}"}],
                "filters_used": [{"path": f"file://{plugin}::f"}],
                "results": {},
            }
        ),
        encoding="utf-8",
    )
    assert Baseline.load(path).hashed_secrets == frozenset()
    assert not marker.exists()


def test_timestamp_can_be_injected(monkeypatch: pytest.MonkeyPatch) -> None:
    from scaffold.report.baseline import build

    assert build([], timestamp="2000-01-01T00:00:00Z")["generated_at"] == "2000-01-01T00:00:00Z"
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert build([])["generated_at"] != "2023-11-14T22:13:20Z"  # now, not the pinned epoch


def test_every_type_we_write_is_a_detect_secrets_plugin_type() -> None:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    from scaffold.report.baseline import _PLUGIN_TYPES, FALLBACK_TYPE
    from scaffold.scan.rulecache import cached_ruleset

    plugin_types = set(get_mapping_from_secret_type_to_class())
    assert FALLBACK_TYPE in plugin_types
    assert set(_PLUGIN_TYPES) <= plugin_types
    rule_ids = {rule.id for rule in cached_ruleset().rules}
    mapped = [rule for rules in _PLUGIN_TYPES.values() for rule in rules]
    assert sorted(set(mapped) - rule_ids) == [], "a mapping names a rule that does not exist"
    assert len(mapped) == len(set(mapped)), "a rule is mapped twice"


def test_detect_secrets_audits_and_accepts_a_baseline_we_wrote(repo: GitRepo) -> None:
    from tests.tokens import aws_key_pair, stripe_live_key

    key_id, secret_key = aws_key_pair(3)
    repo.commit(
        "config",
        {
            "creds.ini": f"aws_access_key_id = {key_id}\naws_secret_access_key = {secret_key}\n",
            "pay.py": f'STRIPE = "{stripe_live_key(4)}"\n',
        },
    )
    scaffold = Path(sys.executable).parent / "scaffold"
    written = subprocess.run(
        [str(scaffold), "scan", ".", "--format", "baseline", "--output", ".secrets.baseline"],
        cwd=repo.path,
        input=b"",
        capture_output=True,
        check=False,
    )
    assert written.returncode == 0, written.stderr.decode()
    document = json.loads((repo.path / ".secrets.baseline").read_text(encoding="utf-8"))
    types = {e["type"] for entries in document["results"].values() for e in entries}
    assert {"AWS Access Key", "Stripe Access Key"} <= types
    audit = subprocess.run(
        [str(DETECT_SECRETS), "audit", ".secrets.baseline", "--report"],
        cwd=repo.path,
        input=b"",
        capture_output=True,
        check=False,
    )
    assert audit.returncode == 0, audit.stderr.decode()[-500:]
    reported = {t for item in json.loads(audit.stdout)["results"] for t in item["types"]}
    assert {"AWS Access Key", "Stripe Access Key"} <= reported
    # its commit hook takes the AWS pair as known: same type, same hash, same file (it would
    # still flag the Stripe key, under its entropy plugin's type too: see docs/scan.md). Exit 3
    # is "baseline rewritten": it drops entries its own plugins do not find, and nothing new.
    hook = subprocess.run(
        [str(DETECT_SECRETS) + "-hook", "--baseline", ".secrets.baseline", "creds.ini"],
        cwd=repo.path,
        input=b"",
        capture_output=True,
        check=False,
    )
    assert hook.returncode in (0, 3), hook.stdout.decode()[-800:]
    assert b"Potential secrets about to be committed" not in hook.stdout
