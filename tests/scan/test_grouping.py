"""One row per secret: a key repeated in every version of a file is one thing to act on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffold.cli import main
from scaffold.scan.context import context_of, context_of_places
from scaffold.scan.grouping import View, group, held_back_line, parse_contexts
from scaffold.scan.model import Confidence, Context, ScanOptions
from scaffold.scan.sources.history import HistorySource
from tests import tokens
from tests.gitrepo import GitRepo


def test_one_secret_across_200_versions_of_a_file_is_one_row(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tokens.github_pat(801)
    for version in range(200):  # flask's docs/config.rst: the same example in every version
        repo.commit(
            f"docs: edit {version}",
            {"docs/config.rst": f"Configuration\n{'=' * 13}\n\nrevision {version}\n\n"
                                f"    GITHUB_TOKEN = '{key}'\n"},
        )  # fmt: skip
    from scaffold.scan.engine import scan

    options = ScanOptions(jobs=1)
    result = scan(HistorySource(repo.path, options), options)
    assert len(result.findings) == 200  # one finding per blob version...
    (secret,) = group(result)  # ...and one secret
    assert len(secret.locations) == 200
    assert secret.first.commit == repo.commits[0] and secret.newest.commit == repo.commits[-1]
    assert secret.in_head and secret.context is Context.DOCS
    assert main(["scan", str(repo.path), "--format", "json", "--no-progress"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["summary"]["secrets"] == 1 and document["summary"]["places"] == 200
    assert main(["scan", str(repo.path), "--no-progress"]) == 1
    text = capsys.readouterr().out
    assert "1 secret (200 places)" in text and "200 places in 200 commits" in text
    table = text.split("\n\n1 secret")[0]
    assert table.count("CRITICAL") == 1  # one row


def test_contexts_from_paths() -> None:
    assert context_of("src/app/settings.py") is Context.SOURCE
    assert context_of("tests/test_auth.py") is Context.TEST
    assert context_of("pkg/auth_test.go") is Context.TEST
    assert context_of("t/t5000-tar-tree.sh") is Context.TEST
    assert context_of("docs/tutorial/tests.rst") is Context.DOCS
    assert context_of("Documentation/git-cvsserver.adoc") is Context.DOCS
    assert context_of("README.md") is Context.DOCS
    assert context_of("node_modules/lib/index.js") is Context.VENDORED
    assert context_of("requests/packages/urllib3/util/url.py") is Context.VENDORED
    assert context_of("package-lock.json") is Context.GENERATED
    assert context_of("static/app.min.js") is Context.GENERATED
    assert context_of("backups/site.zip!tests/fixture.env") is Context.TEST
    assert context_of("") is Context.SOURCE  # a commit message
    # one copy in source code makes a secret a source finding
    assert context_of_places(["tests/a.py", "app/b.py", "docs/c.md"]) is Context.SOURCE
    assert context_of_places(["tests/a.py", "docs/c.md"]) is Context.TEST


def _secret(confidence: Confidence, context: Context) -> object:
    from dataclasses import dataclass

    @dataclass
    class Fake:
        confidence: Confidence
        context: Context
        live: bool = False

    return Fake(confidence, context)


@pytest.mark.parametrize(
    ("confidence", "context", "shown"),
    [
        (Confidence.HIGH, Context.DOCS, True),  # a provider's format is never hidden
        (Confidence.HIGH, Context.TEST, True),
        (Confidence.MEDIUM, Context.SOURCE, True),
        (Confidence.MEDIUM, Context.TEST, False),
        (Confidence.MEDIUM, Context.VENDORED, False),
        (Confidence.LOW, Context.SOURCE, False),
        (Confidence.LOW, Context.DOCS, False),
    ],
)
def test_the_default_view(confidence: Confidence, context: Context, shown: bool) -> None:
    assert View().shows(_secret(confidence, context)) is shown  # type: ignore[arg-type]


def test_wider_views_and_the_held_back_line() -> None:
    tests_too = View(Confidence.MEDIUM, frozenset({Context.SOURCE, *parse_contexts("tests")}))
    assert tests_too.shows(_secret(Confidence.MEDIUM, Context.TEST))  # type: ignore[arg-type]
    assert not tests_too.shows(_secret(Confidence.LOW, Context.TEST))  # type: ignore[arg-type]
    everything = View(Confidence.LOW, frozenset({Context.SOURCE, *parse_contexts("all")}))
    assert everything.shows(_secret(Confidence.LOW, Context.GENERATED))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown context 'examples'"):
        parse_contexts("tests,examples")
    held = [_secret(Confidence.LOW, Context.SOURCE), _secret(Confidence.MEDIUM, Context.TEST)]
    assert held_back_line(held) == (  # type: ignore[arg-type]
        "2 more secrets held back (1 low-confidence, 1 in tests files): "
        "show with --confidence low --include-context tests"
    )


def test_include_context_names_are_checked_on_the_command_line(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["scan", str(repo.path), "--include-context", "fixtures"])
    assert exit_.value.code == 2
    assert "unknown context 'fixtures'" in capsys.readouterr().err


def test_paths_are_tmp_independent(tmp_path: Path) -> None:
    assert context_of(str(tmp_path / "app.py").lstrip("/")) is Context.SOURCE
