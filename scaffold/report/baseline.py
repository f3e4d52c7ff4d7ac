"""detect-secrets baselines: write our findings as a `.secrets.baseline` (reading one is
scaffold/scan/baseline.py's)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from scaffold.report.common import (
    finding_path,
    generated_at,
    scrub,
    sorted_findings,
    sorted_results,
)
from scaffold.scan.grouping import View
from scaffold.scan.model import Finding, ScanResult, SourceKind

# filter detect-secrets' own `scan` adds on top of its defaults (verification on, any level)
_VERIFICATION_FILTER = "detect_secrets.filters.common.is_ignored_due_to_verification_policies"

# A baseline entry's `type` is detect-secrets' name for the plugin that found it: its `audit`
# looks the plugin up by that name (an unknown one crashes it), and its hook only takes an entry
# as known when the type is the one its own plugin gives. Rules detect-secrets has a plugin for
# are written under that plugin's type; every other rule under its generic "Secret Keyword".
# scaffold itself matches baseline entries by hashed secret, whatever their type.
FALLBACK_TYPE = "Secret Keyword"
_PLUGIN_TYPES: dict[str, tuple[str, ...]] = {
    "AWS Access Key": ("aws-access-key-id", "aws-secret-access-key"),
    "Artifactory Credentials": ("artifactory-api-key", "artifactory-reference-token"),
    "Azure Storage Account access key": ("azure-storage-account-key", "azure-storage-key-setting"),
    "Basic Auth Credentials": (
        "postgres-url-password",
        "mysql-url-password",
        "mongodb-url-password",
        "redis-url-password",
        "amqp-url-password",
        "ftp-url-password",
        "smtp-url-password",
        "mssql-url-password",
        "ldap-url-password",
        "http-basic-auth-url-password",
        "jdbc-url-password",
        "clickhouse-url-password",
        "cassandra-url-password",
        "nats-url-password",
        "mqtt-url-password",
    ),
    "Discord Bot Token": ("discord-bot-token",),
    "GitHub Token": (
        "github-pat-classic",
        "github-oauth-token",
        "github-user-to-server-token",
        "github-app-installation-token",
        "github-refresh-token",
    ),
    "GitLab Token": (
        "gitlab-pat",
        "gitlab-pipeline-trigger-token",
        "gitlab-runner-registration-token",
        "gitlab-runner-auth-token",
        "gitlab-deploy-token",
        "gitlab-feed-token",
        "gitlab-oauth-app-secret",
        "gitlab-scim-token",
        "gitlab-incoming-mail-token",
        "gitlab-agent-token",
        "gitlab-feature-flag-client-token",
        "gitlab-cicd-job-token",
    ),
    "JSON Web Token": ("jwt",),
    "Mailchimp Access Key": ("mailchimp-api-key",),
    "NPM tokens": ("npm-access-token", "npm-legacy-auth-token"),
    "OpenAI Token": (
        "openai-api-key",
        "openai-project-key",
        "openai-service-account-key",
        "openai-admin-key",
    ),
    "Private Key": (
        "private-key-rsa",
        "private-key-ec",
        "private-key-dsa",
        "private-key-openssh",
        "private-key-pkcs8",
        "private-key-pkcs8-encrypted",
        "private-key-pgp",
        "private-key-ssh2",
        "private-key-putty",
    ),
    "PyPI Token": ("pypi-upload-token",),
    "SendGrid API Key": ("sendgrid-api-key",),
    "Slack Token": (
        "slack-bot-token",
        "slack-user-token",
        "slack-app-token",
        "slack-config-token",
        "slack-config-refresh-token",
        "slack-legacy-token",
        "slack-webhook-url",
    ),
    "Square OAuth Secret": ("square-oauth-secret",),
    "Stripe Access Key": ("stripe-live-secret-key", "stripe-restricted-key"),
    "Telegram Bot Token": ("telegram-bot-token",),
    "Twilio API Key": ("twilio-api-key",),
}
_TYPE_OF_RULE = {rule: kind for kind, rules in _PLUGIN_TYPES.items() for rule in rules}


def detect_secrets_type(rule_id: str) -> str:
    """The `type` a baseline entry for this rule's finding gets (see above)."""
    return _TYPE_OF_RULE.get(rule_id, FALLBACK_TYPE)


def report(
    results: Sequence[ScanResult],
    out: TextIO,
    *,
    show_secrets: bool = False,
    view: View | None = None,
    all_refs: bool = False,
) -> None:
    """Write a `.secrets.baseline` detect-secrets reads; it holds sha1 hashes, never secrets."""
    del view, all_refs  # a baseline records every secret: what to accept is not a view
    del show_secrets  # a baseline is committed to the repository: hashes only, always
    out.write(json.dumps(build(results), indent=2) + "\n")


def build(results: Sequence[ScanResult], *, timestamp: str | None = None) -> dict[str, Any]:
    """The baseline document, formatted by detect-secrets' own code with its default settings.

    `timestamp` (detect-secrets' `generated_at`) defaults to now, or to SOURCE_DATE_EPOCH.
    """
    from detect_secrets.constants import VerifiedResult
    from detect_secrets.core.baseline import format_for_output
    from detect_secrets.core.potential_secret import PotentialSecret
    from detect_secrets.core.secrets_collection import SecretsCollection
    from detect_secrets.settings import default_settings, get_settings

    collection = SecretsCollection()
    for result in sorted_results(results):
        for finding in sorted_findings(result.findings):
            for filename in baseline_filenames(finding):
                collection[filename].add(
                    PotentialSecret(
                        type=detect_secrets_type(finding.rule.id),
                        filename=filename,
                        secret=finding.match.secret,
                        line_number=finding.match.line,
                    )
                )
    # the same plugins and filters `detect-secrets scan` records, so its own tools accept the file
    with default_settings():
        get_settings().filters[_VERIFICATION_FILTER] = {
            "min_level": VerifiedResult.UNVERIFIED.value
        }
        document: dict[str, Any] = format_for_output(collection)
    document["generated_at"] = timestamp or generated_at()
    return document


def baseline_filenames(finding: Finding) -> list[str]:
    """Every path the secret was introduced at; commit messages get a `commit:<id>` name."""
    if finding.source is SourceKind.COMMIT_MESSAGE:
        return [f"commit:{finding.object_id}"]
    # a path can hold the secret itself (a token as a file name): never write it out
    paths = sorted({scrub(p.path, finding.match.secret) for p in finding.provenance if p.path})
    return paths or [finding_path(finding) or f"blob:{finding.object_id}"]
