"""Every source feeds the same findings stage; archives and large content inside any of them."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from scaffold.cli import main
from scaffold.scan import archives, matching
from scaffold.scan.engine import scan
from scaffold.scan.model import Finding, ScanOptions, ScanResult
from scaffold.scan.sources import SOURCES, source_class
from scaffold.scan.sources.directory import DirectorySource
from scaffold.scan.sources.history import HistorySource
from scaffold.scan.sources.message import MessageSource
from scaffold.scan.sources.range import RangeSource
from scaffold.scan.sources.staged import StagedSource
from tests import tokens
from tests.gitrepo import GitRepo, git

OPTIONS = ScanOptions(jobs=1)


def identity(finding: Finding) -> tuple[str, str, int, int, str]:
    """What must not depend on the source: the secret's rule, fingerprint and position."""
    m = finding.match
    return finding.rule.id, finding.fingerprint, m.line, m.column, finding.rule.severity.value


def test_every_registered_source_loads() -> None:
    for name in SOURCES:
        assert getattr(source_class(name), "name", None) == name


def test_the_same_content_gives_the_same_finding_through_every_source(
    repo: GitRepo, tmp_path: Path
) -> None:
    token, accepted = tokens.github_pat(501), tokens.github_pat(502)
    text = f"# settings\nTOKEN = '{token}'\nOLD = '{accepted}'\n"
    baseline = tmp_path / "known.baseline"
    repo.commit("start", {"README.md": "# app\n"})
    base = repo.head()
    repo.commit("add settings", {"app/settings.py": text})
    # the accepted secret: a baseline written by scaffold itself, used by every source below
    assert main(["scan", str(repo.path), "--format", "baseline", "-o", str(baseline)]) == 0
    baseline_json = json.loads(baseline.read_text("utf-8"))
    results = baseline_json["results"]
    results["app/settings.py"] = [e for e in results["app/settings.py"] if e["line_number"] == 3]
    baseline.write_text(json.dumps(baseline_json), "utf-8")
    options = ScanOptions(jobs=1, baseline=baseline)

    plain = tmp_path / "plain"
    (plain / "app").mkdir(parents=True)
    (plain / "app" / "settings.py").write_text(text, "utf-8")
    staged_repo = GitRepo.init(tmp_path / "staged")
    staged_repo.write("app/settings.py", text)
    git(staged_repo.path, "add", "-A")

    by_source: dict[str, ScanResult] = {
        "history": scan(HistorySource(repo.path, options), options),
        "range": scan(RangeSource(repo.path, base, "HEAD", options), options),
        "staged": scan(StagedSource(staged_repo.path, options), options),
        "directory": scan(DirectorySource(plain, options), options),
        "message": scan(MessageSource(repo.path, text.encode(), options), options),
    }
    assert set(by_source) == set(SOURCES), "a new source must join this test"
    expected = {("github-pat-classic", tokens_fingerprint(token), 2, 10, "critical")}
    for name, result in by_source.items():
        assert {identity(f) for f in result.findings} == expected, name
        assert result.suppressed == 1, name  # the baseline's secret, left out everywhere
        assert result.complete, name
        if name != "message":
            assert [p.path for f in result.findings for p in f.provenance] == ["app/settings.py"]


def tokens_fingerprint(secret: str) -> str:
    from scaffold.scan.model import fingerprint

    return fingerprint("github-pat-classic", secret)


def test_a_plain_directory_scan_finds_what_the_git_scan_of_the_same_tree_finds(
    repo: GitRepo, tmp_path: Path
) -> None:
    files = {
        "deploy/prod.env": f"STRIPE={tokens.stripe_live_key(7)}\n",
        "src/db.py": f"{tokens.generic_password_assignment(8)[0]}\n",
        "keys/id_rsa": tokens.private_key_pem(9),
        "notes.txt": "nothing here\n",
        "nested/deeper/slack.yml": f"token: {tokens.slack_bot_token(10)}\n",
    }
    repo.commit("tree", files)
    plain = tmp_path / "copy"
    for rel, content in files.items():
        (plain / rel).parent.mkdir(parents=True, exist_ok=True)
        (plain / rel).write_text(content, "utf-8")
    in_git = scan(HistorySource(repo.path, OPTIONS), OPTIONS)
    on_disk = scan(DirectorySource(plain, OPTIONS), OPTIONS)
    blob_findings = [f for f in in_git.findings if f.source.value == "blob"]

    def places(result: Sequence[Finding]) -> set[tuple[str, str, int]]:
        return {(f.fingerprint, p.path, f.match.line) for f in result for p in f.provenance}

    assert places(on_disk.findings) == places(blob_findings)
    assert len(on_disk.findings) == 4


def _zip(members: dict[str, bytes], *, encrypted: str = "") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    raw = bytearray(out.getvalue())
    if encrypted:  # mark one member encrypted, as a password-protected zip does
        with zipfile.ZipFile(io.BytesIO(bytes(raw))) as archive:
            local = archive.getinfo(encrypted).header_offset
        raw[local + 6] |= 0x1  # general purpose flags of its local header
        at = raw.find(b"PK\x01\x02")
        while at >= 0:  # and of its central directory entry
            name_length = int.from_bytes(raw[at + 28 : at + 30], "little")
            if raw[at + 46 : at + 46 + name_length] == encrypted.encode():
                raw[at + 8] |= 0x1
                break
            at = raw.find(b"PK\x01\x02", at + 1)
    return bytes(raw)


def _tar_gz(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def test_secrets_inside_nested_archives_are_found_and_placed(repo: GitRepo) -> None:
    deep, shallow, gz = tokens.github_pat(601), tokens.github_pat(602), tokens.github_pat(603)
    inner = _zip({"settings/prod.py": f"TOKEN = '{deep}'\n".encode()})
    bundle = _tar_gz({"release/config.zip": inner, "release/app.env": f"T={shallow}\n".encode()})
    repo.commit(
        "backups",
        {
            "backups/site.tar.gz": bundle,
            "backups/dump.sql.gz": gzip.compress(f"insert '{gz}';\n".encode()),
            "lib/app.jar": _zip({"META-INF/app.properties": f"k={shallow}\n".encode()}),
        },
    )
    result = scan(HistorySource(repo.path, OPTIONS), OPTIONS)
    found = {(f.match.secret, p.path) for f in result.findings for p in f.provenance}
    assert found == {
        (deep, "backups/site.tar.gz!release/config.zip!settings/prod.py"),
        (shallow, "backups/site.tar.gz!release/app.env"),
        (shallow, "lib/app.jar!META-INF/app.properties"),
        (gz, "backups/dump.sql.gz"),
    }
    assert result.complete


def test_archives_too_deep_encrypted_corrupt_or_a_bomb_are_refused_and_listed(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    kept = tokens.github_pat(611)
    level = _zip({"deepest.env": f"T={tokens.github_pat(612)}\n".encode()})
    for depth in range(archives.MAX_DEPTH):
        level = _zip({f"level{depth}.zip": level})
    repo.commit(
        "odd archives",
        {
            "deep.zip": level,
            "locked.zip": _zip({"a.txt": b"x", "secret.env": b"hidden"}, encrypted="secret.env"),
            "broken.zip": b"PK\x03\x04" + b"\x00" * 40,
            "bomb.zip": _zip({"zeros.bin": b"\x00" * (4 * archives.RATIO_FLOOR)}),
            "ok.env": f"T={kept}\n",
        },
    )
    result = scan(HistorySource(repo.path, OPTIONS), OPTIONS)
    assert {f.match.secret for f in result.findings} == {kept}
    reasons = {s.place: s.reason for s in result.skipped}
    assert reasons["deep.zip!level2.zip!level1.zip!level0.zip"].startswith("archive nested more")
    assert reasons["locked.zip!secret.env"].startswith("encrypted member")
    assert reasons["broken.zip"].startswith("corrupt archive")
    assert "possible archive bomb" in reasons["bomb.zip"]
    assert not result.complete
    capsys.readouterr()
    assert main(["scan", str(repo.path), "--format", "json", "--no-progress"]) == 4
    assert "bomb.zip" in capsys.readouterr().err


def test_a_large_text_blob_is_scanned_in_windows_and_nothing_on_an_edge_is_lost(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(matching, "WINDOW", 1 << 20)  # small windows: many edges, quickly
    edge, late = tokens.github_pat(621), tokens.github_pat(622)
    line = b"log line that says nothing at all\n"
    head = line * ((1 << 20) // len(line))
    # the token straddles the first window's edge
    body = head[: (1 << 20) - 20] + f"\ntoken={edge}\n".encode() + line * 100_000
    body += f"last={late}\n".encode()
    repo.commit("big log", {"big.log": body})
    result = scan(HistorySource(repo.path, OPTIONS), OPTIONS)
    got = {f.match.secret: f.match.line for f in result.findings}
    assert got == {edge: body[: body.index(edge.encode())].count(b"\n") + 1,
                   late: body.count(b"\n")}  # fmt: skip
    assert result.complete


def test_a_100_mb_text_file_holding_a_credential_is_found(tmp_path: Path) -> None:
    token = tokens.github_pat(631)
    target = tmp_path / "plain" / "huge.log"
    target.parent.mkdir()
    chunk = b"2024-01-01 INFO request served in 12 ms\n" * 25_000  # 1 MB
    with target.open("wb") as out:
        for _ in range(100):
            out.write(chunk)
        out.write(f"GITHUB_TOKEN={token}\n".encode())
    result = scan(DirectorySource(target.parent, OPTIONS), OPTIONS)
    assert [(f.match.secret, f.match.line) for f in result.findings] == [(token, 2_500_001)]
    assert result.complete


def test_rules_for_certain_files_see_the_path_in_every_source(
    repo: GitRepo, tmp_path: Path
) -> None:
    from scaffold.scan.examples import expand

    key = expand("{{hex:32}}", 641)  # a Rails master key: 32 hex digits and nothing else
    other = expand("{{hex:32}}", 642)
    files = {"config/master.key": f"{key}\n", "notes/checksum.txt": f"{other}\n"}
    repo.commit("rails app", files)
    plain = tmp_path / "plain"
    staged = GitRepo.init(tmp_path / "staged")
    for rel, text in files.items():
        (plain / rel).parent.mkdir(parents=True, exist_ok=True)
        (plain / rel).write_text(text, "utf-8")
        staged.write(rel, text)
    git(staged.path, "add", "-A")
    for source in (
        HistorySource(repo.path, OPTIONS),
        DirectorySource(plain, OPTIONS),
        StagedSource(staged.path, OPTIONS),
    ):
        result = scan(source, OPTIONS)
        found = {(f.rule.id, f.match.secret) for f in result.findings}
        assert found == {("rails-master-key", key)}, source.name  # the same hex elsewhere: no
