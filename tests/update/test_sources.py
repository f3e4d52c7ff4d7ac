"""Template sources: the packaged template versioned locally, and any tagged git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scaffold.errors import UsageError
from scaffold.update import sources
from scaffold.update.localrepo import sync_template_repo
from scaffold.update.trust import copier_settings_path
from tests.gitrepo import git
from tests.update.templates import V1_FILES, template_repo, write_tree


def tags(repo: Path) -> list[str]:
    return git(repo, "tag", "--list").split()


def test_sync_creates_one_tag_per_content(tmp_path: Path) -> None:
    tpl = write_tree(tmp_path / "tpl", V1_FILES)
    repo = tmp_path / "data" / "service"
    assert sync_template_repo(tpl, "1.0.0", repo) == ("v1.0.0", True)
    assert sync_template_repo(tpl, "1.0.0", repo) == ("v1.0.0", False)
    # same version, different content (a source checkout): a +local version, never a re-tag
    (tpl / "template" / "NEW.md").write_text("new\n", encoding="utf-8")
    assert sync_template_repo(tpl, "1.0.0", repo) == ("v1.0.0+local.1", True)
    (tpl / "template" / "NEW.md").write_text("newer\n", encoding="utf-8")
    assert sync_template_repo(tpl, "1.0.0", repo) == ("v1.0.0+local.2", True)
    # an upgrade gets its own tag; going back to known content reuses the old tag
    assert sync_template_repo(tpl, "1.1.0", repo) == ("v1.1.0", True)
    (tpl / "template" / "NEW.md").unlink()
    assert sync_template_repo(tpl, "1.0.0", repo) == ("v1.0.0", False)
    assert sorted(tags(repo)) == ["v1.0.0", "v1.0.0+local.1", "v1.0.0+local.2", "v1.1.0"]
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    assert git(repo, "show", "v1.0.0:template/settings.ini") == V1_FILES["template/settings.ini"]


def test_sync_ignores_bytecode_and_keeps_exec_bit(tmp_path: Path) -> None:
    tpl = write_tree(tmp_path / "tpl", V1_FILES)
    script = write_tree(tpl, {"migrations/run.sh": "#!/bin/sh\necho hi\n"}) / "migrations/run.sh"
    script.chmod(0o755)
    repo = tmp_path / "repo"
    sync_template_repo(tpl, "1.0.0", repo)
    write_tree(tpl, {"migrations/__pycache__/x.cpython-311.pyc": "junk"})
    assert sync_template_repo(tpl, "1.0.0", repo) == ("v1.0.0", False)
    mode = git(repo, "ls-tree", "v1.0.0", "migrations/run.sh").split()[0]
    assert mode == "100755"


def test_sync_ignores_user_git_config_and_hooks(tmp_path: Path) -> None:
    marker = tmp_path / "hook-ran"
    hooks = write_tree(tmp_path / "hooks", {"post-commit": f"#!/bin/sh\ntouch {marker}\n"})
    (hooks / "post-commit").chmod(0o755)
    gitconfig = Path(os.environ["GIT_CONFIG_GLOBAL"])
    with gitconfig.open("a", encoding="utf-8") as fh:
        fh.write(f"[core]\n\thooksPath = {hooks}\n[commit]\n\tgpgsign = true\n")
    tpl = write_tree(tmp_path / "tpl", V1_FILES)
    sync_template_repo(tpl, "1.0.0", tmp_path / "repo")
    assert not marker.exists()


def test_concurrent_syncs_make_one_tag(tmp_path: Path) -> None:
    tpl = write_tree(tmp_path / "tpl", V1_FILES)
    repo = tmp_path / "repo"
    code = (
        "import sys; from pathlib import Path;"
        "from scaffold.update.localrepo import sync_template_repo;"
        "print(sync_template_repo(Path(sys.argv[1]), '2.0.0', Path(sys.argv[2]))[0])"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tpl), str(repo)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(b"")[0].decode().strip() for p in procs]
    assert outputs == ["v2.0.0"] * 4
    assert tags(repo) == ["v2.0.0"]


def test_packaged_template_source_is_trusted_and_stable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tpl = write_tree(tmp_path / "pkg" / "service", {**V1_FILES, "VERSION": "3.1.0\n"})
    monkeypatch.setattr(sources, "packaged_template_dir", lambda: tpl)
    first = sources.packaged_template_source()
    assert first == sources.packaged_template_source()
    assert first.ref == "v3.1.0" and first.version == "3.1.0"
    assert Path(first.url).is_absolute()
    assert (
        Path(first.url) == Path(os.environ["SCAFFOLD_DATA_DIR"]) / "templates" / "scaffold-service"
    )
    settings = yaml.safe_load(copier_settings_path().read_text(encoding="utf-8"))
    assert settings["trust"] == [first.url]


def test_real_packaged_template_dir_exists() -> None:
    assert (sources.packaged_template_dir() / "copier.yml").is_file() or not any(
        sources.packaged_template_dir().iterdir()
    )


def test_resolve_path_picks_latest_tag(tmp_path: Path) -> None:
    repo = template_repo(
        tmp_path / "t",
        [("v1.0.0", V1_FILES), ("v1.2.0", {"template/x": "x"}), ("v2.0.0rc1", {"template/y": "y"})],
    )
    source = sources.resolve_template(str(repo.path))
    assert source == sources.TemplateSource(
        url=str(repo.path.resolve()), ref="v1.2.0", version="1.2.0"
    )


def test_resolve_uses_user_config(tmp_path: Path) -> None:
    repo = template_repo(tmp_path / "org-template", [("v4.0.0", V1_FILES)])
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "scaffold" / "config.toml"
    write_tree(config.parent, {"config.toml": f'template = "{repo.path}"\n'})
    assert sources.resolve_template(None).ref == "v4.0.0"


def test_resolve_file_url_is_a_local_path(tmp_path: Path) -> None:
    repo = template_repo(tmp_path / "t", [("v1.0.0", V1_FILES)])
    source = sources.resolve_template(f"file://{repo.path}")
    assert source == sources.TemplateSource(str(repo.path.resolve()), "v1.0.0", "1.0.0")
    repo.write("template/x.txt", "uncommitted\n")
    with pytest.raises(UsageError, match="uncommitted changes"):
        sources.resolve_template(f"file://{repo.path}")


def test_resolve_copier_style_url(tmp_path: Path) -> None:
    repo = template_repo(tmp_path / "t", [("v1.0.0", V1_FILES), ("v1.1.0", {"template/x": "x"})])
    source = sources.resolve_template(f"git+file://{repo.path}")
    assert (source.url, source.ref) == (f"git+file://{repo.path}", "v1.1.0")
    assert sources.git_remote("gh:acme/tpl") == "https://github.com/acme/tpl.git"
    assert sources.git_remote("gl:acme/tpl.git") == "https://gitlab.com/acme/tpl.git"


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "does not exist"),
        ("not-git", "not the root of a git repository"),
        ("no-tags", "has no version tags"),
        ("dirty", "uncommitted changes"),
        ("untracked", "uncommitted changes"),
    ],
)
def test_resolve_refuses_bad_sources(tmp_path: Path, setup: str, message: str) -> None:
    path = tmp_path / "t"
    if setup == "not-git":
        write_tree(path, V1_FILES)
    elif setup == "no-tags":
        repo = template_repo(path, [("v1.0.0", V1_FILES)])
        git(repo.path, "tag", "-d", "v1.0.0")
    elif setup in ("dirty", "untracked"):
        template_repo(path, [("v1.0.0", V1_FILES)])
        target = "template/README.md.jinja" if setup == "dirty" else "template/new.txt"
        write_tree(path, {target: "changed\n"})
    with pytest.raises(UsageError, match=message):
        sources.resolve_template(str(path))


def test_resolve_unreachable_url() -> None:
    with pytest.raises(UsageError, match="cannot be read"):
        sources.resolve_template("git+file:///nonexistent/template.git")


def test_cli_free_import_is_cheap() -> None:
    # the wizard imports sources; it must not drag Copier in
    code = "import sys, scaffold.update.sources; print('copier' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], input=b"", capture_output=True, check=True
    ).stdout
    assert out.strip() == b"False"
    assert shutil.which("git")


def test_trust_keeps_existing_copier_settings(tmp_path: Path) -> None:
    from scaffold.errors import ScaffoldError
    from scaffold.update.trust import trust_in_copier

    settings = copier_settings_path()
    write_tree(
        settings.parent, {settings.name: "defaults:\n  team: payments\ntrust:\n  - gh:acme/\n"}
    )
    assert trust_in_copier("/data/scaffold-service") is True
    assert trust_in_copier("/data/scaffold-service") is False
    data = yaml.safe_load(settings.read_text(encoding="utf-8"))
    assert data == {
        "defaults": {"team": "payments"},
        "trust": ["gh:acme/", "/data/scaffold-service"],
    }
    settings.write_text("trust: [unclosed\n", encoding="utf-8")
    with pytest.raises(ScaffoldError, match="not valid YAML"):
        trust_in_copier("/data/scaffold-service")
    assert settings.read_text(encoding="utf-8") == "trust: [unclosed\n"
