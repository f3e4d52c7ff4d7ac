"""What each scanner reports on real repositories, against hand labels of every secret it reports.

    SCAFFOLD_BENCH_DIR=/work/cache/bench .venv/bin/python -m benchmarks.bench_labelled fetch
    SCAFFOLD_BENCH_DIR=/work/cache/bench .venv/bin/python -m benchmarks.bench_labelled run
    SCAFFOLD_BENCH_DIR=/work/cache/bench .venv/bin/python -m benchmarks.bench_labelled report

`fetch` clones each repository of REPOSITORIES bare into --repos (default /work/cache/repos)
and pins its refs to benchmarks/labels/refs/<name>.txt, so every run scans the same history.
`run` scans each with scaffold, gitleaks, Betterleaks and Kingfisher (default settings, every
branch and tag) into $SCAFFOLD_BENCH_DIR/labelled. `report` prints, per tool and repository, the
rows of the report, the distinct secrets in it, and how many a person should act on: those
labelled `live-format` in benchmarks/labels/findings.json. Labels are keyed by repository and
the SHA-256 of the reported secret, never the secret (the same string can be a test fixture in
one repository and a documentation example in another); `report --unlabelled` lists what still
needs a label.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from benchmarks.peers import bench_dir, tools
from benchmarks.reports import Reported, read_report

HERE = Path(__file__).resolve().parent
LABELS = HERE / "labels" / "findings.json"
REFS = HERE / "labels" / "refs"
TOOLS = ("scaffold", "gitleaks", "betterleaks", "kingfisher")
# What a person does with a reported secret, by its label.
VERDICTS = {
    "live-format": "a credential in a live format: rotate it",
    "test-fixture": "a key or password made for tests",
    "documentation": "an example in documentation, an RFC or a vendor's guide",
    "public-by-design": "a key meant to be public (search-only, publishable)",
    "false-positive": "not a credential at all",
}
ACTIONABLE = "live-format"


@dataclass(frozen=True)
class Repository:
    name: str  # the cache's folder (<name>.git) and the refs file's name
    github: str  # owner/name
    language: str
    why: str


REPOSITORIES = (
    Repository("flask", "pallets/flask", "Python", "docs full of example keys, 200 versions"),
    Repository("requests", "psf/requests", "Python", "RFC examples, test certificates"),
    Repository("git", "git/git", "C, shell", "85k commits, credential-helper tests"),
    Repository("express", "expressjs/express", "JavaScript", "Basic-auth tests and examples"),
    Repository("gin", "gin-gonic/gin", "Go", "vendored code, test TLS keys"),
    Repository("leaky-repo", "Plazmaz/leaky-repo", "config files", "credential files on purpose"),
    Repository("test_keys", "trufflesecurity/test_keys", "keys", "deliberately leaked keys"),
)


def pinned_refs(repo: Repository) -> dict[str, str]:
    """refname -> object id, as recorded when the labels were made."""
    refs = {}
    for line in (REFS / f"{repo.name}.txt").read_text(encoding="utf-8").splitlines():
        sha, name = line.split(" ", 1)
        refs[name] = sha
    return refs


def _git(git_dir: Path, *args: str, stdin: bytes = b"") -> str:
    done = subprocess.run(
        ["git", "--git-dir", str(git_dir), *args], input=stdin, capture_output=True, check=False
    )
    if done.returncode:
        raise SystemExit(f"git {' '.join(args[:2])} in {git_dir}: {done.stderr.decode().strip()}")
    return done.stdout.decode()


def fetch(repo: Repository, repos: Path, source: str) -> None:
    """A bare clone of `source` at `repos/<name>.git` whose refs are exactly the pinned ones."""
    dest = repos / f"{repo.name}.git"
    if not dest.exists():
        repos.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["git", "clone", "-q", "--bare", "--no-local", source, str(dest)],
            input=b"",
            check=True,
        )
    wanted = pinned_refs(repo)
    have: dict[str, str] = {}
    for line in _git(dest, "for-each-ref", "--format=%(objectname) %(refname)").splitlines():
        sha, name = line.split(" ", 1)
        have[name] = sha
    commands = [f"delete {name}" for name in have if name not in wanted]
    commands += [f"update {name} {sha}" for name, sha in wanted.items() if have.get(name) != sha]
    if commands:
        # Fails, naming the ref, if the source lacks a pinned object: fetch a newer clone.
        _git(dest, "update-ref", "--stdin", stdin="\n".join(commands).encode() + b"\n")
    print(f"{repo.name}: {len(wanted)} refs pinned in {dest}")


def report_path(tool: str, repo: Repository) -> Path:
    return bench_dir() / "labelled" / tool / f"{repo.name}.json"


def run(repo: Repository, repos: Path, names: list[str]) -> None:
    table = tools(Path(sys.executable).with_name("scaffold"))
    for name in names:
        out = report_path(name, repo)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.unlink(missing_ok=True)
        started = time.perf_counter()
        subprocess.run(
            table[name].argv(repos / f"{repo.name}.git", out),
            input=b"",
            capture_output=True,
            check=False,
        )
        rows = read_report(name, out)
        print(f"{name:12} {repo.name:12} {len(rows):6} rows {time.perf_counter() - started:7.1f} s")


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.strip().encode()).hexdigest()


Labels = dict[str, dict[str, dict[str, str]]]  # repository -> sha256 -> label


def load_labels() -> Labels:
    labels: Labels = json.loads(LABELS.read_text(encoding="utf-8"))
    for repo, entries in labels.items():
        for digest, label in entries.items():
            if label["verdict"] not in VERDICTS:
                raise SystemExit(f"{LABELS}: {repo} {digest[:12]}: verdict {label['verdict']!r}")
    return labels


@dataclass(frozen=True)
class Tally:
    rows: int
    distinct: int
    verdicts: Counter[str]

    def cell(self) -> str:
        return f"{self.rows} / {self.distinct} / {self.verdicts[ACTIONABLE]}"


def tally(rows: list[Reported], labels: dict[str, dict[str, str]]) -> Tally:
    """`labels`: one repository's."""
    secrets = {fingerprint(row.secret) for row in rows}
    verdicts = Counter(labels.get(s, {}).get("verdict", "unlabelled") for s in secrets)
    return Tally(len(rows), len(secrets), verdicts)


def report(names: list[str], unlabelled: bool) -> int:
    labels = load_labels()
    print("rows / distinct secrets / to act on (labelled live-format)\n")
    print("| repository | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    missing: dict[str, Reported] = {}
    breakdown = []
    for repo in REPOSITORIES:
        cells = []
        for name in names:
            rows = read_report(name, report_path(name, repo))
            known = labels.get(repo.name, {})
            counts = tally(rows, known)
            cells.append(counts.cell())
            other = ", ".join(
                f"{v} {n}" for v, n in sorted(counts.verdicts.items()) if v != ACTIONABLE
            )
            breakdown.append(f"  {repo.name:11} {name:12} {other}")
            for row in rows:
                if fingerprint(row.secret) not in known:
                    missing.setdefault(f"{repo.name} {fingerprint(row.secret)}", row)
        print(f"| {repo.github} | " + " | ".join(cells) + " |")
    print("\nthe distinct secrets that need no action, by label:")
    print("\n".join(breakdown))
    if unlabelled:
        for digest, row in sorted(missing.items(), key=lambda kv: (kv[1].path, kv[1].line)):
            preview = f"{row.secret[:4]}…[{len(row.secret)}]"
            print(f"{digest} {row.tool} {row.rule} {row.path}:{row.line} {preview}")
    print(f"\n{len(missing)} reported secrets have no label")
    return 1 if missing else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("fetch", "run", "report"))
    parser.add_argument("--repos", type=Path, default=Path("/work/cache/repos"))
    parser.add_argument("--only", help="comma-separated repository names")
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument(
        "--mirror",
        default="/work/.mirror/{owner}+{name}/repo",
        help="where to clone from ({owner}, {name}); else https://github.com/...",
    )
    parser.add_argument("--unlabelled", action="store_true", help="report: list unlabelled")
    args = parser.parse_args(argv)
    chosen = [r for r in REPOSITORIES if not args.only or r.name in args.only.split(",")]
    names = args.tools.split(",")
    if args.step == "report":
        return report(names, args.unlabelled)
    for repo in chosen:
        if args.step == "fetch":
            owner, name = repo.github.split("/")
            source = args.mirror.format(owner=owner, name=name)
            if not Path(source).exists():
                source = f"https://github.com/{repo.github}.git"
            fetch(repo, args.repos, source)
        else:
            run(repo, args.repos, names)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
