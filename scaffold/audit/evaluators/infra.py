"""Checks on infrastructure code: Terraform (python-hcl2) and CloudFormation/CDK output."""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath
from typing import Any

from scaffold.audit.evaluators.common import (
    WORLD,
    as_int,
    as_list,
    at,
    failed,
    first_block,
    not_applicable,
    of_type,
    passed,
    truthy,
    walk,
)
from scaffold.audit.inputs import Inputs, Resource
from scaffold.audit.model import Location, Verdict

ADMIN_PORTS = {22: "SSH", 3389: "RDP"}
NO_IAC = "no infrastructure code (Terraform, CloudFormation, CDK output) in this repository"


def _ports(protocol: Any, low: Any, high: Any) -> list[int]:
    proto = str(protocol).lower() if protocol is not None else "tcp"
    if proto in ("-1", "all"):
        return sorted(ADMIN_PORTS)
    lo, hi = as_int(low), as_int(high)
    if lo is None or hi is None:
        return []
    if lo == -1 or (lo == 0 and hi in (0, 65535)):
        return sorted(ADMIN_PORTS) if proto in ("tcp", "6", "-1") or hi == 65535 else []
    return [p for p in ADMIN_PORTS if lo <= p <= hi]


def _world(*cidrs: Any) -> list[str]:
    return [c for c in cidrs for c in as_list(c) if c in WORLD]


def open_admin_ports(inputs: Inputs) -> Verdict:
    groups = of_type(
        inputs, "aws_security_group", "aws_security_group_rule",
        "aws_vpc_security_group_ingress_rule", "AWS::EC2::SecurityGroup",
        "AWS::EC2::SecurityGroupIngress",
    )  # fmt: skip
    if not groups:
        return not_applicable("no security groups declared" if inputs.has_iac else NO_IAC)
    found: list[Location] = []

    def flag(res: Resource, ports: list[int], cidrs: list[str]) -> None:
        if ports and cidrs:
            names = "/".join(f"{p} ({ADMIN_PORTS[p]})" for p in ports)
            message = f"{res.type}.{res.name} opens {names} to {', '.join(cidrs)}"
            found.append(at(inputs, res, cidrs[0], message=message))

    for res in groups:
        body = res.body if isinstance(res.body, dict) else {}
        if res.type == "aws_security_group":
            for rule in as_list(body.get("ingress")):
                if isinstance(rule, dict):
                    ports = _ports(rule.get("protocol"), rule.get("from_port"), rule.get("to_port"))
                    flag(res, ports, _world(rule.get("cidr_blocks"), rule.get("ipv6_cidr_blocks")))
        elif res.type == "aws_security_group_rule":
            if body.get("type") == "ingress":
                ports = _ports(body.get("protocol"), body.get("from_port"), body.get("to_port"))
                flag(res, ports, _world(body.get("cidr_blocks"), body.get("ipv6_cidr_blocks")))
        elif res.type == "aws_vpc_security_group_ingress_rule":
            ports = _ports(body.get("ip_protocol"), body.get("from_port"), body.get("to_port"))
            flag(res, ports, _world(body.get("cidr_ipv4"), body.get("cidr_ipv6")))
        else:
            rules = (
                as_list(body.get("SecurityGroupIngress")) if res.type.endswith("Group") else [body]
            )
            for rule in rules:
                if isinstance(rule, dict):
                    ports = _ports(rule.get("IpProtocol"), rule.get("FromPort"), rule.get("ToPort"))
                    flag(res, ports, _world(rule.get("CidrIp"), rule.get("CidrIpv6")))
    if found:
        return failed(f"{len(found)} rule(s) open SSH or RDP to the internet", found)
    return passed(f"{len(groups)} security group resource(s); none opens 22 or 3389 to the world")


_BLOCK_KEYS = (
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
)
_CFN_BLOCK_KEYS = (
    "BlockPublicAcls",
    "BlockPublicPolicy",
    "IgnorePublicAcls",
    "RestrictPublicBuckets",
)
_PUBLIC_ACLS = ("public-read", "public-read-write", "PublicRead", "PublicReadWrite")


def _refers(value: Any, rtype: str, name: str) -> bool:
    return isinstance(value, str) and f"{rtype}.{name}." in value


def s3_public_access(inputs: Inputs) -> Verdict:
    buckets = of_type(inputs, "aws_s3_bucket", "AWS::S3::Bucket")
    if not buckets:
        return not_applicable("no S3 buckets declared" if inputs.has_iac else NO_IAC)
    account_block = of_type(inputs, "aws_s3_account_public_access_block")
    account_ok = any(all(truthy(b.body.get(k)) for k in _BLOCK_KEYS) for b in account_block)
    blocks = of_type(inputs, "aws_s3_bucket_public_access_block")
    acls = of_type(inputs, "aws_s3_bucket_acl")
    policies = of_type(inputs, "aws_s3_bucket_policy")
    found: list[Location] = []
    for bucket in buckets:
        label = f"{bucket.type}.{bucket.name}"
        if not bucket.terraform:
            props = bucket.body if isinstance(bucket.body, dict) else {}
            config = props.get("PublicAccessBlockConfiguration") or {}
            if props.get("AccessControl") in _PUBLIC_ACLS:
                found.append(
                    at(inputs, bucket, "AccessControl", message=f"{label} has a public ACL")
                )
            elif not all(truthy(config.get(k)) for k in _CFN_BLOCK_KEYS):
                found.append(at(inputs, bucket, message=f"{label} does not block public access"))
            continue
        acl = bucket.body.get("acl")
        acl_res = [a for a in acls if _refers(a.body.get("bucket"), "aws_s3_bucket", bucket.name)]
        if acl in _PUBLIC_ACLS:
            found.append(at(inputs, bucket, "acl", message=f"{label} has ACL {acl}"))
        for a in acl_res:
            if a.body.get("acl") in _PUBLIC_ACLS:
                found.append(
                    at(inputs, a, "acl", message=f"{label} is given ACL {a.body.get('acl')}")
                )
        for policy in policies:
            if _refers(policy.body.get("bucket"), "aws_s3_bucket", bucket.name) and _public_policy(
                policy.body.get("policy")
            ):
                found.append(
                    at(inputs, policy, "Principal", message=f"{label}: policy allows anyone")
                )
        mine = [b for b in blocks if _refers(b.body.get("bucket"), "aws_s3_bucket", bucket.name)]
        if not mine and not account_ok:
            found.append(at(inputs, bucket, message=f"{label} has no public access block"))
        for block in mine:
            off = [
                k for k in _BLOCK_KEYS if truthy(block.body.get(k)) is False or k not in block.body
            ]
            if off:
                found.append(
                    at(inputs, block, off[0], message=f"{label}: {', '.join(off)} not true")
                )
    if found:
        return failed(f"{len(found)} problem(s) with public access to S3", found)
    return passed(f"{len(buckets)} bucket(s), each with public access blocked")


def _public_policy(policy: Any) -> bool:
    for st in statements(policy):
        principal = st.get("Principal") or st.get("principals")
        if (
            str(st.get("Effect", "Allow")).lower() == "allow"
            and (principal == "*" or (isinstance(principal, dict) and principal.get("AWS") == "*"))
            and not st.get("Condition")
        ):
            return True
    return False


def statements(policy: Any) -> list[dict[str, Any]]:
    """IAM statements in a policy value: a mapping, a JSON string, or a list of them."""
    if isinstance(policy, str) and policy.lstrip().startswith("{"):
        try:
            policy = json.loads(policy)
        except ValueError:
            return []
    found: list[dict[str, Any]] = []
    for node in walk(policy):
        if isinstance(node, dict):
            for key in ("Statement", "statement"):
                for st in as_list(node.get(key)):
                    if isinstance(st, dict):
                        found.append(st)
    return found


def _policy_values(res: Resource) -> list[Any]:
    if res.type == "data.aws_iam_policy_document":
        return [{"Statement": [_document_statement(s) for s in as_list(res.body.get("statement"))]}]
    values: list[Any] = []
    for node in walk(res.body):
        json_text = isinstance(node, str) and node.lstrip().startswith("{")
        if (json_text and "tatement" in node) or (
            isinstance(node, dict) and ("Statement" in node or "statement" in node)
        ):
            values.append(node)
    return values


def _document_statement(st: Any) -> dict[str, Any]:
    st = st if isinstance(st, dict) else {}
    return {
        "Effect": str(st.get("effect", "Allow")).capitalize(),
        "Action": st.get("actions", []),
        "Resource": st.get("resources", []),
    }


def iam_wildcards(inputs: Inputs) -> Verdict:
    found: list[Location] = []
    seen_policies = 0
    for res in inputs.resources:
        if res.type in (
            "aws_iam_role_policy_attachment",
            "aws_iam_user_policy_attachment",
            "aws_iam_group_policy_attachment",
            "aws_iam_policy_attachment",
        ):
            arn = str(res.body.get("policy_arn", ""))
            seen_policies += 1
            if arn.endswith("/AdministratorAccess"):
                found.append(
                    at(
                        inputs,
                        res,
                        "AdministratorAccess",
                        message=f"{res.type}.{res.name} attaches AdministratorAccess",
                    )
                )
            continue
        for policy in _policy_values(res):
            for st in statements(policy):
                seen_policies += 1
                if str(st.get("Effect", "Allow")).lower() != "allow":
                    continue
                actions = [str(a) for a in as_list(st.get("Action"))]
                resources = [str(r) for r in as_list(st.get("Resource"))]
                if any(a in ("*", "*:*") for a in actions) and "*" in resources:
                    found.append(
                        at(
                            inputs,
                            res,
                            '"*"',
                            message=f"{res.type}.{res.name} allows every action on every resource",
                        )
                    )
    if found:
        return failed(f"{len(found)} statement(s) grant *:*", found)
    if not seen_policies:
        return not_applicable("no IAM policies declared" if inputs.has_iac else NO_IAC)
    return passed(f"{seen_policies} IAM statement(s); none allows * on *")


def oidc_trust(inputs: Inputs) -> Verdict:
    from scaffold.audit import files
    from scaffold.hooks import trust

    paths = inputs.repo.matching(lambda p: files.is_terraform(p) or p.endswith(".json"))
    paths += sorted({r.path for r in inputs.cloudformation})
    found: list[Location] = []
    trusting = 0
    for path in paths:
        text = inputs.repo.text(path) or ""
        if "AssumeRoleWithWebIdentity" not in text:
            continue
        trusting += 1
        for problem in trust.check_text(path, text):
            found.append(
                Location(problem.path, problem.line, f"[{problem.check}] {problem.message}")
            )
    if found:
        return failed(f"{len(found)} problem(s) in OIDC trust policies", found)
    if not trusting:
        return not_applicable(
            "no role trusts a CI identity provider (no AssumeRoleWithWebIdentity)"
        )
    return passed(f"{trusting} file(s) with web-identity trust; each names an exact sub and aud")


def rds_resilience(inputs: Inputs) -> Verdict:
    dbs = of_type(
        inputs, "aws_db_instance", "aws_rds_cluster", "AWS::RDS::DBInstance", "AWS::RDS::DBCluster"
    )
    if not dbs:
        return not_applicable("no RDS databases declared" if inputs.has_iac else NO_IAC)
    found: list[Location] = []
    for db in dbs:
        label = f"{db.type}.{db.name}"
        body = db.body if isinstance(db.body, dict) else {}
        if db.terraform:
            multi = body.get("multi_az") if db.type == "aws_db_instance" else True
            checks = {
                "multi_az": truthy(multi) is True,
                "backup_retention_period": (as_int(body.get("backup_retention_period")) or 0) >= 1,
                "storage_encrypted": truthy(body.get("storage_encrypted")) is True,
            }
        else:
            multi = body.get("MultiAZ") if db.type.endswith("Instance") else True
            checks = {
                "MultiAZ": truthy(multi) is True,
                "BackupRetentionPeriod": (as_int(body.get("BackupRetentionPeriod")) or 1) >= 1,
                "StorageEncrypted": truthy(body.get("StorageEncrypted")) is True,
            }
        missing = [k for k, ok in checks.items() if not ok]
        if missing:
            found.append(at(inputs, db, message=f"{label}: {', '.join(missing)} not set"))
    if found:
        return failed(f"{len(found)} database(s) without Multi-AZ, backups or encryption", found)
    return passed(f"{len(dbs)} database(s): Multi-AZ, backups and encryption on")


def _declared(inputs: Inputs, what: str, test: Any, *types: str) -> Verdict:
    if not inputs.has_iac:
        return not_applicable(NO_IAC)
    candidates = of_type(inputs, *types)
    good = [r for r in candidates if test(r)]
    if good:
        return passed(f"{what}: {good[0].type}.{good[0].name} in {good[0].path}:{good[0].line}")
    if candidates:
        return failed(f"{what} declared but not as required", [at(inputs, r) for r in candidates])
    return failed(f"no {what} declared in this repository's infrastructure code")


def cloudtrail_declared(inputs: Inputs) -> Verdict:
    def multi(r: Resource) -> bool:
        key = "is_multi_region_trail" if r.terraform else "IsMultiRegionTrail"
        return truthy(r.body.get(key)) is True

    return _declared(
        inputs, "multi-region CloudTrail trail", multi, "aws_cloudtrail", "AWS::CloudTrail::Trail"
    )


def securityhub_declared(inputs: Inputs) -> Verdict:
    return _declared(
        inputs, "Security Hub", lambda r: True, "aws_securityhub_account", "AWS::SecurityHub::Hub"
    )


def budget_declared(inputs: Inputs) -> Verdict:
    return _declared(
        inputs, "AWS budget", lambda r: True, "aws_budgets_budget", "AWS::Budgets::Budget"
    )


def alarms_with_actions(inputs: Inputs) -> Verdict:
    alarms = of_type(
        inputs,
        "aws_cloudwatch_metric_alarm",
        "aws_cloudwatch_composite_alarm",
        "AWS::CloudWatch::Alarm",
    )
    if not alarms:
        if not inputs.has_iac:
            return not_applicable(NO_IAC)
        return failed("no CloudWatch alarms declared: nothing tells you the service is down")
    silent = [
        at(inputs, a, message=f"{a.type}.{a.name} has no alarm action")
        for a in alarms
        if not as_list(a.body.get("alarm_actions") if a.terraform else a.body.get("AlarmActions"))
    ]
    if silent:
        return failed(f"{len(silent)} of {len(alarms)} alarm(s) notify nobody", silent)
    return passed(f"{len(alarms)} alarm(s), each with an action")


def iac_present(inputs: Inputs) -> Verdict:
    from scaffold.audit import files

    iac = inputs.repo.matching(files.is_terraform) + sorted({r.path for r in inputs.cloudformation})
    iac += sorted({p for p, _ in inputs.kubernetes})
    iac += [p for p in inputs.repo.paths if PurePosixPath(p).name in ("Chart.yaml", "Pulumi.yaml")]
    if not iac:
        from scaffold.audit.evaluators.common import is_service

        if not is_service(inputs):
            return not_applicable(
                "no infrastructure code, and nothing runs from this repository (a library or "
                "tool: no Dockerfile, manifests or compute to describe)"
            )
        return failed("no infrastructure code: Terraform, CloudFormation, CDK, Kubernetes or Helm")
    untracked = [p for p in iac if p not in inputs.repo.tracked]
    if untracked:
        return failed(
            f"{len(untracked)} infrastructure file(s) not committed",
            [Location(p, 0, "not tracked by git") for p in untracked],
        )
    return passed(f"{len(iac)} infrastructure file(s), all in git")


def terraform_modules(inputs: Inputs) -> Verdict:
    if not inputs.terraform_files and not inputs.cloudformation:
        return not_applicable(NO_IAC)
    modules = of_type(inputs, "module", "AWS::CloudFormation::Stack")
    if modules:
        return passed(f"{len(modules)} module call(s), e.g. {modules[0].name} in {modules[0].path}")
    return failed("every resource is written inline; no reusable module is called")


_ACCOUNT = re.compile(r"\b(\d{12})\b")
_ENV_DIRS = ("envs", "environments", "env", "live", "stages", "accounts")


def environment_accounts(inputs: Inputs) -> dict[str, set[str]]:
    """Environment name -> AWS account ids, from Terraform environment folders and the roles
    CI deploy jobs assume."""
    found: dict[str, set[str]] = {}
    for res in of_type(inputs, "provider"):
        parts = PurePosixPath(res.path).parts
        env = next((parts[i + 1] for i, p in enumerate(parts[:-1]) if p in _ENV_DIRS), None)
        if env is None:
            continue
        ids = {str(a) for a in as_list(res.body.get("allowed_account_ids"))}
        found.setdefault(env, set()).update(i for i in ids if _ACCOUNT.fullmatch(i))
    from scaffold.audit.evaluators.ci import deploy_jobs

    jobs = [j for j in deploy_jobs(inputs) if j.environment and not j.environment.startswith("${{")]
    names = set(found) | {j.environment for j in jobs}
    for job in jobs:
        # `production-apply`, `dev-plan`: an approval gate of an environment, not another one
        gate = job.environment.rpartition("-")[0]
        environment = gate if gate in names else job.environment
        for account in _ACCOUNT.findall(job.text):
            found.setdefault(environment, set()).add(account)
    return found


def separate_environments(inputs: Inputs) -> Verdict:
    envs = environment_accounts(inputs)
    if not envs:
        if not inputs.has_iac:
            return not_applicable(NO_IAC)
        return failed(
            "no environments found (folders under envs/ or deploy jobs with environments)"
        )
    if len(envs) < 2:
        return failed(f"only one environment ({', '.join(envs)}): nothing to try a change on first")
    shared: dict[str, list[str]] = {}
    for env, accounts in envs.items():
        for account in accounts:
            shared.setdefault(account, []).append(env)
    clash = {a: e for a, e in shared.items() if len(e) > 1}
    if clash:
        text = "; ".join(f"{', '.join(sorted(e))} share account {a}" for a, e in clash.items())
        return failed(f"environments share an AWS account: {text}")
    unknown = [e for e, a in envs.items() if not a]
    if unknown:
        return failed(f"no AWS account pinned for {', '.join(sorted(unknown))}")
    return passed(f"{len(envs)} environments, each in its own account: {', '.join(sorted(envs))}")


def cost_tags(inputs: Inputs) -> Verdict:
    providers = [p for p in of_type(inputs, "provider") if p.name == "aws"]
    if not providers:
        return not_applicable("no Terraform AWS provider" if inputs.has_iac else NO_IAC)
    untagged = [p for p in providers if not first_block(p.body.get("default_tags")).get("tags")]
    if untagged:
        return failed(
            f"{len(untagged)} AWS provider block(s) without default_tags",
            [
                at(inputs, p, message="no default_tags: spend cannot be split by service")
                for p in untagged
            ],
        )
    return passed(f"{len(providers)} AWS provider block(s) tag every resource (default_tags)")
