"""The JSON report matches its documented schema, and the schema really constrains it."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from scaffold.report import REPORTERS
from scaffold.scan.model import redact
from tests.report.sample import Tokens, sample_results, staged_result

SCHEMA_PATH = Path(__file__).parents[2] / "docs" / "schemas" / "scan-report.schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _report(show_secrets: bool = False, results: Any = None) -> dict[str, Any]:
    out = io.StringIO()
    REPORTERS["json"](
        sample_results() if results is None else results, out, show_secrets=show_secrets
    )
    document: dict[str, Any] = json.loads(out.getvalue())
    return document


@pytest.mark.parametrize("show_secrets", [False, True])
def test_report_is_valid(validator: jsonschema.Draft202012Validator, show_secrets: bool) -> None:
    validator.validate(_report(show_secrets))


def test_empty_report_is_valid(validator: jsonschema.Draft202012Validator) -> None:
    document = _report(results=[])
    validator.validate(document)
    assert document["summary"] == {
        "repositories": 0,
        "findings": 0,
        "suppressed": 0,
        "complete": True,
    }


def test_schema_rejects_what_it_must(validator: jsonschema.Draft202012Validator) -> None:
    document = _report()
    finding = document["repositories"][0]["findings"][0]
    finding["secret"] = "x"  # a secret without --show-secrets
    assert not validator.is_valid(document)
    del finding["secret"]
    finding["line"] = 0
    assert not validator.is_valid(document)
    finding["line"] = 1
    document["schema_version"] = 2
    assert not validator.is_valid(document)


def test_finding_fields(tokens: Tokens) -> None:
    document = _report()
    assert document["schema_version"] == 1
    api = next(r for r in document["repositories"] if r["repository"] == "acme/api")
    assert [f["rule"]["severity"] for f in api["findings"]] == [
        "critical",
        "critical",
        "high",
        "medium",
    ]
    github = next(f for f in api["findings"] if f["rule"]["id"] == "github-pat-classic")
    assert github["path"] == "deploy/ci.sh"
    assert (github["line"], github["column"]) == (2, 9)
    assert github["commit"] == "1" * 40
    assert github["author"] == {"name": "Alice Example", "email": "alice@example.com"}
    assert github["validation"] == "checksum-valid"
    assert github["preview"] == redact(tokens.github)
    assert len(github["provenance"]) == 2
    message = next(f for f in api["findings"] if f["source"] == "commit-message")
    assert message["path"] is None and message["object_id"] == "3" * 40
    assert api["suppressed"] == 2 and len(api["skipped"]) == 2 and api["warnings"]
    assert document["summary"] == {
        "repositories": 2,
        "findings": 4,
        "suppressed": 2,
        "complete": False,
    }
    assert api["complete"] is False and api["incomplete"] == []  # the skipped items say why


def test_staged_finding(validator: jsonschema.Draft202012Validator) -> None:
    document = _report(results=[staged_result()])
    validator.validate(document)
    finding = document["repositories"][0]["findings"][0]
    assert finding["source"] == "staged" and finding["path"] == "app/.env"
    assert finding["commit"] is None and finding["author"] is None and finding["date"] is None
