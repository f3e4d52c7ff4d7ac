"""The wizard's core on a tiny tagged template: answers, preflight, staging, post-generation."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from scaffold.errors import ScaffoldError, UsageError
from scaffold.new.answers import (
    load_data_file,
    missing_answers,
    parse_data_pairs,
    parse_questions,
    unknown_answers,
)
from scaffold.new.preflight import check_destination, git_defaults, owner_from_remote
from scaffold.new.review import Review
from scaffold.new.wizard import Cancelled, ServiceRequest, create_service
from tests.gitrepo import GitRepo, git
from tests.new.wizard_support import tiny_template


def assert_committed_repo(path: Path) -> None:
    """A git repository on main with one clean commit, an empty baseline and Copier's answers."""
    assert git(path, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    assert git(path, "rev-list", "--count", "HEAD").strip() == "1"
    assert git(path, "status", "--porcelain", "--untracked-files=all") == ""
    baseline = json.loads((path / ".secrets.baseline").read_text(encoding="utf-8"))
    assert baseline["results"] == {}
    assert baseline["plugins_used"], "the baseline records detect-secrets' settings"
    assert ".secrets.baseline" in git(path, "ls-files").split()
    assert (path / ".copier-answers.yml").is_file()


def siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


@pytest.fixture
def template(tmp_path: Path) -> Path:
    return tiny_template(tmp_path / "template")


def request(dest: Path, template: Path | str, **kwargs: object) -> ServiceRequest:
    options: dict[str, object] = {
        "template": str(template),
        "interactive": False,
        "hooks": False,
        "cwd": dest.parent,
    }
    options.update(kwargs)
    return ServiceRequest(dest=dest, **options)  # type: ignore[arg-type]


# ---- answers and copier.yml ---------------------------------------------------------------


def test_parse_questions_reads_defaults_conditions_and_skips_settings() -> None:
    questions = parse_questions(
        "_subdirectory: template\n"
        "name:\n  type: str\n"
        "team: platform\n"
        "region:\n  type: str\n  when: \"{{ deploy != 'none' }}\"\n"
        "computed:\n  default: x\n  when: false\n"
        "token:\n  type: str\n  secret: true\n  default: ''\n"
        "---\n"
        "extra: !include other.yml\n"
    )
    by_name = {q.name: q for q in questions}
    assert list(by_name) == ["name", "team", "region", "computed", "token", "extra"]
    assert not by_name["name"].has_default
    assert by_name["team"].has_default
    assert by_name["region"].conditional and not by_name["region"].has_default
    assert by_name["computed"].conditional
    assert by_name["token"].secret
    assert missing_answers(questions, {}, {}) == ["name"]
    assert missing_answers(questions, {"name": "x"}, {}) == []
    assert missing_answers(questions, {}, {"name": "from-git"}) == []
    assert unknown_answers(questions, {"name": "x", "nmae": "y"}) == ["nmae"]


def test_data_pairs_keep_everything_after_the_first_equals() -> None:
    assert parse_data_pairs(["a=1", "b=x=y", "c="]) == {"a": "1", "b": "x=y", "c": ""}
    with pytest.raises(UsageError, match="KEY=VALUE"):
        parse_data_pairs(["novalue"])


def test_data_file_must_be_a_mapping(tmp_path: Path) -> None:
    good = tmp_path / "answers.yml"
    good.write_text("service_name: api\n_src_path: /somewhere\n", encoding="utf-8")
    assert load_data_file(good) == {"service_name": "api"}
    bad = tmp_path / "list.yml"
    bad.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(UsageError, match="must be a mapping"):
        load_data_file(bad)
    with pytest.raises(UsageError, match="cannot read"):
        load_data_file(tmp_path / "absent.yml")


# ---- preflight ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "owner"),
    [
        ("git@github.com:acme/api.git", "acme"),
        ("https://github.com/acme/api", "acme"),
        ("https://user@github.com/acme/api.git", "acme"),
        ("ssh://git@gitlab.com/group/sub/api.git", "group/sub"),
        ("/srv/git/api.git", None),
    ],
)
def test_owner_from_remote(url: str, owner: str | None) -> None:
    assert owner_from_remote(url) == owner


def test_git_defaults_come_from_the_cwd_repository(repo: GitRepo) -> None:
    git(repo.path, "remote", "add", "origin", "git@github.com:acme/api.git")
    defaults = git_defaults(repo.path)
    assert defaults == {"repo_owner": "acme", "oncall_contact": "author@example.com"}


def test_nested_group_owner_is_not_offered(repo: GitRepo) -> None:
    # the default github provider refuses a/b, and Copier does not validate defaults
    git(repo.path, "remote", "add", "origin", "git@gitlab.com:group/sub/api.git")
    assert "repo_owner" not in git_defaults(repo.path)


def test_destination_checks(tmp_path: Path) -> None:
    assert not check_destination(tmp_path / "new" / "deeper", force=False).exists
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(UsageError, match="not empty"):
        check_destination(full, force=False)
    assert check_destination(full, force=True).exists
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    with pytest.raises(UsageError, match="not a directory"):
        check_destination(afile, force=True)
    with pytest.raises(UsageError, match="is not a directory"):
        check_destination(afile / "child", force=False)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through permission bits")
def test_unwritable_parent_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(UsageError, match="not writable"):
            check_destination(locked / "svc", force=False)
    finally:
        locked.chmod(0o700)


# ---- the whole wizard ---------------------------------------------------------------------


def test_creates_a_committed_repository(tmp_path: Path, template: Path) -> None:
    dest = tmp_path / "svc"
    made = create_service(request(dest, template, data={"service_name": "api"}))
    assert made.path == dest
    assert_committed_repo(dest)
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["service_name"] == "api"
    assert answers["_commit"] == "v1.0.0"
    assert made.answers["service_name"] == "api"
    assert "README.md" in made.files and ".secrets.baseline" in made.files
    assert "db.sql" not in made.files
    assert siblings(dest) == ["svc", "template"], "no staging directory left behind"
    log = git(dest, "log", "-1", "--format=%an <%ae>|%s")
    assert log == "Test Author <author@example.com>|Initial commit from scaffold\n"


def test_git_defaults_are_offered_but_answers_win(tmp_path: Path, template: Path) -> None:
    cwd = GitRepo.init(tmp_path / "work")
    git(cwd.path, "remote", "add", "origin", "https://github.com/acme/old.git")
    made = create_service(request(tmp_path / "a", template, cwd=cwd.path))
    assert made.answers["repo_owner"] == "acme"
    assert made.answers["oncall_contact"] == "author@example.com"
    made = create_service(
        request(tmp_path / "b", template, cwd=cwd.path, data={"repo_owner": "other"})
    )
    assert made.answers["repo_owner"] == "other"


def test_fallback_identity_without_git_user(
    tmp_path: Path, template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty.gitconfig"
    empty.write_text("[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    dest = tmp_path / "svc"
    create_service(request(dest, template))
    assert_committed_repo(dest)
    assert git(dest, "log", "-1", "--format=%an <%ae>") == "scaffold <scaffold@localhost>\n"


def test_invalid_answer_names_the_question(tmp_path: Path, template: Path) -> None:
    dest = tmp_path / "svc"
    with pytest.raises(UsageError, match=r"invalid answer for service_name: use lowercase"):
        create_service(request(dest, template, data={"service_name": "Not Valid"}))
    assert siblings(dest) == ["template"]


def test_unknown_data_key_is_refused(tmp_path: Path, template: Path) -> None:
    with pytest.raises(UsageError, match="no question named servcie_name"):
        create_service(request(tmp_path / "svc", template, data={"servcie_name": "x"}))


def test_missing_answers_without_terminal(tmp_path: Path) -> None:
    template = tiny_template(tmp_path / "template", service_default=None)
    dest = tmp_path / "svc"
    with pytest.raises(UsageError, match=r"no terminal .* service_name .*--data service_name="):
        create_service(request(dest, template))
    with pytest.raises(UsageError, match=r"--defaults given .* service_name"):
        create_service(request(dest, template, interactive=True, use_defaults=True))
    create_service(request(dest, template, data={"service_name": "given"}))
    assert_committed_repo(dest)


def test_git_url_template_leaves_checks_to_copier(tmp_path: Path) -> None:
    # a URL's copier.yml is not read up front: Copier's own errors must still be one line
    url = "git+" + tiny_template(tmp_path / "template", service_default=None).as_uri()
    dest = tmp_path / "svc"
    with pytest.raises(UsageError, match=r"^no answer for service_name .*--data service_name="):
        create_service(request(dest, url))
    with pytest.raises(UsageError, match=r"^invalid answer for service_name: use lowercase"):
        create_service(request(dest, url, data={"service_name": "No"}))
    assert siblings(dest) == ["template"]
    made = create_service(request(dest, url, data={"service_name": "url"}))
    assert made.template_version == "1.0.0"
    assert_committed_repo(dest)
    assert yaml.safe_load((dest / ".copier-answers.yml").read_text("utf-8"))["_src_path"] == url


def test_copier_errors_not_about_answers_say_so() -> None:
    from scaffold.new.generate import _answer_error

    message = _answer_error(ValueError("Local template must be a directory.")).message
    assert message == "cannot generate from the template: Local template must be a directory."


def test_non_empty_destination_is_untouched_without_force(tmp_path: Path, template: Path) -> None:
    dest = tmp_path / "svc"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(UsageError, match="not empty"):
        create_service(request(dest, template))
    assert sorted(p.name for p in dest.iterdir()) == ["notes.txt"]


def test_force_replaces_only_after_success(tmp_path: Path, template: Path) -> None:
    dest = tmp_path / "svc"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine", encoding="utf-8")
    inode = dest.stat().st_ino
    with pytest.raises(UsageError):
        create_service(request(dest, template, force=True, data={"service_name": "BAD"}))
    assert (dest / "notes.txt").read_text(encoding="utf-8") == "mine"
    made = create_service(request(dest, template, force=True))
    assert made.replaced
    assert not (dest / "notes.txt").exists()
    assert_committed_repo(dest)
    assert dest.stat().st_ino == inode, "a shell sitting in DEST keeps seeing it"
    assert siblings(dest) == ["svc", "template"]


@pytest.mark.parametrize("kind", ["work tree", "bare"])
def test_force_never_replaces_a_repository_with_history(
    tmp_path: Path, template: Path, kind: str
) -> None:
    dest = tmp_path / "svc"
    if kind == "bare":
        source = GitRepo.init(tmp_path / "source")
        source.commit("work", {"notes.txt": "mine"})
        git(tmp_path, "clone", "-q", "--bare", str(source.path), str(dest))
    else:
        GitRepo.init(dest).commit("work", {"notes.txt": "mine"})
    before = sorted(p.name for p in dest.iterdir())
    with pytest.raises(UsageError, match="holds a git repository with history, which --force"):
        create_service(request(dest, template, force=True))
    assert sorted(p.name for p in dest.iterdir()) == before


def test_force_may_replace_a_repository_without_commits(tmp_path: Path, template: Path) -> None:
    dest = tmp_path / "svc"
    git(tmp_path, "init", "-q", str(dest))
    (dest / "notes.txt").write_text("scratch", encoding="utf-8")
    assert create_service(request(dest, template, force=True)).replaced
    assert_committed_repo(dest)


def test_existing_empty_destination_is_filled(tmp_path: Path, template: Path) -> None:
    dest = tmp_path / "svc"
    dest.mkdir()
    made = create_service(request(dest, template))
    assert not made.replaced
    assert_committed_repo(dest)


def test_current_directory_as_destination(
    tmp_path: Path, template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    made = create_service(request(Path("."), template, cwd=here))
    assert made.path == here
    assert_committed_repo(here)
    assert siblings(here) == ["here", "template"]


def test_interrupt_or_decline_leaves_nothing(tmp_path: Path, template: Path) -> None:
    dest = tmp_path / "svc"

    def interrupt(_answers: object) -> bool:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        create_service(request(dest, template), confirm=interrupt)
    assert siblings(dest) == ["template"]
    with pytest.raises(Cancelled):
        create_service(request(dest, template), confirm=lambda _answers: False)
    assert siblings(dest) == ["template"]
    seen: list[Review] = []

    def accept(checked: Review) -> bool:
        seen.append(checked)
        return True

    made = create_service(request(dest, template), confirm=accept)
    assert len(seen) == 1
    # question labels for the summary, and the example answer to change before a deploy
    assert seen[0].labels["with_database"] == "Needs a database?"
    assert (
        [c.question for c in seen[0].cautions]
        == ["repo_owner"]
        == [c.question for c in made.cautions]
    )
    assert list(seen[0].answers.items()) == [  # copier.yml's order, not the answers file's
        ("service_name", "tiny"),
        ("team", "platform"),
        ("repo_owner", "example-org"),
        ("with_database", False),
        ("oncall_contact", "author@example.com"),
    ]


def test_git_missing(tmp_path: Path, template: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    with pytest.raises(ScaffoldError, match="git is not installed"):
        create_service(request(tmp_path / "svc", template))
    assert not (tmp_path / "svc").exists()


def test_template_with_secret_is_refused(tmp_path: Path) -> None:
    repo = GitRepo.init(tmp_path / "leaky")
    token = "ghp_" + "A1b2C3d4E5" * 3 + "f6G7h8"  # built at run time, never a literal
    repo.commit(
        "leaky",
        {
            "copier.yml": "_subdirectory: template\n",
            "template/config.py": f'GITHUB_TOKEN = "{token}"\n',
        },
    )
    repo.tag("v1.0.0")
    dest = tmp_path / "svc"
    with pytest.raises(ScaffoldError, match=r"potential secrets: config.py:1"):
        create_service(request(dest, repo.path))
    assert siblings(dest) == ["leaky"]


def test_hooks_refused_by_git_config_leave_nothing(
    tmp_path: Path, template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "hookspath.gitconfig"
    config.write_text(
        "[user]\n\tname = T\n\temail = t@example.com\n[core]\n\thooksPath = /somewhere\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    dest = tmp_path / "svc"
    with pytest.raises(ScaffoldError, match=r"pre-commit install failed: .*hooksPath.*--no-hooks"):
        create_service(request(dest, template, hooks=True))
    assert siblings(dest) == ["hookspath.gitconfig", "template"]


def test_hooks_are_installed(tmp_path: Path, template: Path) -> None:
    dest = tmp_path / "svc"
    made = create_service(request(dest, template, hooks=True))
    assert made.hooks_installed
    hook = dest / ".git" / "hooks" / "pre-commit"
    assert "pre-commit" in hook.read_text(encoding="utf-8")
    assert os.access(hook, os.X_OK)
    assert_committed_repo(dest)


@pytest.mark.parametrize("fail_at", [1, 2, 3, 5])
def test_failed_swap_restores_the_destination(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_at: int
) -> None:
    # a fault injected into the Nth rename: while old entries move aside (1, 2), or new ones in
    from scaffold.new import install

    dest = tmp_path / "svc"
    dest.mkdir()
    for name in ("a.txt", "b.txt"):
        (dest / name).write_text("old " + name, encoding="utf-8")
    target = check_destination(dest, force=True)
    staging = install.make_staging(target)
    for name in ("x.txt", "y.txt", "z.txt"):
        (staging / name).write_text("new " + name, encoding="utf-8")
    real_rename = os.rename
    calls = {"n": 0}

    def flaky_rename(src: object, dst: object) -> None:
        calls["n"] += 1
        if calls["n"] == fail_at:
            raise OSError(5, "Input/output error")
        real_rename(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "rename", flaky_rename)
    with pytest.raises(OSError):
        install.move_into_place(staging, target)
    monkeypatch.undo()
    assert sorted(p.name for p in dest.iterdir()) == ["a.txt", "b.txt"]
    assert (dest / "a.txt").read_text(encoding="utf-8") == "old a.txt"
    assert sorted(p.name for p in staging.iterdir()) == ["x.txt", "y.txt", "z.txt"]
    assert not any(p.name.startswith(".svc.replaced-") for p in tmp_path.iterdir())
