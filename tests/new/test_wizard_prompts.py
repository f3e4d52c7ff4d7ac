"""Drive Copier's real questionary prompts in process through prompt_toolkit's pipe input."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from scaffold.new.review import Review
from scaffold.new.wizard import ServiceRequest, create_service
from tests.new.test_wizard import assert_committed_repo, siblings
from tests.new.wizard_support import tiny_template

ENTER = "\r"
CLEAR = "\x15"  # Ctrl-U: drop the pre-filled default
CTRL_C = "\x03"


@contextmanager
def typed(keys: str) -> Iterator[None]:
    """Run prompts in this block as if `keys` had been typed at a terminal, then EOF."""
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text(keys)
        # a prompt the test did not plan for then sees end of input instead of hanging
        pipe.close()
        yield


def confirm_with(keys_seen: list[Mapping[str, Any]]) -> Any:
    import questionary

    def confirm(checked: Review) -> bool:
        keys_seen.append(dict(checked.answers))
        return bool(questionary.confirm("Create the service?").unsafe_ask())

    return confirm


@pytest.fixture
def template(tmp_path: Path) -> Path:
    return tiny_template(tmp_path / "template")


def interactive(dest: Path, template: Path) -> ServiceRequest:
    return ServiceRequest(
        dest=dest, template=str(template), interactive=True, hooks=False, cwd=dest.parent
    )


def test_answers_typed_at_the_prompts(tmp_path: Path, template: Path) -> None:
    dest = tmp_path / "svc"
    keys = "".join(
        [
            CLEAR + "Bad Name" + ENTER,  # refused by the copier.yml validator: asked again
            CLEAR + "payments" + ENTER,  # service_name
            CLEAR + "risk" + ENTER,  # team
            ENTER,  # repo_owner: keep the default
            "y",  # with_database (a confirm prompt)
            ENTER,  # oncall_contact: keep the default offered from git config
            "y",  # the wizard's own confirmation
        ]
    )
    seen: list[Mapping[str, Any]] = []
    with typed(keys):
        made = create_service(interactive(dest, template), confirm=confirm_with(seen))
    assert seen == [
        {
            "oncall_contact": "author@example.com",
            "repo_owner": "example-org",
            "service_name": "payments",
            "team": "risk",
            "with_database": True,
        }
    ]
    assert made.answers["service_name"] == "payments"
    assert (dest / "db.sql").is_file(), "the with_database answer reached the template"
    assert "Owned by risk" in (dest / "README.md").read_text(encoding="utf-8")
    assert_committed_repo(dest)


def test_declining_the_summary_creates_nothing(tmp_path: Path, template: Path) -> None:
    dest = tmp_path / "svc"
    seen: list[Mapping[str, Any]] = []
    with typed(ENTER * 5 + "n"), pytest.raises(Exception, match="cancelled"):
        create_service(interactive(dest, template), confirm=confirm_with(seen))
    assert len(seen) == 1
    assert siblings(dest) == ["template"]


def test_ctrl_c_mid_questions_leaves_nothing(tmp_path: Path, template: Path) -> None:
    dest = tmp_path / "svc"
    with typed(ENTER + CTRL_C), pytest.raises(KeyboardInterrupt):
        create_service(interactive(dest, template))
    assert siblings(dest) == ["template"]


def test_given_answers_are_not_asked(tmp_path: Path, template: Path) -> None:
    dest = tmp_path / "svc"
    request = ServiceRequest(
        dest=dest,
        template=str(template),
        data={"service_name": "given", "team": "t", "with_database": "false"},
        interactive=True,
        hooks=False,
        cwd=dest.parent,
    )
    with typed(ENTER + ENTER):  # only repo_owner and oncall_contact remain
        made = create_service(request)
    assert made.answers["service_name"] == "given"
    assert made.answers["with_database"] is False
    assert_committed_repo(dest)


def test_input_ending_mid_questions_is_one_clear_error(tmp_path: Path, template: Path) -> None:
    from scaffold.errors import UsageError

    dest = tmp_path / "svc"
    with typed(ENTER), pytest.raises(UsageError, match="no terminal to ask questions on"):
        create_service(interactive(dest, template))
    assert siblings(dest) == ["template"]


@pytest.mark.slow
def test_real_template_prompts(tmp_path: Path) -> None:
    dest = tmp_path / "orders"
    keys = "".join(
        [
            CLEAR + "orders" + ENTER,  # service_name
            CLEAR + "Takes and tracks orders" + ENTER,  # description
            ENTER * 40,  # every other question keeps its default, then the confirmation
        ]
    )
    seen: list[Mapping[str, Any]] = []
    request = ServiceRequest(dest=dest, interactive=True, hooks=False, cwd=tmp_path)
    with typed(keys):
        made = create_service(request, confirm=confirm_with(seen))
    assert list(seen[0])[:2] == ["service_name", "description"]
    assert made.answers["service_name"] == "orders"
    assert made.answers["description"] == "Takes and tracks orders"
    assert made.answers["repo_name"] == "orders", "defaults rendered from earlier answers"
    assert (dest / "src" / "orders").is_dir()
    assert_committed_repo(dest)
