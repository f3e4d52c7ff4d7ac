"""`--aws`: every AWS check against moto, passing and failing, and access problems as unknown."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from scaffold.audit.aws import AWS_CHECKS, Account, account_outcomes
from scaffold.audit.checks import load_checks
from scaffold.audit.model import Status

REGION = "eu-west-1"
Setup = Callable[[Any], None]


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")


@pytest.fixture
def session() -> Iterator[Any]:
    with mock_aws():
        yield boto3.Session(region_name=REGION)


def _trail(s: Any, logging: bool) -> None:
    boto3_s3 = s.client("s3", region_name=REGION)
    boto3_s3.create_bucket(Bucket="trail", CreateBucketConfiguration={"LocationConstraint": REGION})
    ct = s.client("cloudtrail", region_name=REGION)
    ct.create_trail(Name="all", S3BucketName="trail", IsMultiRegionTrail=True)
    if logging:
        ct.start_logging(Name="all")


def _block(s: Any, on: bool) -> None:
    if on:
        account = s.client("sts").get_caller_identity()["Account"]
        s.client("s3control", region_name=REGION).put_public_access_block(
            AccountId=account,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True, "IgnorePublicAcls": True,
                "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
            },
        )  # fmt: skip


def _user(s: Any, with_mfa: bool) -> None:
    iam = s.client("iam")
    iam.create_user(UserName="alice")
    iam.create_login_profile(
        UserName="alice", Password="Correct-Horse-9"
    )  # pragma: allowlist secret
    if with_mfa:
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
        iam.enable_mfa_device(
            UserName="alice", SerialNumber=serial["SerialNumber"],
            AuthenticationCode1="123456", AuthenticationCode2="654321",
        )  # fmt: skip


def _hub(s: Any, stale: bool) -> None:
    hub = s.client("securityhub", region_name=REGION)
    hub.enable_security_hub()
    if stale:
        account = s.client("sts").get_caller_identity()["Account"]
        old = (dt.datetime.now(dt.UTC) - dt.timedelta(days=90)).isoformat()
        hub.batch_import_findings(
            Findings=[{
                "SchemaVersion": "2018-10-08", "Id": "f1", "ProductArn":
                f"arn:aws:securityhub:{REGION}:{account}:product/{account}/default",
                "GeneratorId": "g", "AwsAccountId": account,
                "Types": ["Software and Configuration Checks"],
                "CreatedAt": old, "UpdatedAt": old, "Severity": {"Label": "HIGH"},
                "Title": "S3 bucket is public", "Description": "d",
                "Resources": [{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::b"}],
                "RecordState": "ACTIVE", "Workflow": {"Status": "NEW"},
            }]
        )  # fmt: skip


def _group(s: Any, open_ssh: bool) -> None:
    ec2 = s.client("ec2", region_name=REGION)
    group = ec2.create_security_group(GroupName="web", Description="web")["GroupId"]
    port = 22 if open_ssh else 443
    ec2.authorize_security_group_ingress(
        GroupId=group, IpProtocol="tcp", FromPort=port, ToPort=port, CidrIp="0.0.0.0/0"
    )


def _database(s: Any, resilient: bool) -> None:
    rds = s.client("rds", region_name=REGION)
    rds.create_db_instance(
        DBInstanceIdentifier="main", DBInstanceClass="db.t3.micro", Engine="postgres",
        MasterUsername="app",
        MasterUserPassword="not-a-real-password-1",  # pragma: allowlist secret
        AllocatedStorage=20, MultiAZ=resilient,
    )  # fmt: skip
    if resilient:
        rds.create_db_snapshot(DBInstanceIdentifier="main", DBSnapshotIdentifier="today")


def _alarm(s: Any, with_action: bool) -> None:
    cw = s.client("cloudwatch", region_name=REGION)
    topic = s.client("sns", region_name=REGION).create_topic(Name="pager")["TopicArn"]
    cw.put_metric_alarm(
        AlarmName="errors", MetricName="5XXError", Namespace="AWS/ApplicationELB",
        Statistic="Sum", Period=60, EvaluationPeriods=5, Threshold=1.0,
        ComparisonOperator="GreaterThanThreshold", AlarmActions=[topic] if with_action else [],
    )  # fmt: skip


def _budget(s: Any, present: bool) -> None:
    if present:
        account = s.client("sts").get_caller_identity()["Account"]
        s.client("budgets", region_name="us-east-1").create_budget(
            AccountId=account,
            Budget={"BudgetName": "monthly", "BudgetLimit": {"Amount": "100", "Unit": "USD"},
                    "TimeUnit": "MONTHLY", "BudgetType": "COST"},
        )  # fmt: skip


SETUPS: dict[str, Callable[[Any, bool], None]] = {
    "aws.cloudtrail": _trail,
    "aws.s3_account_block": _block,
    "aws.mfa": _user,
    "aws.security_hub": lambda s, good: _hub(s, stale=not good),
    "aws.open_security_groups": lambda s, good: _group(s, open_ssh=not good),
    "aws.rds": _database,
    "aws.alarms": _alarm,
    "aws.budgets": _budget,
}


def test_every_aws_check_has_a_moto_setup() -> None:
    aws = {c.evaluator for c in load_checks() if c.source == "aws"}
    assert aws == set(SETUPS) == set(AWS_CHECKS)


@pytest.mark.parametrize("good", [True, False], ids=["passes", "fails"])
@pytest.mark.parametrize("evaluator", sorted(SETUPS))
def test_aws_check_both_ways(evaluator: str, good: bool, session: Any) -> None:
    SETUPS[evaluator](session, good)
    verdict = AWS_CHECKS[evaluator](Account(session, (REGION,), {}))
    assert verdict.status == (Status.PASS if good else Status.FAIL), verdict.reason


def test_outcomes_cover_every_aws_check(session: Any) -> None:
    outcomes = account_outcomes(regions=(REGION,), session=session)
    assert {o.check.source for o in outcomes} == {"aws"}
    assert len(outcomes) == len(AWS_CHECKS)
    assert all(o.status in (Status.PASS, Status.FAIL, Status.NOT_APPLICABLE) for o in outcomes)


def test_no_credentials_make_every_check_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # never ask a metadata server
    outcomes = account_outcomes(regions=(REGION,), session=boto3.Session(region_name=REGION))
    assert {o.status for o in outcomes} == {Status.UNKNOWN}
    assert all("no AWS credentials" in o.verdict.reason for o in outcomes)


def test_missing_permission_is_named(session: Any) -> None:
    from moto.core import set_initial_no_auth_action_count

    iam = session.client("iam")
    iam.create_user(UserName="auditor")
    allowed = ["sts:GetCallerIdentity", "cloudtrail:Describe*"]
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": allowed, "Resource": "*"}
    ]}  # fmt: skip
    iam.put_user_policy(UserName="auditor", PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="auditor")["AccessKey"]
    limited = boto3.Session(
        aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
        region_name=REGION,
    )  # fmt: skip

    @set_initial_no_auth_action_count(0)
    def audit() -> dict[str, Any]:
        return {
            o.check.evaluator: o.verdict
            for o in account_outcomes(regions=(REGION,), session=limited)
        }

    verdicts = audit()
    # allowed: evaluated (there is no trail); not allowed: unknown, naming the permission
    assert verdicts["aws.cloudtrail"].status == Status.FAIL
    assert verdicts["aws.alarms"].status == Status.UNKNOWN
    assert "cloudwatch:DescribeAlarms" in verdicts["aws.alarms"].reason
    assert verdicts["aws.mfa"].status == Status.UNKNOWN
    assert "iam:ListUsers" in verdicts["aws.mfa"].reason


def test_throttling_is_unknown_after_backoff(session: Any) -> None:
    from botocore.stub import Stubber  # type: ignore[import-untyped]

    account = Account(session, (REGION,), {})
    client = account.client("cloudwatch", REGION)
    with Stubber(client) as stub:
        stub.add_client_error(
            "describe_alarms", service_error_code="Throttling", http_status_code=400
        )
        verdict_status = None
        try:
            AWS_CHECKS["aws.alarms"](account)
        except Exception as exc:  # the evaluator raises Unknown; account_outcomes records it
            verdict_status = type(exc).__name__
    assert verdict_status == "Unknown"


def test_audit_command_with_aws(
    session: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from scaffold.cli import main
    from tests.gitrepo import GitRepo

    repo = GitRepo.init(tmp_path / "r")
    repo.commit("one", {"README.md": "# r\n"})
    _group(session, open_ssh=True)
    args = ["audit", str(repo.path), "--no-history", "--aws", "--aws-region", REGION]
    assert main([*args, "--format", "json", "--datastore", str(tmp_path / "a.db")]) == 0
    report = json.loads(capsys.readouterr().out)
    checks = {c["id"]: c for c in report["repositories"][0]["checks"]}
    assert checks["aws-open-security-groups"]["status"] == "fail"
    assert checks["aws-open-security-groups"]["locations"][0]["path"].startswith(f"{REGION}/sg-")
    assert checks["aws-open-security-groups"]["scope"] == "account"
