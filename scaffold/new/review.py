"""What a person checks before the service is created: each answer under its question's label,
and the answers that are examples, which must not reach an AWS account.

The examples are the template's defaults that only look finished: account ids of one repeated
digit, the `example-org` organisation, `example.com` names. The generated pipeline refuses to
deploy while one is left (scripts/check-placeholders.sh); the wizard says so first, with the
command that replaces each one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scaffold.new.answers import QuestionInfo

_REPEATED_DIGIT = re.compile(r"^(\d)\1{11}$")
# example.com/.org/.net, and the TLDs reserved for examples and tests (RFC 2606)
_EXAMPLE_DOMAIN = re.compile(r"(^|\.)(example\.(com|org|net)|example|invalid|test)$")
_ENVIRONMENTS = ("dev", "staging", "production")


@dataclass(frozen=True)
class Caution:
    """An answer to change before the first push."""

    question: str  # the answer to change, as --data names it
    message: str  # one line: what is wrong with it
    hint: str  # what to give instead, e.g. <12-digit account id>
    blocks_deploys: bool = True  # the generated pipeline refuses it (an example value)

    @property
    def fix(self) -> str:
        return update_command([self])


def update_command(cautions: Iterable[Caution]) -> str:
    """One `scaffold update` that replaces every answer named (in the generated repository)."""
    pairs = dict.fromkeys(f"--data {c.question}={c.hint}" for c in cautions)
    return " ".join(["scaffold update", *pairs])


@dataclass(frozen=True)
class Review:
    """The answers in question order, their labels, and what to change."""

    answers: Mapping[str, Any]
    labels: Mapping[str, str]
    cautions: tuple[Caution, ...]


def label(question: QuestionInfo, answers: Mapping[str, Any]) -> str:
    """A question's help as a short label: rendered like Copier renders it, details dropped."""
    from jinja2.sandbox import SandboxedEnvironment

    text = question.help or question.name
    if "{" in text:
        try:
            text = SandboxedEnvironment().from_string(text).render(**answers)
        except Exception:  # a help text we cannot render still has a name to show
            text = question.name
    text = " ".join(text.split())
    asks = "?" in text
    for stop in (" (", ": ", ", e.g.", "? "):
        head, found, _ = text.partition(stop)
        if found and head:
            text = head
    return text + "?" if asks and not text.endswith("?") else text


def labels(questions: Iterable[QuestionInfo], answers: Mapping[str, Any]) -> dict[str, str]:
    by_name = {q.name: q for q in questions}
    return {name: label(by_name[name], answers) if name in by_name else name for name in answers}


def cautions(answers: Mapping[str, Any]) -> list[Caution]:
    """Example answers, and environments that share one AWS account."""
    found: list[Caution] = []
    owner = str(answers.get("repo_owner", ""))
    if owner.split("/", maxsplit=1)[0] == "example-org":
        found.append(
            Caution(
                "repo_owner",
                f"repo_owner {owner} is the template's example organisation: the OIDC trust "
                "policies would trust its repository",
                "<your organisation>",
            )
        )
    accounts: dict[str, str] = {}
    for env in _ENVIRONMENTS:
        name = f"aws_account_{env}"
        if name not in answers:
            continue
        account = str(answers[name])
        accounts[env] = account
        if _REPEATED_DIGIT.match(account):
            found.append(
                Caution(
                    name,
                    f"{name} {account} is an example account id",
                    "<12-digit account id>",
                )
            )
    for name in ("domain_name", "alert_email"):
        value = str(answers.get(name, ""))
        host = value.rpartition("@")[2]
        if value and _EXAMPLE_DOMAIN.search(host):
            what = "an example zone" if name == "domain_name" else "an example address"
            hint = "<your zone>" if name == "domain_name" else "<your address>"
            found.append(Caution(name, f"{name} {value} is {what}", hint))
    if len(accounts) > 1 and len(set(accounts.values())) == 1:
        shared = " and ".join(accounts)
        found.append(
            Caution(
                f"aws_account_{list(accounts)[-1]}",
                f"{shared} share account {next(iter(accounts.values()))}: a mistake in one "
                "can reach the others (allowed; production-readiness leaves that box empty)",
                "<its own account id>",
                blocks_deploys=False,
            )
        )
    return found


def review(questions: Iterable[QuestionInfo], answers: Mapping[str, Any]) -> Review:
    return Review(answers, labels(questions, answers), tuple(cautions(answers)))
