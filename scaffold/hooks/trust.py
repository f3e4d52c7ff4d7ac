"""check-oidc-trust-policy: a CI identity provider's trust must name the repository and audience.

A role that trusts `token.actions.githubusercontent.com` (or GitLab, CircleCI, ...) without a
`sub` condition can be assumed by any workflow of any repository on that service; a
wildcard `sub` widens it to every repository or branch the pattern matches; without `aud`,
tokens minted for other audiences are accepted.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import yaml

from scaffold.errors import guarded
from scaffold.hooks import hcl
from scaffold.hooks.report import Problem, check_files, print_problems, without_allowed
from scaffold.hooks.tree import Node, from_yaml

HOOK_ID = "check-oidc-trust-policy"
# Issuers of CI job tokens (host part of the OIDC provider ARN and of condition keys).
CI_ISSUERS = (
    "token.actions.githubusercontent.com",
    "gitlab",  # gitlab.com and self-managed gitlab.<company>
    "app.terraform.io",
    "oidc.circleci.com",
    "api.bitbucket.org",
    "agent.buildkite.com",
    "vstoken.dev.azure.com",
)
# Words in a Terraform reference to the provider resource that reveal a CI provider.
CI_REFERENCE_WORDS = ("github", "gitlab", "circleci", "bitbucket", "buildkite", "tfc", "terraform")
WEB_IDENTITY_ACTIONS = frozenset({"sts:assumerolewithwebidentity", "sts:*", "*"})


@dataclass(frozen=True)
class Condition:
    test: str  # e.g. StringLike, ForAnyValue:StringEquals
    variable: str  # e.g. token.actions.githubusercontent.com:sub
    values: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...]
    federated: tuple[Node, ...]
    conditions: tuple[Condition, ...]
    line: int


def _ci_issuer(principal: Node) -> str | None:
    """The CI issuer a federated principal names, "?" for a CI-looking reference, else None."""
    text = principal.text.lower()
    for issuer in CI_ISSUERS:
        if issuer in text:
            return text.rsplit("oidc-provider/", 1)[-1] if "oidc-provider/" in text else issuer
    if (principal.expr or "${" in text) and any(w in text for w in CI_REFERENCE_WORDS):
        return "?"
    return None


def _condition_issuer(variable: str) -> str | None:
    host = variable.lower().rsplit(":", 1)[0]
    return host if any(issuer in host for issuer in CI_ISSUERS) else None


def _subject_example(issuer: str) -> str:
    if "gitlab" in issuer:
        return "`project_path:GROUP/PROJECT:ref_type:branch:ref:main`"
    if "terraform" in issuer:
        return "`organization:ORG:project:PROJECT:workspace:NAME:run_phase:apply`"
    return "`repo:ORG/REPO:environment:NAME` (or `repo:ORG/REPO:ref:refs/heads/main`)"


def check_statement(path: str, st: Statement) -> list[Problem]:
    if st.effect.lower() == "deny":
        return []
    if not any(a.lower() in WEB_IDENTITY_ACTIONS for a in st.actions):
        return []
    issuers = {i for i in (_ci_issuer(p) for p in st.federated) if i}
    issuers |= {i for i in (_condition_issuer(c.variable) for c in st.conditions) if i}
    if not issuers:
        return []  # Cognito, EKS service accounts...: not a CI provider
    shown = ", ".join(sorted(i for i in issuers if i != "?")) or "the CI provider"
    subs = [c for c in st.conditions if c.variable.lower().endswith(":sub")]
    auds = [c for c in st.conditions if c.variable.lower().endswith(":aud")]
    problems: list[Problem] = []
    if not subs:
        problems.append(
            Problem(
                path,
                st.line,
                "missing-sub",
                f"trust for {shown} has no `sub` condition: every repository on {shown} can "
                f"assume this role; add StringEquals `<issuer>:sub` = {_subject_example(shown)}",
            )
        )
    for c in subs:
        test = c.test.lower()
        wild = [v for v in c.values if "*" in v or "?" in v] if "like" in test else []
        if wild:
            problems.append(
                Problem(
                    path,
                    c.line,
                    "wildcard-sub",
                    f"`{c.variable}` {c.test} {', '.join(wild)}: the wildcard lets more "
                    "repositories, branches or pull requests assume this role; list exact "
                    "subjects with StringEquals",
                )
            )
        if test.endswith("ifexists"):
            problems.append(
                Problem(
                    path,
                    c.line,
                    "wildcard-sub",
                    f"`{c.variable}` uses {c.test}: a token without the claim passes",
                )
            )
    if not auds:
        problems.append(
            Problem(
                path,
                st.line,
                "missing-aud",
                f"trust for {shown} has no `aud` condition; add StringEquals `<issuer>:aud` = "
                "`sts.amazonaws.com` (GitHub) or the audience your CI requests",
            )
        )
    for c in auds:
        if "like" in c.test.lower() and any("*" in v for v in c.values):
            problems.append(
                Problem(path, c.line, "wildcard-aud", f"`{c.variable}` accepts any audience")
            )
    return problems


def json_statements(policy: Node) -> Iterator[Statement]:
    """Statements of an IAM policy in JSON form (also a jsonencode object)."""
    statements = policy.get("Statement")
    for st in statements.elements() if statements else []:
        if not isinstance(st.value, dict):
            continue
        effect = st.get("Effect")
        action = st.get("Action")
        principal = st.get("Principal")
        federated = principal.get("Federated") if principal else None
        conditions: list[Condition] = []
        condition = st.get("Condition")
        for test, variables in condition.items() if condition else []:
            for variable, values in variables.items():
                conditions.append(Condition(test, variable, tuple(values.strings()), values.line))
        yield Statement(
            effect.text if effect else "Allow",
            tuple(action.strings()) if action else (),
            tuple(federated.elements()) if federated else (),
            tuple(conditions),
            st.line,
        )


def document_statements(block: Node) -> Iterator[Statement]:
    """Statements of a Terraform `data "aws_iam_policy_document"` block."""
    statements = block.get("statement")
    for st in statements.elements() if statements else []:
        effect = st.get("effect")
        actions = st.get("actions")
        federated: list[Node] = []
        principals = st.get("principals")
        for p in principals.elements() if principals else []:
            kind = p.get("type")
            identifiers = p.get("identifiers")
            if kind and kind.text.lower() == "federated" and identifiers:
                federated += identifiers.elements()
        conditions = []
        condition = st.get("condition")
        for c in condition.elements() if condition else []:
            test, variable, values = c.get("test"), c.get("variable"), c.get("values")
            if test and variable:
                strings = tuple(values.strings()) if values else ()
                conditions.append(Condition(test.text, variable.text, strings, c.line))
        yield Statement(
            effect.text if effect else "Allow",
            tuple(actions.strings()) if actions else (),
            tuple(federated),
            tuple(conditions),
            st.line,
        )


def _json_policy(text: str, first_line: int) -> Node | None:
    stripped = text.lstrip()
    if not stripped.startswith("{") or "statement" not in text.lower():
        return None
    try:
        return from_yaml(text, first_line)
    except yaml.YAMLError:
        return None  # templated JSON (`${...}` outside strings) we cannot read without Terraform


def policies(node: Node) -> Iterator[Node]:
    """Every policy-shaped mapping (one with `Statement`) in a tree, heredocs included."""
    if node.call:
        for arg in node.args:
            yield from policies(arg)
        return
    if isinstance(node.value, dict):
        if node.get("Statement") is not None and hcl.LABELS not in node.value:
            yield node
            return
        for _, child in node.items():
            yield from policies(child)
    elif isinstance(node.value, list):
        for child in node.value:
            yield from policies(child)
    elif isinstance(node.value, str) and not node.expr:
        parsed = _json_policy(node.value, node.line)
        if parsed is not None:
            yield from policies(parsed)


def terraform_statements(root: Node) -> Iterator[Statement]:
    data = root.get("data")
    for block in data.elements() if data else []:
        labels = block.get(hcl.LABELS)
        if labels and labels.strings()[:1] == ["aws_iam_policy_document"]:
            yield from document_statements(block)
    for name, child in root.items():
        if name != "data":
            for policy in policies(child):
                yield from json_statements(policy)
    for block in data.elements() if data else []:
        for policy in policies(block):
            yield from json_statements(policy)


def check_text(path: str, text: str) -> list[Problem]:
    if path.endswith(".tf"):
        statements = list(terraform_statements(hcl.parse(text)))
    else:
        try:
            tree = from_yaml(text)
        except yaml.YAMLError:
            return []  # not a policy we can read; JSON syntax is another hook's job
        statements = [s for p in (policies(tree) if tree else []) for s in json_statements(p)]
    found = [problem for st in statements for problem in check_statement(path, st)]
    return without_allowed(found, text)


def check_paths(paths: Sequence[str]) -> list[Problem]:
    return check_files(paths, check_text)


HINT = (
    "Trust only the exact repository and branch or environment that deploys; see "
    "docs/hooks.md#check-oidc-trust-policy."
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=HOOK_ID, description=__doc__.splitlines()[0])
    parser.add_argument("filenames", nargs="*", help="Terraform or JSON files being committed")
    args = parser.parse_args(argv)
    return guarded(lambda: print_problems(HOOK_ID, check_paths(args.filenames), HINT))
