"""Small helpers every evaluator uses: verdict constructors and value tests."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from scaffold.audit.inputs import Inputs, Resource
from scaffold.audit.model import Location, Status, Verdict

WORLD = ("0.0.0.0/0", "::/0")


def passed(reason: str) -> Verdict:
    return Verdict(Status.PASS, reason)


def failed(reason: str, locations: Iterable[Location] = ()) -> Verdict:
    return Verdict(Status.FAIL, reason, tuple(locations))


def not_applicable(reason: str) -> Verdict:
    return Verdict(Status.NOT_APPLICABLE, reason)


def truthy(value: Any) -> bool | None:
    """True/False for a literal, None for an expression we cannot evaluate."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def first_block(value: Any) -> dict[str, Any]:
    """A Terraform nested block (a list of one mapping) or a mapping, as a mapping."""
    for item in as_list(value):
        if isinstance(item, dict):
            return item
    return {}


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def of_type(inputs: Inputs, *types: str) -> list[Resource]:
    return [r for r in inputs.resources if r.type in types]


def at(inputs: Inputs, res: Resource, *needles: str, message: str = "") -> Location:
    return Location(res.path, inputs.line_of(res, *needles) if needles else res.line, message)


def walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for child in value.values():
            yield from walk(child)
    elif isinstance(value, list):
        for child in value:
            yield from walk(child)


def is_service(inputs: Inputs) -> bool:
    """Something runs from this repository: a container, manifests, compute or a Procfile."""
    from scaffold.audit import files

    if inputs.repo.matching(files.is_dockerfile) or inputs.kubernetes:
        return True
    names = {p.rsplit("/", 1)[-1] for p in inputs.repo.paths}
    if names & {"Procfile", "serverless.yml", "app.yaml", "Chart.yaml", "fly.toml"}:
        return True
    compute = (
        "aws_ecs_service", "aws_lambda_function", "aws_instance", "aws_autoscaling_group",
        "aws_elastic_beanstalk_environment", "aws_apprunner_service", "AWS::ECS::Service",
        "AWS::Lambda::Function", "AWS::EC2::Instance", "AWS::Serverless::Function",
        "AWS::AutoScaling::AutoScalingGroup",
    )  # fmt: skip
    return bool(of_type(inputs, *compute))
