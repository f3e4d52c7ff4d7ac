"""Copier's copy as the wizard runs it: hooked for speed, and the same without the hooks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, FileSystemLoader
from jinja2.ext import Extension

from scaffold.new import baseline, fastcopy
from scaffold.new.wizard import ServiceRequest, create_service
from scaffold.paths import cache_root
from tests.gitrepo import git
from tests.new.wizard_support import tiny_template


class CountingPreprocess(Extension):
    """Stands in for Copier's yield tag, which resets its state in `preprocess`."""

    calls = 0

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        CountingPreprocess.calls += 1
        return source


def test_strings_are_compiled_once_but_still_preprocessed() -> None:
    env = fastcopy.compile_once(Environment(extensions=[CountingPreprocess]))
    CountingPreprocess.calls = 0
    first = env.from_string("{{ name }}-svc")
    again = env.from_string("{{ name }}-svc")
    assert again is first, "the second call reused the compiled template"
    assert CountingPreprocess.calls == 2, "extensions still see every string"
    assert again.render(name="api") == "api-svc"
    assert env.from_string("{{ name }}-db").render(name="api") == "api-db"


def test_file_templates_are_cached_by_name_not_by_clone_path(tmp_path: Path) -> None:
    def clone(where: Path, text: str) -> Environment:
        where.mkdir(parents=True)
        (where / "README.md.jinja").write_text(text, encoding="utf-8")
        return fastcopy.compile_once(Environment(loader=FileSystemLoader(str(where))))

    first = clone(tmp_path / "clone-1", "# {{ name }}\n")
    assert first.get_template("README.md.jinja").render(name="api") == "# api"
    assert list((cache_root() / "jinja").glob("*.cache")), "the compiled template was kept"

    compiled: list[str] = []
    second = clone(tmp_path / "clone-2", "# {{ name }}\n")
    original = second.compile

    def spy(source: Any, *args: Any, **kwargs: Any) -> Any:
        compiled.append(str(source))
        return original(source, *args, **kwargs)

    second.compile = spy  # type: ignore[method-assign]
    assert second.get_template("README.md.jinja").render(name="db") == "# db"
    assert compiled == [], "a new clone of the same template reused the compiled code"

    edited = clone(tmp_path / "clone-3", "## {{ name }} (edited)\n")
    assert edited.get_template("README.md.jinja").render(name="db") == "## db (edited)"


def test_every_written_file_is_reported_as_it_is_written(tmp_path: Path) -> None:
    template = tiny_template(tmp_path / "template")
    staging = tmp_path / "staging"
    staging.mkdir()
    told: list[str] = []
    fastcopy.copy(str(template), staging, told.append, defaults=True, quiet=True, vcs_ref="v1.0.0")
    written = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file())
    assert sorted(told) == written
    assert "src/app.py" in told and ".copier-answers.yml" in told


def service(tmp_path: Path, name: str) -> tuple[Path, baseline.BaselineScan]:
    """Generate with the wizard; return the repository and the baseline scan it used."""
    template = tiny_template(tmp_path / f"template-{name}")
    used: list[baseline.BaselineScan] = []

    class Recorded(baseline.BaselineScan):
        def __init__(self, root: Path, workers: int | None = None) -> None:
            super().__init__(root, workers)
            used.append(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("scaffold.new.wizard.BaselineScan", Recorded)
        made = create_service(
            ServiceRequest(
                dest=tmp_path / name,
                template=str(template),
                interactive=False,
                hooks=False,
                cwd=tmp_path,
                data={"service_name": name},
            )
        )
    return made.path, used[0]


def test_the_baseline_scan_keeps_up_with_copier(tmp_path: Path) -> None:
    path, scan = service(tmp_path, "hooked")
    tracked = git(path, "ls-files").split()
    assert scan.late == (), "every staged file was scanned while Copier rendered"
    assert ".secrets.baseline" in tracked


def test_without_copiers_worker_the_copy_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hooked, _ = service(tmp_path, "svc-a")
    monkeypatch.setattr(fastcopy, "_staging_worker", lambda _on_file: None)
    plain, scan = service(tmp_path, "svc-b")
    files = git(plain, "ls-files").split()
    assert files == git(hooked, "ls-files").split()
    # told nothing, the baseline scanned every staged file itself (the baseline is not staged yet)
    assert sorted(scan.late) == sorted(f for f in files if f != ".secrets.baseline")
    assert (plain / "src/app.py").read_text(encoding="utf-8") == 'NAME = "svc-b"\n'


@pytest.mark.parametrize("name", ["defaults", "gitlab"])
def test_the_hooked_copy_renders_the_real_template_byte_for_byte(
    tmp_path: Path, rendered: dict[str, Path], name: str
) -> None:
    # the frozen render context and the compile caches change nothing in what is written
    from tests.new.generated import ANSWER_SETS, TEMPLATE, tree

    staging = tmp_path / "hooked"
    staging.mkdir()
    fastcopy.copy(
        str(TEMPLATE), staging, None, data=dict(ANSWER_SETS[name]), defaults=True, quiet=True
    )
    plain = rendered[name]
    assert tree(staging) == tree(plain)
    for path in tree(plain):
        assert (staging / path).read_bytes() == (plain / path).read_bytes(), path
