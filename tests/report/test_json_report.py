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
        "secrets": 0,
        "held_back": 0,
        "places": 0,
        "suppressed": 0,
        "complete": True,
    }


def test_schema_rejects_what_it_must(validator: jsonschema.Draft202012Validator) -> None:
    document = _report()
    secret = document["repositories"][0]["secrets"][0]
    secret["secret"] = "x"  # a secret without --show-secrets
    assert not validator.is_valid(document)
    del secret["secret"]
    secret["locations"][0]["line"] = 0
    assert not validator.is_valid(document)
    secret["locations"][0]["line"] = 1
    secret["context"] = "elsewhere"
    assert not validator.is_valid(document)
    secret["context"] = "source"
    document["schema_version"] = 1
    assert not validator.is_valid(document)


def test_one_object_per_secret_with_every_place(tokens: Tokens) -> None:
    document = _report()
    assert document["schema_version"] == 2
    api = next(r for r in document["repositories"] if r["repository"] == "acme/api")
    assert [s["rule"]["severity"] for s in api["secrets"]] == [
        "critical",
        "critical",
        "high",
        "medium",
    ]
    github = next(s for s in api["secrets"] if s["rule"]["id"] == "github-pat-classic")
    # two blob versions, three places: one secret
    assert [(loc["path"], loc["line"]) for loc in github["locations"]] == [
        ("deploy/ci.sh", 2),
        ("deploy/ci-old.sh", 2),
        ("deploy/ci.sh", 3),
    ]
    assert github["first"] == github["locations"][0] and github["newest"] == github["locations"][-1]
    assert github["first"]["commit"] == "1" * 40
    assert github["first"]["author"] == {"name": "Alice Example", "email": "alice@example.com"}
    assert (github["confidence"], github["context"]) == ("high", "source")
    assert github["validation"] == "checksum-valid"
    assert github["preview"] == redact(tokens.github)
    assert github["refs"] == {
        "count": 3,
        "names": ["refs/heads/main", "refs/heads/release", "refs/tags/v1.0"],
    }
    message = next(s for s in api["secrets"] if s["first"]["source"] == "commit-message")
    assert message["first"]["path"] is None and message["first"]["object_id"] == "3" * 40
    assert api["suppressed"] == 2 and len(api["skipped"]) == 2 and api["warnings"]
    # the low-confidence docs example is held back, counted, not listed
    assert api["held_back"] == 1
    assert tokens.doc_password not in json.dumps(document)
    assert document["summary"] == {
        "repositories": 2,
        "secrets": 4,
        "held_back": 1,
        "places": 6,
        "suppressed": 2,
        "complete": False,
    }
    assert api["complete"] is False and api["incomplete"] == []  # the skipped items say why


def test_refs_are_counted_with_a_few_names_unless_all_are_asked_for() -> None:
    from dataclasses import replace

    from scaffold.report.json import REF_EXAMPLES

    results = sample_results()
    api = next(r for r in results if r.repository == "acme/api")
    many = tuple(f"refs/pull/{n}/head" for n in range(40))
    api = replace(api, findings=(replace(api.findings[0], refs=many), *api.findings[1:]))
    secret = _report(results=[api])["repositories"][0]["secrets"][-1]
    assert secret["refs"]["count"] == 40 and len(secret["refs"]["names"]) == REF_EXAMPLES
    out = io.StringIO()
    REPORTERS["json"]([api], out, all_refs=True)
    listed = json.loads(out.getvalue())["repositories"][0]["secrets"][-1]["refs"]
    assert listed == {"count": 40, "names": sorted(many)}


def test_a_wider_view_lists_what_the_default_holds_back(tokens: Tokens) -> None:
    from scaffold.scan.grouping import ALL

    out = io.StringIO()
    REPORTERS["json"](sample_results(), out, view=ALL)
    document = json.loads(out.getvalue())
    assert document["summary"]["secrets"] == 5 and document["summary"]["held_back"] == 0
    docs = next(s for r in document["repositories"] for s in r["secrets"] if s["context"] == "docs")
    assert docs["confidence"] == "low" and docs["first"]["path"] == "docs/setup.md"


def test_staged_finding(validator: jsonschema.Draft202012Validator) -> None:
    from scaffold.scan.grouping import ALL

    out = io.StringIO()
    REPORTERS["json"]([staged_result()], out, view=ALL)
    document = json.loads(out.getvalue())
    validator.validate(document)
    location = document["repositories"][0]["secrets"][0]["first"]
    assert location["source"] == "staged" and location["path"] == "app/.env"
    assert location["commit"] is None and location["author"] is None and location["date"] is None
