"""`scan --verify`: ask each finding's provider, once per secret, whether the secret is live.

findings -> one check per fingerprint (its rule's verify table, the companion half of a pair
read from the same content) -> one queue per provider, each at its own pace, all within one
time budget -> a Verification per fingerprint. Every reason is scrubbed of the secret and its
companion before it leaves this module.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from scaffold.scan.model import Finding, Liveness, Verification
from scaffold.verify.checks import Check, Outcome, http_check, network_check
from scaffold.verify.content import companion_near, network_target
from scaffold.verify.endpoints import Endpoint, endpoints, proxy
from scaffold.verify.spec import VerifySpec, parse_verify

# The content a finding's offsets refer to (a blob, a commit message), or None if unreadable.
ContentReader = Callable[[Sequence[Finding]], Mapping[str, bytes]]
MAX_BACKOFF = 60.0  # longest pause a 429's Retry-After imposes on a provider's queue
NO_VERIFIER = "scaffold has no verifier"
STATUS_ORDER = {Liveness.LIVE: 0, Liveness.UNKNOWN: 1, Liveness.REVOKED: 2}


def _iso_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class VerifyOptions:
    network: bool = False  # --verify-network: database URLs, hosts named in scanned content
    timeout: float = 60.0  # --verify-timeout: the budget for every check of the run
    extra_rules: tuple[Path, ...] = ()
    environ: Mapping[str, str] | None = None  # endpoint overrides and proxy (tests)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], str] = field(default=_iso_now)


@dataclass
class _Queue:
    """One provider's (or one database host's) checks, run in order at its pace."""

    endpoint: Endpoint
    checks: list[tuple[str, Check]] = field(default_factory=list)


def verify_findings(
    findings: Iterable[Finding],
    options: VerifyOptions,
    read_content: ContentReader | None = None,
    specs: Mapping[str, VerifySpec | None] | None = None,
) -> dict[str, Verification]:
    """A Verification for every fingerprint among `findings` (unknown, with why, when no
    provider could be asked)."""
    by_fingerprint: dict[str, list[Finding]] = {}
    for finding in findings:
        by_fingerprint.setdefault(finding.fingerprint, []).append(finding)
    if not by_fingerprint:
        return {}
    table = specs if specs is not None else verify_specs(options.extra_rules)
    routes = endpoints(options.environ)
    via = proxy(options.environ)
    wanted = [f for group in by_fingerprint.values() for f in group if _needs_content(f, table)]
    contents = read_content(wanted) if read_content is not None and wanted else {}
    results: dict[str, Verification] = {}
    queues: dict[str, _Queue] = {}
    pairs: dict[str, str] = {}  # fingerprint -> the companion it was checked with
    for fp, group in by_fingerprint.items():
        rule_id = group[0].rule.id
        spec = table.get(rule_id)
        if spec is None:
            results[fp] = _unknown(options, f"{NO_VERIFIER} for {rule_id}")
            continue
        if spec.needs_network_flag and not options.network:
            results[fp] = _unknown(
                options, "not checked: it names a host of its own; allow with --verify-network"
            )
            continue
        planned = _plan(spec, group, contents, routes, via)
        if isinstance(planned, str):
            results[fp] = _unknown(options, planned)
            continue
        queue_key, endpoint, check, companion = planned
        queues.setdefault(queue_key, _Queue(endpoint)).checks.append((fp, check))
        if companion:
            pairs[fp] = companion
    deadline = options.clock() + options.timeout
    lock = threading.Lock()

    def drain(queue: _Queue) -> None:
        for fp, verification in _run_queue(queue, deadline, options):
            with lock:
                results[fp] = verification

    if queues:
        with ThreadPoolExecutor(max_workers=min(8, len(queues))) as pool:
            list(pool.map(drain, queues.values()))
    _label_companions(by_fingerprint, pairs, results)
    return results


def verify_specs(extra_rules: Sequence[Path] = ()) -> dict[str, VerifySpec | None]:
    """rule id -> its verify table (None: the rule has none)."""
    from scaffold.scan.rulecache import cached_ruleset

    return {
        rule.id: parse_verify(rule.verify) if rule.verify else None
        for rule in cached_ruleset(tuple(extra_rules)).rules
    }


def _needs_content(finding: Finding, table: Mapping[str, VerifySpec | None]) -> bool:
    spec = table.get(finding.rule.id)
    return spec is not None and (bool(spec.companion) or spec.kind != "http")


def _plan(
    spec: VerifySpec,
    group: list[Finding],
    contents: Mapping[str, bytes],
    routes: Mapping[str, Endpoint],
    via: str,
) -> tuple[str, Endpoint, Check, str] | str:
    """(queue, endpoint, the check, companion) or why nothing can be asked."""
    secret = group[0].match.secret
    if spec.kind != "http":
        for finding in group:
            target = network_target(spec.kind, finding, contents.get(finding.object_id))
            if target is not None:
                endpoint = Endpoint(f"{spec.kind}://{target.host}", "", timeout=10.0)
                return endpoint.name, endpoint, network_check(spec.kind, target), ""
        return f"could not read the {spec.kind} URL around the password"
    companion = ""
    if spec.companion:
        for finding in group:
            companion = companion_near(spec.companion, finding, contents.get(finding.object_id))
            if companion:
                break
        if not companion:
            return f"no {spec.companion_name} found beside it to check it with"
    endpoint = routes[spec.endpoint]
    return spec.endpoint, endpoint, http_check(spec, endpoint, secret, companion, via), companion


def _run_queue(
    queue: _Queue, deadline: float, options: VerifyOptions
) -> Iterable[tuple[str, Verification]]:
    endpoint = queue.endpoint
    ready_at = 0.0
    for fp, check in queue.checks:
        now = options.clock()
        if ready_at > now:
            if ready_at >= deadline:
                yield fp, _unknown(options, f"not checked: {_budget(options)} used up")
                continue
            options.sleep(ready_at - now)
            now = options.clock()
        remaining = deadline - now
        if remaining <= 0:
            yield fp, _unknown(options, f"not checked: {_budget(options)} used up")
            continue
        outcome: Outcome = check(min(endpoint.timeout, remaining))
        ready_at = options.clock() + endpoint.min_interval
        if outcome.retry_after is not None:  # rate limited: slow this provider down
            ready_at = options.clock() + min(MAX_BACKOFF, max(outcome.retry_after, 1.0))
        yield fp, Verification(outcome.status, outcome.reason, options.now())


def _budget(options: VerifyOptions) -> str:
    return f"--verify-timeout of {options.timeout:g} s"


def _unknown(options: VerifyOptions, reason: str) -> Verification:
    return Verification(Liveness.UNKNOWN, reason, options.now())


def _label_companions(
    by_fingerprint: Mapping[str, list[Finding]],
    pairs: Mapping[str, str],
    results: dict[str, Verification],
) -> None:
    """A key id checked together with its secret shares the secret's answer."""
    by_secret = {group[0].match.secret: fp for fp, group in by_fingerprint.items()}
    for fp, companion in pairs.items():
        partner = by_secret.get(companion)
        checked = results.get(fp)
        if partner is None or checked is None:
            continue
        current = results.get(partner)
        own_answer = current is not None and not current.reason.startswith(NO_VERIFIER)
        if own_answer and STATUS_ORDER[current.status] <= STATUS_ORDER[checked.status]:  # type: ignore[union-attr]
            continue
        results[partner] = Verification(
            checked.status,
            f"checked with the secret it pairs with ({fp[:12]}): {checked.reason}",
            checked.checked_at,
        )


def live_first(verification: Verification | None) -> int:
    """Sort key: live, then unknown, then unverified, then revoked."""
    if verification is None:
        return 2
    return {Liveness.LIVE: 0, Liveness.UNKNOWN: 1, Liveness.REVOKED: 3}[verification.status]
