"""Cross the seam between a rendered repository's pipelines and its Terraform.

`pipeline_uses` reads every workflow (or the GitLab pipeline) with a YAML parser and lists each
job that assumes an AWS role: the role ARN, the OIDC token it presents (`sub`, `aud`) and every
AWS name it touches (cluster, service, task family, container, image repository, function,
alias, alarms). `created` evaluates each environment's Terraform (tests/new/terraform.py) and
lists what it creates. `name_problems` compares the two; `moto_problems` creates the roles in
moto from the rendered trust policies and assumes them the way the pipeline does.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.new.terraform import UNKNOWN, Module, Resource, environment_stack

GITHUB_ISSUER = "token.actions.githubusercontent.com"
GITLAB_ISSUER = "gitlab.com"
CONFIGURE_AWS = "aws-actions/configure-aws-credentials@"
# configure-aws-credentials requests this audience unless told otherwise
DEFAULT_AUDIENCE = "sts.amazonaws.com"


@dataclass
class Use:
    """One CI job that assumes a role, and what it does with it."""

    where: str  # file:job
    role_arn: str
    issuer: str
    subject: str
    audience: str
    names: dict[str, str] = field(default_factory=dict)  # the first value of each kind
    alarms: list[str] = field(default_factory=list)
    scopes: list[dict[str, str]] = field(default_factory=list)  # what each step names


@dataclass
class Stack:
    """What one environment's Terraform creates."""

    env: str
    account: str
    region: str
    module: Module
    roles: dict[str, Resource] = field(default_factory=dict)  # arn -> role
    policies: dict[str, list[str]] = field(default_factory=dict)  # role name -> inline JSON
    managed: dict[str, list[str]] = field(default_factory=dict)  # role name -> policy ARNs
    providers: dict[str, list[str]] = field(default_factory=dict)  # arn -> client ids
    clusters: set[str] = field(default_factory=set)
    services: set[tuple[str, str]] = field(default_factory=set)  # (cluster, service)
    containers: set[tuple[str, str]] = field(default_factory=set)  # (family, container)
    repositories: set[str] = field(default_factory=set)
    functions: set[str] = field(default_factory=set)
    aliases: set[tuple[str, str]] = field(default_factory=set)
    alarms: dict[str, str] = field(default_factory=dict)  # name -> region
    backend: dict[str, str] = field(default_factory=dict)


def _all_resources(module: Module) -> Iterator[Resource]:
    yield from module.resources()
    for child in module.modules.values():
        yield from _all_resources(child)


def created(repo: Path) -> dict[str, Stack]:
    """env -> what infra/envs/<env> creates."""
    stacks: dict[str, Stack] = {}
    for directory in sorted((repo / "infra" / "envs").iterdir()):
        module = environment_stack(repo, directory.name)
        stack = Stack(directory.name, module.account, module.provider_region(""), module)
        for resource in _all_resources(module):
            kind = resource.kind
            if kind == "aws_iam_role":
                stack.roles[resource["arn"]] = resource
            elif kind == "aws_iam_role_policy":
                stack.policies.setdefault(str(resource["role"]), []).append(resource["policy"])
            elif kind == "aws_iam_role_policy_attachment":
                role = str(resource["role"])
                stack.managed.setdefault(role, []).append(resource["policy_arn"])
            elif kind == "aws_iam_openid_connect_provider":
                stack.providers[resource["arn"]] = list(resource["client_id_list"])
            elif kind == "aws_ecs_cluster":
                stack.clusters.add(resource["name"])
            elif kind == "aws_ecs_service":
                cluster = str(resource["cluster"]).rsplit("/", 1)[-1]
                stack.services.add((cluster, resource["name"]))
            elif kind == "aws_ecs_task_definition":
                for container in json.loads(resource["container_definitions"]):
                    stack.containers.add((resource["family"], container["name"]))
            elif kind == "aws_ecr_repository":
                stack.repositories.add(resource["name"])
            elif kind == "aws_lambda_function":
                stack.functions.add(resource["function_name"])
            elif kind == "aws_lambda_alias":
                stack.aliases.add((resource["function_name"], resource["name"]))
            elif kind == "aws_cloudwatch_metric_alarm":
                stack.alarms[resource["alarm_name"]] = resource.region
        backend = (directory / "backend.hcl").read_text("utf-8")
        stack.backend = dict(re.findall(r'^(\w+)\s*=\s*"([^"]*)"', backend, re.MULTILINE))
        stacks[directory.name] = stack
    return stacks


# ---- the pipelines -------------------------------------------------------------------------


def _expand(text: str, matrix: dict[str, Any]) -> str:
    return re.sub(r"\$\{\{\s*matrix\.([\w-]+)\s*\}\}", lambda m: str(matrix[m[1]]), text)


def _github_uses(repo: Path, owner: str, name: str) -> list[Use]:
    uses: list[Use] = []
    for workflow in sorted((repo / ".github" / "workflows").glob("*.yml")):
        for job_id, job in yaml.safe_load(workflow.read_text("utf-8"))["jobs"].items():
            matrices = job.get("strategy", {}).get("matrix", {}).get("include", [{}])
            for matrix in matrices:
                steps = job.get("steps", [])
                roles = [
                    s["with"] for s in steps if str(s.get("uses", "")).startswith(CONFIGURE_AWS)
                ]
                if not roles:
                    continue
                environment = _expand(str(job.get("environment", "")), matrix)
                use = Use(
                    where=f"{workflow.name}:{job_id}",
                    role_arn=_expand(str(roles[0]["role-to-assume"]), matrix),
                    issuer=GITHUB_ISSUER,
                    subject=f"repo:{owner}/{name}:environment:{environment}",
                    audience=str(roles[0].get("audience", DEFAULT_AUDIENCE)),
                )
                _names_from(use, {**job.get("env", {})}, steps)
                uses.append(use)
    return uses


_STEP_INPUTS = (
    ("cluster", "cluster"),
    ("service", "service"),
    ("task-definition-family", "family"),
    ("container-name", "container"),
)
_VARIABLES = (
    ("CLUSTER", "cluster"),
    ("SERVICE", "service"),
    ("FAMILY", "family"),
    ("CONTAINER", "container"),
    ("REPOSITORY", "repository"),
    ("FUNCTION", "function"),
    ("ALIAS", "alias"),
    ("UPTIME_ALARM", "uptime_alarm"),
    ("ALARMS", "alarms"),
)


def _names_from(use: Use, env: dict[str, Any], steps: list[dict[str, Any]]) -> None:
    """One scope per step (the job's variables plus the step's own): each names what that step
    touches, so a wrong name in one step is not hidden by a right one in another."""
    for step in steps or [{}]:
        variables = {**env, **step.get("env", {})}
        scope: dict[str, str] = {}
        given = step.get("with", {})
        for key, kind in _STEP_INPUTS:
            if key in given:
                scope[kind] = str(given[key])
        for key in ("tags", "image"):
            match = re.search(r"\}\}/([^:@]+)[:@]", str(given.get(key, "")))
            if match:
                scope["repository"] = match[1]
        for variable, kind in _VARIABLES:
            if variable in variables:
                scope[kind] = str(variables[variable])
        if scope:
            use.scopes.append(scope)
    for scope in use.scopes:
        for kind, value in scope.items():
            if kind == "alarms":
                use.alarms = sorted({*use.alarms, *value.split()})
            else:
                use.names.setdefault(kind, value)


def _gitlab_uses(repo: Path, owner: str, name: str) -> list[Use]:
    pipeline = yaml.safe_load((repo / ".gitlab-ci.yml").read_text("utf-8"))
    uses: list[Use] = []
    for job_id, job in pipeline.items():
        if not isinstance(job, dict) or job_id.startswith("."):
            continue
        template = pipeline.get(job.get("extends", ""), {})
        variables = {**template.get("variables", {}), **job.get("variables", {})}
        role = variables.get("ROLE_ARN") or variables.get("AWS_ROLE_ARN")
        if not role:
            continue
        tokens = {**template.get("id_tokens", {}), **job.get("id_tokens", {})}
        rules = [str(rule.get("if", "")) for rule in job.get("rules", [])]
        branch = "main" if rules == ["$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"] else "?"
        use = Use(
            where=f".gitlab-ci.yml:{job_id}",
            role_arn=str(role),
            issuer=GITLAB_ISSUER,
            subject=f"project_path:{owner}/{name}:ref_type:branch:ref:{branch}",
            audience=str(tokens.get("AWS_ID_TOKEN", {}).get("aud", "")),
        )
        _names_from(use, variables, [])
        uses.append(use)
    return uses


def pipeline_uses(repo: Path, answers: dict[str, Any]) -> list[Use]:
    owner, name = answers["repo_owner"], answers["repo_name"]
    if (repo / ".gitlab-ci.yml").exists():
        return _gitlab_uses(repo, owner, name)
    return _github_uses(repo, owner, name)


# ---- the checks ----------------------------------------------------------------------------


def permitted(policy: str, action: str, resource: str = "*", **conditions: str) -> bool:
    """moto's IAM policy engine: does `policy` allow `action` on `resource`?"""
    from moto.iam.access_control import IAMPolicy, PermissionResult

    result = IAMPolicy(policy).is_action_permitted(action, resource, None, conditions)
    return bool(result == PermissionResult.PERMITTED)


def denied(policy: str, action: str, resource: str) -> bool:
    from moto.iam.access_control import IAMPolicy, PermissionResult

    return bool(IAMPolicy(policy).is_action_permitted(action, resource) == PermissionResult.DENIED)


def _claims(use: Use) -> dict[str, str]:
    return {f"{use.issuer}:sub": use.subject, f"{use.issuer}:aud": use.audience}


def _actions(scope: dict[str, str], stack: Stack) -> list[tuple[str, str]]:
    """What a step does with the job's session, as (IAM action, resource ARN)."""
    region, account = stack.region, stack.account
    arn = f"arn:aws:{{}}:{region}:{account}:{{}}"
    actions: list[tuple[str, str]] = []
    if "cluster" in scope and "service" in scope:
        service = arn.format("ecs", f"service/{scope['cluster']}/{scope['service']}")
        actions += [("ecs:DescribeServices", service), ("ecs:UpdateService", service)]
    if "family" in scope:
        actions += [("ecs:RegisterTaskDefinition", "*"), ("ecs:DescribeTaskDefinition", "*")]
    if "repository" in scope:
        repository = arn.format("ecr", f"repository/{scope['repository']}")
        actions += [("ecr:GetAuthorizationToken", "*"), ("ecr:PutImage", repository)]
    if "function" in scope:
        function = arn.format("lambda", f"function:{scope['function']}")
        qualified = f"{function}:{scope.get('alias', 'live')}"
        actions += [("lambda:UpdateFunctionCode", function), ("lambda:PublishVersion", function)]
        actions += [("lambda:GetAlias", qualified), ("lambda:UpdateAlias", qualified)]
        actions += [("lambda:InvokeFunction", qualified)]
    for alarm in scope.get("alarms", "").split():
        actions.append(("cloudwatch:DescribeAlarms", arn.format("cloudwatch", f"alarm:{alarm}")))
    if "uptime_alarm" in scope:
        uptime = f"arn:aws:cloudwatch:us-east-1:{account}:alarm:{scope['uptime_alarm']}"
        actions.append(("cloudwatch:DescribeAlarms", uptime))
    return actions


def _check_names(where: str, scope: dict[str, str], stack: Stack) -> list[str]:
    problems: list[str] = []

    def missing(kind: str, value: object) -> None:
        problem = f"{where} uses {kind} {value}, which {stack.env} does not create"
        if problem not in problems:
            problems.append(problem)

    cluster, family, function = scope.get("cluster"), scope.get("family"), scope.get("function")
    if cluster is not None and cluster not in stack.clusters:
        missing("cluster", cluster)
    if "service" in scope and (cluster, scope["service"]) not in stack.services:
        missing("ECS service", f"{cluster}/{scope['service']}")
    container = (family, scope.get("container"))
    if family is not None and "container" in scope and container not in stack.containers:
        missing("container", f"{family}/{scope['container']}")
    if "repository" in scope and scope["repository"] not in stack.repositories:
        missing("image repository", scope["repository"])
    if function is not None and function not in stack.functions:
        missing("function", function)
    if "alias" in scope and (function, scope["alias"]) not in stack.aliases:
        missing("alias", scope["alias"])
    for alarm in scope.get("alarms", "").split():
        if stack.alarms.get(alarm) != stack.region:
            missing(f"alarm (in {stack.region})", alarm)
    if "uptime_alarm" in scope and stack.alarms.get(scope["uptime_alarm"]) != "us-east-1":
        missing("alarm (in us-east-1)", scope["uptime_alarm"])
    return problems


def name_problems(
    repo: Path, answers: dict[str, Any], stacks: dict[str, Stack] | None = None
) -> list[str]:
    """Every role, ARN and name a pipeline job uses, against what Terraform creates."""
    stacks = created(repo) if stacks is None else stacks
    problems: list[str] = []
    uses = pipeline_uses(repo, answers)
    if not uses:
        problems.append("no pipeline job assumes a role")
    issuer = GITLAB_ISSUER if answers.get("ci_provider") == "gitlab" else GITHUB_ISSUER
    for use in uses:
        owners = [s for s in stacks.values() if use.role_arn in s.roles]
        if len(owners) != 1:
            problems.append(f"{use.where} assumes {use.role_arn}, which no stack creates")
            continue
        stack = owners[0]
        role = stack.roles[use.role_arn]
        trust = role["assume_role_policy"]
        if not permitted(trust, "sts:AssumeRoleWithWebIdentity", **_claims(use)):
            problems.append(f"{use.where}: {use.role_arn} does not trust {use.subject}")
        principals = {
            p for st in json.loads(trust)["Statement"] for p in _list(st["Principal"]["Federated"])
        }
        account_providers = {
            arn for s in stacks.values() if s.account == stack.account for arn in s.providers
        }
        for principal in principals:
            if (
                not principal.endswith(f"oidc-provider/{issuer}")
                or principal not in account_providers
            ):
                problems.append(f"{use.where}: {principal} is not this account's {issuer} provider")
        policies = stack.policies.get(role["name"], [])
        for scope in use.scopes:
            problems += [p for p in _check_names(use.where, scope, stack) if p not in problems]
            for action, resource in _actions(scope, stack):
                if not any(permitted(p, action, resource) for p in policies):
                    denial = f"{use.where}: {role['name']} may not {action} on {resource}"
                    if denial not in problems:
                        problems.append(denial)
    for stack in stacks.values():
        problems += _stack_problems(stack, stacks)
    return problems


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _stack_problems(stack: Stack, stacks: dict[str, Stack]) -> list[str]:
    """Within one environment: the apply role reaches its state and never the CI roles."""
    problems: list[str] = []
    for name, value in stack.module.modules["deploy_role"].validations():
        if value is not True:
            problems.append(f"{stack.env}: validation of {name} fails")
    try:
        names = stack.module.local("names")
    except KeyError:
        return [f"{stack.env}: no locals.names in infra/envs/{stack.env}/main.tf"]
    apply = stack.policies.get(names["apply_role"], [])
    state = f"arn:aws:s3:::{stack.backend['bucket']}/{stack.backend['key']}"
    if stack.backend["bucket"] != names["state_bucket"] or not any(
        permitted(p, "s3:PutObject", state) for p in apply
    ):
        problems.append(f"{stack.env}: the apply role cannot write its state {state}")
    for role in ("deploy_role", "plan_role", "apply_role"):
        arn = f"arn:aws:iam::{stack.account}:role/{names[role]}"
        if arn not in stack.roles:
            problems.append(f"{stack.env}: {role} {names[role]} is not created")
        if not any(denied(p, "iam:PutRolePolicy", arn) for p in apply):
            problems.append(f"{stack.env}: the apply role may change {names[role]}")
    read_only = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    for role in ("plan_role", "apply_role"):
        attached = stack.managed.get(names[role])
        if attached != [read_only]:
            problems.append(f"{stack.env}: {names[role]} has managed policies {attached}")
    if stack.policies.get(names["plan_role"]):
        problems.append(f"{stack.env}: the plan role has write policies")
    return problems


def trust_problems(repo: Path, expected: dict[str, set[str]]) -> list[str]:
    """Every CI role's evaluated trust policy: StringEquals only, `aud` sts.amazonaws.com, an
    exact `sub`; each environment trusts exactly the `expected` subjects (env -> subjects)."""
    problems: list[str] = []
    for env, stack in created(repo).items():
        subjects: set[str] = set()
        for role in stack.roles.values():
            for statement in json.loads(role["assume_role_policy"])["Statement"]:
                if "Federated" not in statement.get("Principal", {}):
                    continue
                name, conditions = role["name"], statement.get("Condition", {})
                if set(conditions) != {"StringEquals"}:
                    problems.append(f"{env}/{name}: conditions {sorted(conditions)}")
                claims = {
                    k.rsplit(":", 1)[-1]: v for t in conditions.values() for k, v in t.items()
                }
                if claims.get("aud") != DEFAULT_AUDIENCE:
                    problems.append(f"{env}/{name}: aud is {claims.get('aud')}")
                sub = claims.get("sub")
                if not isinstance(sub, str) or "*" in sub or "?" in sub:
                    problems.append(f"{env}/{name}: sub {sub} is not one exact subject")
                else:
                    subjects.add(sub)
        if subjects != expected.get(env):
            problems.append(
                f"{env}: trusts {sorted(subjects)}, not {sorted(expected.get(env, []))}"
            )
    return problems


# ---- moto: create the roles, assume them as the pipeline does ------------------------------


_ASSIGNED_BY_AWS = "arn:aws:kms:us-east-1:000000000000:key/assigned-by-aws"


def _token(use: Use) -> str:
    """An unsigned JWT with the claims the CI's token carries (moto does not verify it)."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    claims = {"iss": f"https://{use.issuer}", "sub": use.subject, "aud": use.audience}
    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.signature"


def moto_problems(
    repo: Path, answers: dict[str, Any], stacks: dict[str, Stack] | None = None
) -> list[str]:
    """Create every OIDC provider and role in moto, then assume each as its pipeline job does."""
    import boto3
    from moto import mock_aws

    stacks = created(repo) if stacks is None else stacks
    problems: list[str] = []
    saved = {k: os.environ.get(k) for k in ("MOTO_ACCOUNT_ID", "AWS_DEFAULT_REGION")}
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    try:
        with mock_aws():
            for stack in stacks.values():
                os.environ["MOTO_ACCOUNT_ID"] = stack.account
                iam = boto3.client("iam")
                for arn, client_ids in stack.providers.items():
                    url = "https://" + arn.split("oidc-provider/", 1)[1]
                    iam.create_open_id_connect_provider(Url=url, ClientIDList=client_ids)
                for role in stack.roles.values():
                    iam.create_role(
                        RoleName=role["name"], AssumeRolePolicyDocument=role["assume_role_policy"]
                    )
                    for index, policy in enumerate(stack.policies.get(role["name"], [])):
                        # an ARN AWS assigns (a key, a load balancer) stands in as a placeholder
                        known = policy.replace('"(known after apply)"', f'"{_ASSIGNED_BY_AWS}"')
                        iam.put_role_policy(
                            RoleName=role["name"], PolicyName=f"p{index}", PolicyDocument=known
                        )
            os.environ.pop("MOTO_ACCOUNT_ID")
            for use in pipeline_uses(repo, answers):
                problems += _assume(use)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return problems


def _assume(use: Use) -> list[str]:
    import boto3
    from botocore.exceptions import ClientError  # type: ignore[import-untyped]

    account, name = use.role_arn.split(":")[4], use.role_arn.rsplit("/", 1)[-1]
    session = boto3.client("sts").assume_role_with_web_identity(
        RoleArn=use.role_arn, RoleSessionName="ci", WebIdentityToken=_token(use)
    )["Credentials"]
    keys = {
        "aws_access_key_id": session["AccessKeyId"],
        "aws_secret_access_key": session["SecretAccessKey"],
        "aws_session_token": session["SessionToken"],
    }
    identity = boto3.client("sts", **keys).get_caller_identity()
    if identity["Arn"] != f"arn:aws:sts::{account}:assumed-role/{name}/ci":
        return [f"{use.where}: assumed {identity['Arn']}"]
    try:
        role = boto3.client("iam", **keys).get_role(RoleName=name)["Role"]
    except ClientError:
        return [f"{use.where}: {use.role_arn} does not exist in account {account}"]
    trust = role["AssumeRolePolicyDocument"]
    document = trust if isinstance(trust, str) else json.dumps(trust)
    if not permitted(document, "sts:AssumeRoleWithWebIdentity", **_claims(use)):
        return [f"{use.where}: the trust policy moto holds for {name} rejects {use.subject}"]
    return []


__all__ = ["UNKNOWN", "created", "moto_problems", "name_problems", "pipeline_uses"]
