"""Every deployed environment is watched: what the evaluated Terraform creates to know the
service is down before a customer does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.new.generated import ANSWER_SETS
from tests.new.names import created
from tests.new.terraform import Resource

WITH_INFRA = [name for name in ANSWER_SETS if name not in ("no-terraform", "deploy-none")]


def _by_kind(repo: Path, env: str) -> dict[str, list[Resource]]:
    found: dict[str, list[Resource]] = {}
    for module in created(repo)[env].module.modules.values():
        for resource in module.resources():
            found.setdefault(resource.kind, []).append(resource)
    return found


@pytest.mark.parametrize("name", WITH_INFRA)
def test_each_environment_has_alarms_a_topic_an_uptime_check_and_a_dashboard(
    rendered: dict[str, Path], name: str
) -> None:
    repo = rendered[name]
    ecs = ANSWER_SETS[name].get("deploy_target", "ecs-fargate") == "ecs-fargate"
    for env in created(repo):
        kinds = _by_kind(repo, env)
        alarms = {a["alarm_name"]: a for a in kinds["aws_cloudwatch_metric_alarm"]}
        third = "unhealthy-hosts" if ecs else "function-errors"
        assert len(alarms) == 4, (env, sorted(alarms))
        for kind in ("error-rate", "latency", third, "uptime"):
            assert any(n.endswith(f"-{env}-{kind}") for n in alarms), (env, kind)
        topics = {t["name"]: t.region for t in kinds["aws_sns_topic"]}
        for alarm in alarms.values():
            targets = alarm["alarm_actions"]
            assert len(targets) == 1 and targets[0].split(":")[5] in topics, alarm["alarm_name"]
            assert targets[0].split(":")[3] == alarm.region, "an alarm notifies in its region"
        uptime = next(a for n, a in alarms.items() if n.endswith("-uptime"))
        assert uptime.region == "us-east-1" and uptime["namespace"] == "AWS/Route53"
        emails = [s for s in kinds["aws_sns_topic_subscription"] if s["protocol"] == "email"]
        assert len(emails) == 2, "the regional and the us-east-1 topic both mail"
        (check,) = kinds["aws_route53_health_check"]
        assert (check["type"], check["resource_path"], check["port"]) == ("HTTPS", "/health", 443)
        (dashboard,) = kinds["aws_cloudwatch_dashboard"]
        widgets = json.loads(dashboard["dashboard_body"])["widgets"]
        titles = " ".join(w["properties"]["title"] for w in widgets)
        for word in ("Latency" if ecs else "Duration", "Error rate", "Alarms", "Uptime"):
            assert word in titles, (env, word)
        assert ("CPU and memory" in titles) is ecs


@pytest.mark.parametrize("name", [n for n in WITH_INFRA if "lambda" not in n])
def test_ecs_services_sit_behind_a_load_balancer_checking_health(
    rendered: dict[str, Path], name: str
) -> None:
    repo = rendered[name]
    for env in created(repo):
        kinds = _by_kind(repo, env)
        (balancer,) = kinds["aws_lb"]
        assert balancer["internal"] is False and balancer["drop_invalid_header_fields"] is True
        (group,) = kinds["aws_lb_target_group"]
        (health,) = group["health_check"]
        assert (health["path"], health["matcher"]) == ("/health", "200")
        (listener,) = kinds["aws_lb_listener"]
        assert (listener["protocol"], listener["port"]) == ("HTTPS", 443)
        (service,) = kinds["aws_ecs_service"]
        (attached,) = service["load_balancer"]
        assert attached["container_port"] == 8000
        assert kinds["aws_wafv2_web_acl_association"], "the firewall sits in front"
