"""The evaluator table: each check's `evaluator` names one entry here, explicitly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scaffold.audit.evaluators import ci, infra, repo
from scaffold.audit.history import HistoryHit
from scaffold.audit.inputs import Inputs
from scaffold.audit.model import Location, Status, Verdict


@dataclass(frozen=True)
class Evaluator:
    run: Callable[[Inputs], Verdict]
    reads: tuple[str, ...] = ()  # kinds of parsed file; a parse error there means "not evaluated"


_IAC = ("terraform", "cloudformation")
_ALL_IAC = (*_IAC, "kubernetes")
_CI = ("workflows",)


def history(inputs: Inputs) -> Verdict:
    outcome = getattr(inputs, "history", None)
    if outcome is None:
        return Verdict(Status.NOT_EVALUATED, "history scan not run (--no-history)")
    if outcome.error:
        return Verdict(Status.NOT_EVALUATED, f"history scan failed: {outcome.error}")
    if not outcome.hits:
        return Verdict(Status.PASS, "no unbaselined secrets in any commit, branch or tag")
    first: dict[str, HistoryHit] = {}
    for hit in outcome.hits:  # one line per secret: where it is now, else where it came in
        known = first.get(hit.fingerprint)
        if known is None or (hit.in_head and not known.in_head):
            first[hit.fingerprint] = hit
    ordered = sorted(first.values(), key=lambda h: (not h.in_head, h.path, h.line))
    places = tuple(
        Location(
            h.path,
            h.line,
            f"{h.rule}, introduced in {h.commit}" + (" (still at HEAD)" if h.in_head else ""),
        )
        for h in ordered[:50]
    )
    heads = sum(1 for h in first.values() if h.in_head)
    reason = f"{len(first)} secret(s) in history ({len(outcome.hits)} finding(s)), {heads} at HEAD"
    return Verdict(Status.FAIL, reason, places)


EVALUATORS: dict[str, Evaluator] = {
    # infrastructure code
    "infra.open_admin_ports": Evaluator(infra.open_admin_ports, _IAC),
    "infra.s3_public_access": Evaluator(infra.s3_public_access, _IAC),
    "infra.iam_wildcards": Evaluator(infra.iam_wildcards, _IAC),
    "infra.oidc_trust": Evaluator(infra.oidc_trust, _IAC),
    "infra.rds_resilience": Evaluator(infra.rds_resilience, _IAC),
    "infra.cloudtrail_declared": Evaluator(infra.cloudtrail_declared, _IAC),
    "infra.securityhub_declared": Evaluator(infra.securityhub_declared, _IAC),
    "infra.budget_declared": Evaluator(infra.budget_declared, _IAC),
    "infra.alarms_with_actions": Evaluator(infra.alarms_with_actions, _IAC),
    "infra.iac_present": Evaluator(infra.iac_present, _ALL_IAC),
    "infra.terraform_modules": Evaluator(infra.terraform_modules, _IAC),
    "infra.separate_environments": Evaluator(infra.separate_environments, (*_IAC, *_CI)),
    "infra.cost_tags": Evaluator(infra.cost_tags, ("terraform",)),
    # CI
    "ci.deploy_from_ci": Evaluator(ci.deploy_from_ci, _CI),
    "ci.deploy_environments": Evaluator(ci.deploy_environments, _CI),
    "ci.static_keys": Evaluator(ci.static_keys, _CI),
    "ci.ci_checks": Evaluator(ci.ci_checks, _CI),
    "ci.plan_on_pr": Evaluator(ci.plan_on_pr, ("terraform", *_CI)),
    "ci.apply_gated": Evaluator(ci.apply_gated, ("terraform", *_CI)),
    "ci.secret_scan_in_ci": Evaluator(ci.secret_scan_in_ci, _CI),
    "ci.policy_checks": Evaluator(ci.policy_checks, _CI),
    "ci.change_traceability": Evaluator(ci.change_traceability, _CI),
    # the repository
    "repo.gitignore_env": Evaluator(repo.gitignore_env),
    "repo.secret_hooks": Evaluator(repo.secret_hooks),
    "repo.codeowners": Evaluator(repo.codeowners),
    "repo.runbooks": Evaluator(repo.runbooks),
    "repo.rto_rpo": Evaluator(repo.rto_rpo),
    "repo.readme_questions": Evaluator(repo.readme_questions, _ALL_IAC),
    "repo.non_root": Evaluator(repo.non_root, ("kubernetes",)),
    "repo.image_healthcheck": Evaluator(repo.image_healthcheck, _ALL_IAC),
    "repo.health_endpoint": Evaluator(repo.health_endpoint, _ALL_IAC),
    "repo.secrets_manager": Evaluator(repo.secrets_manager, _ALL_IAC),
    "repo.restore_tested": Evaluator(repo.restore_tested, _IAC),
    "repo.rollback_path": Evaluator(repo.rollback_path, (*_ALL_IAC, *_CI)),
    "history": Evaluator(history),
}
