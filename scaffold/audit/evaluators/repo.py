"""Checks on the repository itself: ignore rules, hooks, docs, ownership, containers, health."""

from __future__ import annotations

import fnmatch
import re
from pathlib import PurePosixPath

import yaml

from scaffold.audit import files
from scaffold.audit.evaluators.ci import jobs
from scaffold.audit.evaluators.common import (
    as_list,
    failed,
    is_service,
    not_applicable,
    passed,
    walk,
)
from scaffold.audit.inputs import Inputs
from scaffold.audit.model import Location, Verdict

SECRET_HOOKS = frozenset(
    {
        "detect-secrets", "gitleaks", "gitleaks-docker", "scaffold-secrets", "trufflehog",
        "git-secrets", "ggshield", "ripsecrets", "kingfisher", "betterleaks",
    }
)  # fmt: skip
NOT_A_SERVICE = "nothing runs from this repository (no Dockerfile, manifests or compute IaC)"


def _ignores(patterns: list[str], name: str) -> bool:
    ignored = False
    for raw in patterns:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.lstrip("!").lstrip("/").rstrip("/")
        if "/" in pattern.rstrip("*").strip("*"):
            continue  # a path-specific rule does not cover every .env
        if fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(
            name, pattern.removeprefix("**/")
        ):
            ignored = not negate
    return ignored


def gitignore_env(inputs: Inputs) -> Verdict:
    committed = [
        p
        for p in inputs.repo.tracked
        if PurePosixPath(p).name in (".env", ".env.local", ".env.production")
    ]
    text = inputs.repo.text(".gitignore")
    problems: list[Location] = [
        Location(p, 0, "an environment file is committed") for p in sorted(committed)
    ]
    if text is None:
        problems.insert(
            0, Location(".gitignore", 0, "no .gitignore: `.env` files can be committed")
        )
    else:
        patterns = text.splitlines()
        missing = [n for n in (".env", ".env.production") if not _ignores(patterns, n)]
        if missing:
            problems.insert(0, Location(".gitignore", 1, f"does not ignore {' or '.join(missing)}"))
    if problems:
        return failed("`.env` files are not kept out of git", problems)
    return passed(".gitignore keeps .env files out of git")


def _precommit_hooks(inputs: Inputs) -> tuple[set[str], Location | None]:
    text = inputs.repo.text(".pre-commit-config.yaml")
    if text is None:
        return set(), None
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        return set(), Location(".pre-commit-config.yaml", line, "not valid YAML")
    ids: set[str] = set()
    for repo in as_list(config.get("repos") if isinstance(config, dict) else None):
        for hook in as_list(repo.get("hooks") if isinstance(repo, dict) else None):
            if isinstance(hook, dict) and "id" in hook:
                ids.add(str(hook["id"]))
    return ids, None


def secret_hooks(inputs: Inputs) -> Verdict:
    ids, broken = _precommit_hooks(inputs)
    if broken is not None:
        return failed(".pre-commit-config.yaml does not parse", [broken])
    husky = inputs.repo.text(".husky/pre-commit") or ""
    found = sorted(ids & SECRET_HOOKS) or (
        ["husky"] if re.search(r"gitleaks|detect-secrets", husky) else []
    )
    if found:
        return passed(f"commit-time secret hook(s): {', '.join(found)}")
    where = Location(".pre-commit-config.yaml", 0, "no secret-scanning hook")
    return failed("no hook stops a secret before it is committed", [where])


def codeowners(inputs: Inputs) -> Verdict:
    for path in ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS"):
        text = inputs.repo.text(path)
        if text is not None:
            rules = [
                line
                for line in text.splitlines()
                if line.strip() and not line.lstrip().startswith("#")
            ]
            if rules:
                return passed(f"{path}: {len(rules)} ownership rule(s)")
            return failed(f"{path} has no rules", [Location(path, 1)])
    return failed("no CODEOWNERS: nobody is asked to review changes", [Location("CODEOWNERS", 0)])


def _runbooks(inputs: Inputs) -> list[str]:
    return [
        p for p in inputs.repo.paths
        if files.is_doc(p) and ("runbook" in p.lower() or "playbook" in p.lower())
        and PurePosixPath(p).name.lower() not in ("readme.md", "index.md")
    ]  # fmt: skip


def runbooks(inputs: Inputs) -> Verdict:
    found = _runbooks(inputs)
    if len(found) >= 3:
        return passed(f"{len(found)} runbooks, e.g. {', '.join(found[:3])}")
    where = Location("docs/runbooks/", 0, f"{len(found)} runbook(s); the checklist asks for three")
    return failed(f"{len(found)} runbook(s): write the three likeliest failures down", [where])


_OPERATIONS_DOC = re.compile(
    r"readme|readiness|recovery|disaster|operat|runbook|playbook|sla|slo|architecture|backup"
    r"|reliab|restore|incident|oncall|on-call",
    re.IGNORECASE,
)


def _docs(inputs: Inputs) -> list[tuple[str, str]]:
    """The README and documents named for operations: an RTO is not written down on page 300
    of a project's manual (git/git has 1,000 documentation files)."""

    def operational(path: str) -> bool:
        if not files.is_doc(path) or (path.endswith(".txt") and "readme" not in path.lower()):
            return False
        return "/" not in path or bool(_OPERATIONS_DOC.search(path))

    return list(inputs.texts(operational))


# An objective is a duration on the same line ("RTO 4h", "RPO: 15 minutes", "RPO | **0** |"),
# not the words alone: a template's "RTO: to be agreed" is not a decision.
_OBJECTIVE = r"\b{}\b[^\n]*?\b\d+(\.\d+)?\s*(s|m|h|d|sec\w*|min\w*|hours?|days?|weeks?)?\b"


def rto_rpo(inputs: Inputs) -> Verdict:
    named = ""
    for path, text in _docs(inputs):
        rto = re.search(_OBJECTIVE.format("RTO"), text)
        rpo = re.search(_OBJECTIVE.format("RPO"), text)
        if rto and rpo:
            return passed(f"RTO and RPO are written down in {path}")
        if not named and re.search(r"\bRTO\b", text) and re.search(r"\bRPO\b", text):
            named = path
    if named:
        where = Location(named, 0, "names RTO and RPO but gives no durations")
        return failed(f"{named} names the RTO and RPO without values", [where])
    return failed(
        "no document states the RTO and RPO", [Location("docs/production-readiness.md", 0)]
    )


_QUESTIONS = {
    "what runs it": (
        r"\b(ECS|Fargate|Lambda|EC2|Kubernetes|k8s|container|Cloud Run|App Runner|serverless|VM)\b"
    ),
    "how a new version replaces the old": r"\b(rolling|blue.green|canary|deploy(s|ed|ment)?)\b",
    "where configuration and secrets come from": (
        r"\b(Secrets Manager|SSM|Parameter Store|Vault|environment variables?|secrets?)\b"
    ),
    "what it depends on": r"\b(depends on|dependencies|database|downstream|upstream|calls)\b",
    "how to roll back": r"\b(roll(ing)? ?back|revert)\b",
}


def readme_questions(inputs: Inputs) -> Verdict:
    readme = next(
        (p for p in inputs.repo.paths if "/" not in p and p.lower().startswith("readme")), None
    )
    if readme is None:
        return failed("no README", [Location("README.md", 0)])
    if not is_service(inputs):
        return passed(f"{readme} exists; the deploy questions do not apply: {NOT_A_SERVICE}")
    text = inputs.repo.text(readme) or ""
    missing = [q for q, pattern in _QUESTIONS.items() if not re.search(pattern, text, re.I)]
    if missing:
        return failed(f"{readme} does not say {', '.join(missing)}", [Location(readme, 1)])
    return passed(f"{readme} answers the five deploy questions")


def _dockerfile_user(text: str) -> tuple[str, int]:
    user, line = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if re.match(r"(?i)^FROM\s", stripped):
            user, line = "", number  # each stage starts as root
        match = re.match(r"(?i)^USER\s+(\S+)", stripped)
        if match:
            user, line = match.group(1), number
    return user, line


def non_root(inputs: Inputs) -> Verdict:
    dockerfiles = list(inputs.texts(files.is_dockerfile))
    found: list[Location] = []
    for path, text in dockerfiles:
        user, line = _dockerfile_user(text)
        if not user or user.split(":")[0] in ("root", "0"):
            found.append(
                Location(path, line, "the final stage runs as root (no USER, or USER root)")
            )
    pods = 0
    for path, tree in inputs.kubernetes:
        for node in walk(_containers(tree)):
            if isinstance(node, dict) and "image" in node:
                pods += 1
                context = node.get("securityContext") or {}
                if not (
                    isinstance(context, dict)
                    and (
                        str(context.get("runAsNonRoot")).lower() == "true"
                        or str(context.get("runAsUser", "0")) not in ("0", "None")
                    )
                ):
                    found.append(
                        Location(
                            path, tree.line, f"container {node.get('name', '?')} may run as root"
                        )
                    )
    if not dockerfiles and not pods:
        return not_applicable("no Dockerfile or Kubernetes containers")
    if found:
        return failed(f"{len(found)} container(s) run as root", found)
    return passed("every container image runs as a non-root user")


def _containers(tree: object) -> list[object]:
    from scaffold.audit.inputs import _plain

    plain = _plain(tree)  # type: ignore[arg-type]
    return [n for n in walk(plain) if isinstance(n, dict) and "containers" in n]


def image_healthcheck(inputs: Inputs) -> Verdict:
    dockerfiles = list(inputs.texts(files.is_dockerfile))
    ecs = [
        r
        for r in inputs.resources
        if r.type in ("aws_ecs_task_definition", "AWS::ECS::TaskDefinition")
    ]
    if any("healthCheck" in repr(r.body) or "HealthCheck" in repr(r.body) for r in ecs):
        return passed("the ECS task definition has a container health check")
    if any(re.search(r"(?im)^\s*HEALTHCHECK\s+(?!NONE)", t) for _, t in dockerfiles):
        return passed("the image declares a HEALTHCHECK")
    probes = [p for p, tree in inputs.kubernetes if "Probe" in repr(tree)]
    if probes:
        return passed(f"Kubernetes probes in {probes[0]}")
    if not dockerfiles and not inputs.kubernetes and not ecs:
        return not_applicable("no container image, task definition or Kubernetes manifest")
    where = [Location(p, 0, "no HEALTHCHECK") for p, _ in dockerfiles] or [
        Location(r.path, r.line) for r in ecs
    ]
    return failed("nothing checks that the running container is healthy", where)


_ROUTE = re.compile(r"""["'`](/(?:api/)?(?:health|healthz|livez|readyz|ready|ping|status))["'`]""")


def health_endpoint(inputs: Inputs) -> Verdict:
    if not is_service(inputs):
        return not_applicable(NOT_A_SERVICE)
    for path, text in inputs.texts(files.is_source):
        match = _ROUTE.search(text)
        if match:
            line = text.count("\n", 0, match.start()) + 1
            return passed(f"{match.group(1)} route in {path}:{line}")
    return failed("no /health route found in the source code")


def secrets_manager(inputs: Inputs) -> Verdict:
    if not is_service(inputs):
        return not_applicable(NOT_A_SERVICE)
    declared = [
        r
        for r in inputs.resources
        if r.type.startswith(
            (
                "aws_secretsmanager",
                "aws_ssm_parameter",
                "AWS::SecretsManager",
                "AWS::SSM::Parameter",
            )
        )
    ]
    if declared:
        return passed(f"secrets are declared in AWS: {declared[0].type}.{declared[0].name}")
    pattern = re.compile(
        r"secretsmanager|GetSecretValue|ssm:GetParameter|get_parameter|SecretsManager|hvac|vault"
    )
    for path, text in [*inputs.texts(files.is_source), *inputs.texts(files.is_terraform)]:
        match = pattern.search(text)
        if match:
            return passed(
                f"secrets are read at run time ({path}:{text.count(chr(10), 0, match.start()) + 1})"
            )
    return failed(
        "no sign of Secrets Manager, SSM Parameter Store or Vault: secrets live in env files"
    )


def _databases(inputs: Inputs) -> bool:
    types = (
        "aws_db_instance",
        "aws_rds_cluster",
        "aws_dynamodb_table",
        "AWS::RDS::DBInstance",
        "AWS::RDS::DBCluster",
        "AWS::DynamoDB::Table",
    )
    return any(r.type in types for r in inputs.resources)


def restore_tested(inputs: Inputs) -> Verdict:
    if not _databases(inputs):
        return not_applicable("no database declared in the infrastructure code")
    pattern = re.compile(
        r"restore-db-instance|restore-db-cluster|pg_restore|restore[- ]test|\brestore\b", re.I
    )
    for path, text in _docs(inputs):
        if pattern.search(text):
            return passed(f"the restore procedure is written down in {path}")
    if any(pattern.search(j.text) for j in jobs(inputs)):
        return passed("a CI job restores a backup")
    return failed(
        "no restore procedure: an untested backup is hope",
        [Location("docs/runbooks/restore.md", 0)],
    )


def rollback_path(inputs: Inputs) -> Verdict:
    if not is_service(inputs) and not inputs.has_iac:
        return not_applicable(
            "nothing runs from this repository: a bad release of a library is yanked and "
            "superseded, not rolled back"
        )
    for res in inputs.resources:
        breaker = res.body.get("deployment_circuit_breaker") if isinstance(res.body, dict) else None
        if (
            res.type == "aws_ecs_service"
            and "rollback" in repr(breaker)
            and "true" in repr(breaker).lower()
        ):
            return passed(f"ECS rolls back a failed deployment by itself ({res.path}:{res.line})")
        if "auto_rollback" in repr(res.body) or "AutoRollback" in repr(res.body):
            return passed(f"automatic rollback configured ({res.path}:{res.line})")
    for path in inputs.repo.paths:
        if "rollback" in path.lower() and (files.is_workflow(path) or files.is_doc(path)):
            return passed(f"a rollback path: {path}")
    return failed(
        "no rollback path: no rollback workflow, runbook or automatic rollback",
        [Location("docs/runbooks/rollback.md", 0)],
    )
