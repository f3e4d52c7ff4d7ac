"""`scaffold scan` over many repositories: org flags, then run, filter and report.

`scaffold/cli/scan.py` calls add_org_arguments() and hands the run to run_org() when more than
one target, an organisation, a datastore or `--repositories` is given.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from scaffold.errors import EXIT_INCOMPLETE, UsageError, scan_exit_code
from scaffold.scan.model import DEFAULT_MAX_BLOB_SIZE

if TYPE_CHECKING:
    from scaffold.org.run import OrgRun
    from scaffold.org.targets import RepoTarget
    from scaffold.org.worker import RepoOutcome
    from scaffold.verify.run import VerifyOptions

_MANGLED_URL = re.compile(r"^(https?|ssh|git|file):/(?!/)")


def add_listing_arguments(group: argparse._ArgumentGroup) -> None:
    """The flags that say which repositories to take beyond the paths given: a targets file,
    GitHub and GitLab listings, and the mirror cache (read by `_listings` and `_token_hosts`;
    `scaffold scan` and `scaffold audit` both take them)."""
    group.add_argument(
        "--targets-file",
        type=Path,
        metavar="FILE",
        help="file listing targets, one per line (# comments)",
    )
    group.add_argument(
        "--github-org",
        action="append",
        default=[],
        metavar="NAME",
        help="every repository of a GitHub organisation (GITHUB_TOKEN)",
    )
    group.add_argument(
        "--github-user",
        action="append",
        default=[],
        metavar="NAME",
        help="every repository a GitHub user owns",
    )
    group.add_argument(
        "--github-api-url",
        default="https://api.github.com",
        metavar="URL",
        help="GitHub Enterprise API, e.g. https://github.example.com/api/v3",
    )
    group.add_argument(
        "--gitlab-group",
        action="append",
        default=[],
        metavar="NAME",
        help="every project of a GitLab group and its subgroups (GITLAB_TOKEN)",
    )
    group.add_argument(
        "--gitlab-api-url",
        default="https://gitlab.com/api/v4",
        metavar="URL",
        help="GitLab API root (default: https://gitlab.com/api/v4)",
    )
    group.add_argument(
        "--include-archived", action="store_true", help="also scan archived repositories"
    )
    group.add_argument("--include-forks", action="store_true", help="also scan forks")
    group.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DIR",
        help="mirror cache (default: $SCAFFOLD_CACHE_DIR/mirrors)",
    )


def add_org_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("several repositories and organisations")
    group.add_argument(
        "--repositories",
        action="store_true",
        help="the targets are directories holding repositories: scan the history of every "
        "repository below them (without it, a directory that is not a repository is scanned "
        "as plain files)",
    )
    group.add_argument(
        "more_targets",
        nargs="*",
        default=[],
        metavar="TARGET",
        help="more repositories: paths, directories of repositories, git URLs",
    )
    add_listing_arguments(group)
    group.add_argument(
        "--datastore",
        type=Path,
        metavar="FILE",
        help="SQLite datastore: rescan only what changed, resume after a stop",
    )
    group.add_argument(
        "--shard", metavar="K/N", help="scan only part K of N (stable split by repository)"
    )
    since = group.add_mutually_exclusive_group()
    since.add_argument(
        "--new-since",
        metavar="DATE",
        help="report only findings introduced on or after DATE (2024-05-01)",
    )
    since.add_argument(
        "--since-last-run",
        action="store_true",
        help="report only findings new since the last run on --datastore",
    )


def _inside_work_tree(path: Path) -> bool:
    return any((parent / ".git").exists() for parent in (path.resolve(), *path.resolve().parents))


def wants_org(args: argparse.Namespace) -> bool:
    """More than one target, an org flag, a datastore or shard, a URL, or `--repositories`."""
    if (
        args.more_targets
        or args.repositories
        or args.targets_file
        or args.github_org
        or args.github_user
        or args.gitlab_group
        or args.datastore
        or args.shard
        or args.since_last_run
        or args.new_since
    ):
        return True
    text = str(args.path)
    return bool(_MANGLED_URL.match(text)) or _is_scp(text)


def repositories_below(path: Path) -> int:
    """How many repositories a directory that is not one holds (0 for a repository or a file,
    or a directory inside a work tree)."""
    from scaffold.org.targets import is_repository, repositories_under

    if not path.is_dir() or is_repository(path) or _inside_work_tree(path):
        return 0
    return len(repositories_under(path))


def _is_scp(text: str) -> bool:
    from scaffold.org.targets import is_url

    return is_url(text)


def _first_target(path: object) -> str:
    """The single-repository command parses its target as a Path, which folds `//` to `/`."""
    text = str(path)
    match = _MANGLED_URL.match(text)
    if match is None:
        return text
    scheme, rest = match[1], text[match.end() :]
    return f"{scheme}:///{rest}" if scheme == "file" else f"{scheme}://{rest}"


def _specs(args: argparse.Namespace) -> list[str]:
    from scaffold.org.targets import read_targets_file

    specs = [str(t) for t in args.more_targets]
    listed = bool(args.targets_file or args.github_org or args.github_user or args.gitlab_group)
    if str(args.path) != "." or not (listed or specs):
        specs.insert(0, _first_target(args.path))
    if args.targets_file:
        specs += read_targets_file(args.targets_file)
    return specs


def _listings(
    args: argparse.Namespace, warn: Callable[[str], None]
) -> tuple[list[RepoTarget], int]:
    """Repositories from the GitHub and GitLab APIs; a failed listing is reported and counted."""
    from scaffold.org import github, gitlab
    from scaffold.org.http import ApiError

    found: list[RepoTarget] = []
    failed = 0
    archived, forks = bool(args.include_archived), bool(args.include_forks)
    sources: list[tuple[str, Callable[[], list[RepoTarget]]]] = []
    if args.github_org or args.github_user:
        api = github.client(args.github_api_url, notify=warn)
        owners = [("org", "organisation", o) for o in args.github_org]
        owners += [("user", "user", u) for u in args.github_user]
        for keyword, kind, owner in owners:
            lister = partial(
                github.list_repositories,
                api,
                include_archived=archived,
                include_forks=forks,
                **{keyword: owner},
            )
            sources.append((f"GitHub {kind} {owner}", lister))
    if args.gitlab_group:
        lab = gitlab.client(args.gitlab_api_url, notify=warn)
        for group in args.gitlab_group:
            lister = partial(
                gitlab.list_projects, lab, group, include_archived=archived, include_forks=forks
            )
            sources.append((f"GitLab group {group}", lister))
    for name, listing in sources:
        try:
            repos = listing()
        except ApiError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            failed += 1
            continue
        if not repos:
            warn(f"{name} has no repositories to scan (see --include-archived, --include-forks)")
        found += repos
    return found, failed


def _token_hosts(args: argparse.Namespace) -> dict[str, str]:
    from scaffold.org import github, gitlab

    return {
        github.clone_host(args.github_api_url): github.TOKEN_ENV,
        gitlab.clone_host(args.gitlab_api_url): gitlab.TOKEN_ENV,
    }


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[RepoOutcome, int, int], None] | None]:
    """repos done, blobs and MB/s on stderr, only on a terminal."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    started = time.monotonic()
    totals = {"blobs": 0, "bytes": 0}
    with Progress(
        TextColumn("scanning repositories"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None)

        def update(outcome: RepoOutcome, done: int, total: int) -> None:
            totals["blobs"] += outcome.contents_scanned
            totals["bytes"] += outcome.bytes_scanned
            rate = totals["bytes"] / 1e6 / max(time.monotonic() - started, 1e-6)
            bar.update(
                task,
                completed=done,
                total=total,
                description=f"{totals['blobs']} blobs · {rate:.1f} MB/s",
            )

        yield update


def run_org(args: argparse.Namespace) -> int:
    from scaffold.org.filters import new_since, new_since_last_run, parse_date
    from scaffold.org.output import check_output, write_report
    from scaffold.org.run import OrgOptions, scan_organisation
    from scaffold.org.shard import parse_shard
    from scaffold.org.targets import resolve
    from scaffold.report import ORG_FORMATS

    if getattr(args, "show_secrets", False):
        raise UsageError(
            "--show-secrets is not available for several repositories: the "
            "datastore never holds secrets (scan one repository to see them)"
        )
    if (
        getattr(args, "staged", False)
        or getattr(args, "since", None)
        or getattr(args, "commit_range", None)
    ):
        raise UsageError("--staged, --since and --range narrow a scan of one repository")
    fmt = getattr(args, "format", "terminal")
    if fmt not in ORG_FORMATS:
        raise UsageError(f"--format {fmt} is per repository; use one of {', '.join(ORG_FORMATS)}")
    output: Path | None = getattr(args, "output", None)
    force = bool(getattr(args, "force", False))
    check_output(output, force=force)
    if args.since_last_run and not args.datastore:
        raise UsageError("--since-last-run needs --datastore (that is where the last run is)")
    since = parse_date(args.new_since) if args.new_since else None
    shard = parse_shard(args.shard) if args.shard else None
    targets = resolve(_specs(args), _token_hosts(args))
    listed, listing_failures = _listings(args, _warn)
    targets += listed
    if not targets:
        if listing_failures:
            return EXIT_INCOMPLETE
        raise UsageError("nothing to scan: no repositories in the given targets")
    options = OrgOptions(
        datastore=args.datastore,
        cache_dir=args.cache_dir,
        jobs=getattr(args, "jobs", 0),
        include_unreachable=getattr(args, "include_unreachable", False),
        max_blob_size=getattr(args, "max_blob_size", DEFAULT_MAX_BLOB_SIZE),
        engine=getattr(args, "engine", "auto"),
        baseline=getattr(args, "baseline", None),
        extra_rules=tuple(getattr(args, "rules", ())),
        shard=shard,
        verify=_verify_options(args),
    )
    started = time.monotonic()
    show = not getattr(args, "no_progress", False) and sys.stderr.isatty()
    with _progress(show) as progress:
        run = scan_organisation(targets, options, progress)
    if not run.targets:
        _warn(f"shard {shard} holds none of the {len(targets)} repositories")
    for outcome in run.failed:
        print(f"error: {outcome.target.display}: {outcome.error}", file=sys.stderr)
    results = list(run.results)
    if since is not None:
        results = new_since(results, since)
    elif args.since_last_run:
        results = new_since_last_run(results, run.first_seen, run.previous_finished)
    from scaffold.cli.scan import view_from
    from scaffold.scan.grouping import group

    view = view_from(args)
    shown = sum(len(view.split(group(r))[0]) for r in results)
    footer = _footer(run, time.monotonic() - started, shown)
    statuses = {o.target.display: (o.status, o.error) for o in run.outcomes}

    def terminal(out: object) -> None:
        from scaffold.org.summary import render, summarise

        render(summarise(results, statuses, view), out, footer=footer)  # type: ignore[arg-type]

    all_refs = bool(getattr(args, "all_refs", False))
    write_report(results, fmt, output, force=force, terminal=terminal, view=view, all_refs=all_refs)
    if fmt != "terminal":
        print(footer, file=sys.stderr)
    complete = not (run.failed or listing_failures) and all(r.complete for r in results)
    return scan_exit_code(findings=shown > 0, complete=complete)


def _verify_options(args: argparse.Namespace) -> VerifyOptions | None:
    from scaffold.verify.cli import wanted
    from scaffold.verify.run import VerifyOptions

    if not wanted(args):
        return None
    return VerifyOptions(network=args.verify_network, timeout=args.verify_timeout)


def _footer(run: OrgRun, seconds: float, findings: int) -> str:
    from scaffold.report.common import plural

    counts = {s: sum(1 for o in run.outcomes if o.status == s) for s in ("scanned", "unchanged")}
    return (
        f"{plural(len(run.targets), 'repository')}: {counts['scanned']} scanned, "
        f"{counts['unchanged']} unchanged, {len(run.failed)} failed · {findings} secrets · "
        f"{run.contents_scanned} blobs scanned ({run.bytes_scanned / 1e6:.1f} MB) "
        f"in {seconds:.1f} s"
    )
