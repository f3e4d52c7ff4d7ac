"""The incident note: what leaked, when it was introduced, whether it was live, what was done.

Markdown the team fills in and commits. It names a secret by rule, fingerprint and redacted
preview only; it never holds the secret, whatever the caller asks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from scaffold.remedy.records import Remedy
from scaffold.scan.model import Finding, Verification, redact

TODO = "_(to fill in)_"


def incident_note(
    findings: Sequence[Finding],
    verifications: Mapping[str, Verification] | None = None,
    remedies: Mapping[str, Sequence[Remedy]] | None = None,
    *,
    repository: str = "",
    written_at: str = "",
) -> str:
    """One note for every secret among `findings` (grouped by fingerprint)."""
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.fingerprint, []).append(finding)
    answers = verifications or {}
    done = remedies or {}
    title = f"Incident: leaked credential{'s' if len(groups) > 1 else ''}"
    lines = [f"# {title}" + (f" in {repository}" if repository else ""), ""]
    if written_at:
        lines += [f"Written {written_at} by `scaffold`; complete and commit it.", ""]
    lines += [
        "| | |",
        "| --- | --- |",
        f"| Secrets | {len(groups)} |",
        f"| Detected | {written_at or TODO} |",
        f"| Owner | {TODO} |",
        f"| Severity | {TODO} |",
        "",
    ]
    for fingerprint, group in sorted(
        groups.items(), key=lambda item: (_introduced(item[1]), item[0])
    ):
        lines += _secret_section(
            fingerprint, group, answers.get(fingerprint), done.get(fingerprint, ())
        )
    lines += [
        "## Impact",
        "",
        "What could the credential reach, and what do the provider's logs show for the exposure "
        f"window? {TODO}",
        "",
        "## Follow-up",
        "",
        f"- Why did the commit hooks not stop it? {TODO}",
        f"- What changes so it cannot happen again? {TODO}",
        "",
    ]
    return "\n".join(lines)


def _introduced(group: Sequence[Finding]) -> str:
    dates = [f.first.date for f in group if f.first and f.first.date]
    return min(dates) if dates else "~"


def _secret_section(
    fingerprint: str,
    group: Sequence[Finding],
    verification: Verification | None,
    remedies: Sequence[Remedy],
) -> list[str]:
    first = min(
        group,
        key=lambda f: (
            f.first.date if f.first and f.first.date else "~",
            f.object_id,
            f.match.start,
        ),
    )
    rule = first.rule
    from scaffold.report.common import scrub

    secret = first.match.secret
    places = sorted({scrub(p.path, secret) for f in group for p in f.provenance if p.path})
    messages = sorted({f.object_id[:12] for f in group if str(f.source) == "commit-message"})
    refs = sorted({ref for f in group for ref in f.refs})
    where = ", ".join(f"`{p}`" for p in places)
    if messages:
        where += (
            (", " if where else "") + "commit/tag message " + ", ".join(f"`{m}`" for m in messages)
        )
    lines = [
        f"## {rule.description} (`{rule.id}`)",
        "",
        f"- **What leaked:** {rule.provider} credential `{redact(first.match.secret)}`, "
        f"fingerprint `{fingerprint}`",
        f"- **Where:** {where or 'history'}"
        + (f"; reachable from {', '.join(f'`{r}`' for r in refs[:10])}" if refs else ""),
        f"- **Still in the current files:** {'yes' if any(f.in_head for f in group) else 'no'}",
    ]
    introduced = first.first
    if introduced is not None and introduced.commit:
        lines.append(
            f"- **Introduced:** {introduced.date} in `{introduced.commit[:12]}` by "
            f"{introduced.author_name}"
        )
    else:
        lines.append(f"- **Introduced:** {TODO}")
    if verification is not None:
        lines.append(
            f"- **Live when checked:** {verification.status} at {verification.checked_at} "
            f"({verification.reason})"
        )
    else:
        lines.append(f"- **Live when checked:** not verified (`scaffold scan --verify`) {TODO}")
    lines += ["- **Done:**"]
    for remedy in remedies:
        lines.append(
            f"  - {remedy.at}: {remedy.action}" + (f" ({remedy.detail})" if remedy.detail else "")
        )
    if not any(r.action == "rotated" for r in remedies):
        lines.append(f"  - rotated: {TODO} (`scaffold rotate {fingerprint[:12]} --mark-rotated`)")
    if not any(r.action == "purged" for r in remedies):
        lines.append(
            f"  - purged from history: {TODO} (`scaffold purge . --fingerprint {fingerprint[:12]}`)"
        )
    lines += [f"  - usage logs checked for abuse: {TODO}", ""]
    return lines
