"""`scaffold audit --aws`: read-only checks of the AWS account itself, through boto3.

Credentials come from boto3's default chain (environment, profile, SSO, instance role) and are
never stored or printed. Every call is a Describe/Get/List call (the policy in docs/audit.md).
A call the credentials may not make, or that keeps being throttled after adaptive backoff, makes
its check "unknown", naming the permission; the other checks go on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from scaffold.audit.model import Location, Outcome, Status, Verdict
from scaffold.errors import UsageError

STALE_FINDING_DAYS = 30
SNAPSHOT_MAX_AGE_DAYS = 2
_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError",
           "UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken",
           "ExpiredTokenException", "SignatureDoesNotMatch"}  # fmt: skip
_THROTTLED = {
    "Throttling",
    "ThrottlingException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
}


def botocore_errors() -> Any:
    """botocore's exception module (imported here only: boto3 is the optional aws extra)."""
    import botocore.exceptions  # type: ignore[import-untyped]

    return botocore.exceptions


class Unknown(Exception):
    """A check the account could not answer; the message names the missing permission."""


@dataclass
class Account:
    """One boto3 session, shared by every check; clients made once per service and region."""

    session: Any
    regions: tuple[str, ...]
    _clients: dict[tuple[str, str], Any]

    def client(self, service: str, region: str = "us-east-1") -> Any:
        from botocore.config import Config  # type: ignore[import-untyped]

        key = (service, region)
        if key not in self._clients:
            config = Config(retries={"mode": "adaptive", "max_attempts": 8}, connect_timeout=10)
            self._clients[key] = self.session.client(service, region_name=region, config=config)
        return self._clients[key]

    def call(self, service: str, action: str, region: str = "us-east-1", **params: Any) -> Any:
        """client.<action>(**params); problems of access become Unknown naming the permission."""
        errors = botocore_errors()
        BotoCoreError, ClientError, NoCredentialsError = (
            errors.BotoCoreError, errors.ClientError, errors.NoCredentialsError,
        )  # fmt: skip

        permission = _PERMISSIONS.get((service, action)) or (
            f"{service}:{''.join(p.capitalize() for p in action.split('_'))}"
        )
        try:
            return getattr(self.client(service, region), action)(**params)
        except NoCredentialsError:
            raise Unknown(
                "no AWS credentials found (default chain: env, profile, SSO, role)"
            ) from None
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in _DENIED or status == 403 or code == "403":
                raise Unknown(f"not allowed: {permission} ({code})") from None
            if code in _THROTTLED:
                raise Unknown(f"throttled on {permission} after retries with backoff") from None
            raise
        except BotoCoreError as exc:
            raise Unknown(f"{permission}: {exc}") from None

    @property
    def account_id(self) -> str:
        return str(self.call("sts", "get_caller_identity")["Account"])


# IAM action names that differ from the API operation's
_PERMISSIONS = {
    ("s3control", "get_public_access_block"): "s3:GetAccountPublicAccessBlock",
    ("budgets", "describe_budgets"): "budgets:ViewBudget",
}


def _result(ok: bool, good: str, bad: str, places: Sequence[Location] = ()) -> Verdict:
    return Verdict(Status.PASS, good) if ok else Verdict(Status.FAIL, bad, tuple(places))


def cloudtrail(account: Account) -> Verdict:
    region = account.regions[0]
    trails = account.call("cloudtrail", "describe_trails", region, includeShadowTrails=True)
    multi = [t for t in trails.get("trailList", []) if t.get("IsMultiRegionTrail")]
    logging = [
        t for t in multi
        if account.call("cloudtrail", "get_trail_status", region, Name=t["TrailARN"])["IsLogging"]
    ]  # fmt: skip
    if not multi:
        return Verdict(
            Status.FAIL, "no multi-region trail: API calls in other regions go unrecorded"
        )
    return _result(
        bool(logging),
        f"trail {logging[0]['Name'] if logging else ''} logs every region",
        f"multi-region trail {multi[0]['Name']} is not logging",
    )


def s3_account_block(account: Account) -> Verdict:
    ClientError = botocore_errors().ClientError

    try:
        block = account.call("s3control", "get_public_access_block", AccountId=account.account_id)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchPublicAccessBlockConfiguration":
            return Verdict(Status.FAIL, "no account-level S3 public access block")
        raise
    config = block.get("PublicAccessBlockConfiguration", {})
    off = [
        k
        for k in (
            "BlockPublicAcls",
            "IgnorePublicAcls",
            "BlockPublicPolicy",
            "RestrictPublicBuckets",
        )
        if not config.get(k)
    ]
    return _result(
        not off, "the account blocks public S3 access", f"account block has {', '.join(off)} off"
    )


def mfa(account: Account) -> Verdict:
    ClientError = botocore_errors().ClientError

    users = account.call("iam", "list_users").get("Users", [])
    missing = []
    for user in users:
        name = user["UserName"]
        try:
            account.call("iam", "get_login_profile", UserName=name)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NoSuchEntity":
                continue  # no console password: MFA does not apply
            raise
        if not account.call("iam", "list_mfa_devices", UserName=name).get("MFADevices"):
            missing.append(name)
    return _result(
        not missing, f"{len(users)} IAM user(s); every console user has MFA",
        f"{len(missing)} console user(s) without MFA: {', '.join(missing[:10])}",
    )  # fmt: skip


def security_hub(account: Account) -> Verdict:
    ClientError = botocore_errors().ClientError

    region = account.regions[0]
    try:
        account.call("securityhub", "describe_hub", region)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in (
            "InvalidAccessException",
            "ResourceNotFoundException",
        ):
            return Verdict(Status.FAIL, f"Security Hub is not enabled in {region}")
        raise
    filters = {"RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
               "WorkflowStatus": [{"Value": "NEW", "Comparison": "EQUALS"}]}  # fmt: skip
    findings = account.call("securityhub", "get_findings", region, Filters=filters, MaxResults=100)
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=STALE_FINDING_DAYS)
    stale = [f for f in findings.get("Findings", []) if _when(f.get("CreatedAt")) < cutoff]
    return _result(
        not stale, "Security Hub is on and no finding is older than 30 days",
        f"{len(stale)} Security Hub finding(s) open for more than {STALE_FINDING_DAYS} days",
        [Location(str(f.get("Title", f.get("Id", "")))[:120]) for f in stale[:10]],
    )  # fmt: skip


def _when(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    try:
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return dt.datetime.now(dt.UTC)


def open_security_groups(account: Account) -> Verdict:
    from scaffold.audit.evaluators.infra import ADMIN_PORTS

    open_: list[Location] = []
    for region in account.regions:
        for group in account.call("ec2", "describe_security_groups", region).get(
            "SecurityGroups", []
        ):
            for perm in group.get("IpPermissions", []):
                lo, hi = perm.get("FromPort", 0), perm.get("ToPort", 65535)
                everyone = perm.get("IpProtocol") == "-1"
                ports = [p for p in ADMIN_PORTS if everyone or lo <= p <= hi]
                cidrs = [r.get("CidrIp") for r in perm.get("IpRanges", [])]
                cidrs += [r.get("CidrIpv6") for r in perm.get("Ipv6Ranges", [])]
                if ports and any(c in ("0.0.0.0/0", "::/0") for c in cidrs):
                    open_.append(
                        Location(
                            f"{region}/{group['GroupId']}",
                            0,
                            f"{group.get('GroupName', '')} opens {ports}",
                        )
                    )
    return _result(
        not open_,
        "no security group opens 22 or 3389 to the world",
        f"{len(open_)} security group(s) open SSH or RDP to the world",
        open_,
    )


def rds(account: Account) -> Verdict:
    problems: list[Location] = []
    count = 0
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=SNAPSHOT_MAX_AGE_DAYS)
    for region in account.regions:
        for db in account.call("rds", "describe_db_instances", region).get("DBInstances", []):
            count += 1
            name = db["DBInstanceIdentifier"]
            if not db.get("MultiAZ"):
                problems.append(Location(f"{region}/{name}", 0, "not Multi-AZ"))
            snaps = account.call("rds", "describe_db_snapshots", region, DBInstanceIdentifier=name)
            times = [_when(s.get("SnapshotCreateTime")) for s in snaps.get("DBSnapshots", [])]
            if not times or max(times) < cutoff:
                problems.append(
                    Location(f"{region}/{name}", 0, f"no snapshot in {SNAPSHOT_MAX_AGE_DAYS} days")
                )
    if not count:
        return Verdict(Status.NOT_APPLICABLE, "no RDS instances in the checked regions")
    return _result(
        not problems,
        f"{count} database(s): Multi-AZ with recent snapshots",
        f"{len(problems)} problem(s) with {count} database(s)",
        problems,
    )


def alarms(account: Account) -> Verdict:
    found, silent = 0, []
    for region in account.regions:
        for alarm in account.call("cloudwatch", "describe_alarms", region).get("MetricAlarms", []):
            found += 1
            if not alarm.get("AlarmActions"):
                silent.append(Location(f"{region}/{alarm['AlarmName']}", 0, "no alarm action"))
    if not found:
        return Verdict(Status.FAIL, "no CloudWatch alarms in the checked regions")
    return _result(
        not silent,
        f"{found} alarm(s), each with an action",
        f"{len(silent)} alarm(s) notify nobody",
        silent,
    )


def budgets(account: Account) -> Verdict:
    listed = (
        account.call("budgets", "describe_budgets", AccountId=account.account_id).get("Budgets")
        or []
    )
    return _result(bool(listed), f"{len(listed)} budget(s)", "no AWS budget: spend goes unwatched")


AWS_CHECKS: dict[str, Callable[[Account], Verdict]] = {
    "aws.cloudtrail": cloudtrail,
    "aws.s3_account_block": s3_account_block,
    "aws.mfa": mfa,
    "aws.security_hub": security_hub,
    "aws.open_security_groups": open_security_groups,
    "aws.rds": rds,
    "aws.alarms": alarms,
    "aws.budgets": budgets,
}


def _regions(account: Account, wanted: tuple[str, ...]) -> tuple[str, ...]:
    if wanted:
        return wanted
    home = account.session.region_name or "us-east-1"
    account.regions = (home,)
    found = account.call("ec2", "describe_regions", home).get("Regions", [])
    return tuple(sorted(r["RegionName"] for r in found)) or (home,)


def account_outcomes(*, regions: tuple[str, ...] = (), session: Any = None) -> list[Outcome]:
    """Every AWS check's verdict; never raises for access problems (they are "unknown")."""
    try:
        import boto3
    except ImportError:
        raise UsageError("--aws needs boto3: pip install 'scaffold[aws]'") from None
    from scaffold.audit.checks import load_checks

    account = Account(session or boto3.Session(), regions, {})
    outcomes = []
    try:
        account.regions = _regions(account, regions)
    except Unknown as exc:
        account.regions = regions or ("us-east-1",)
        region_problem: str | None = str(exc)
    else:
        region_problem = None
    for check in load_checks():
        if check.source != "aws":
            continue
        try:
            verdict = AWS_CHECKS[check.evaluator](account)
            if region_problem and check.evaluator in (
                "aws.open_security_groups",
                "aws.rds",
                "aws.alarms",
            ):
                verdict = Verdict(
                    verdict.status,
                    f"{verdict.reason} (only {account.regions[0]}: {region_problem})",
                    verdict.locations,
                )
        except Unknown as exc:
            verdict = Verdict(Status.UNKNOWN, str(exc))
        except Exception as exc:  # an answer we did not expect: this check only, not the audit
            verdict = Verdict(
                Status.UNKNOWN, f"unexpected answer from AWS: {type(exc).__name__}: {exc}"
            )
        outcomes.append(Outcome(check, verdict))
    return outcomes
