"""Parsed views of a repository's files, built once per audit and shared by every check.

Terraform goes through python-hcl2, workflows, CloudFormation and Kubernetes through PyYAML
(JSON is YAML). A file that does not parse is recorded with the parser's message and line, and
the checks that read that kind of file are then "not evaluated", never passed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from scaffold.audit import files as kinds
from scaffold.audit.files import RepoFiles
from scaffold.hooks.tree import Node, from_yaml

_BLOCK = re.compile(r"^(resource|data|module|provider|locals|variable|output|terraform)\b", re.M)
_CFN_MARKERS = ("AWSTemplateFormatVersion", "AWS::")
_K8S_MARKER = re.compile(r"^apiVersion:\s*\S+", re.M)


@dataclass(frozen=True)
class ParseIssue:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.message}"
            if self.line
            else f"{self.path}: {self.message}"
        )


@dataclass(frozen=True)
class Resource:
    """One infrastructure resource (Terraform block or CloudFormation resource)."""

    type: str  # "aws_security_group", "AWS::EC2::SecurityGroup", "data.aws_iam_policy_document"
    name: str
    body: Any  # plain Python values; Terraform strings unquoted, `${...}` kept as text
    path: str
    line: int  # where the block starts
    end: int  # its last line (for finding an attribute's line)

    @property
    def terraform(self) -> bool:
        return not self.type.startswith("AWS::")


@dataclass(frozen=True)
class TerraformFile:
    path: str
    text: str
    data: dict[str, Any]


def _unquote(value: Any) -> Any:
    if isinstance(value, str):
        if value.startswith("${jsonencode(") and value.endswith(")}"):
            parsed = _hcl_object(value[len("${jsonencode(") : -2])
            return parsed if parsed is not None else value
        if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
            inner = value[1:-1]
            if inner.startswith("<<") and "\n" in inner:  # heredoc: its body
                body = inner.split("\n", 1)[1].rsplit("\n", 1)[0]
                return body
            return inner
        return value
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    if isinstance(value, dict):
        return {_unquote(k): _unquote(v) for k, v in value.items() if k != "__is_block__"}
    return value


def _hcl_object(expression: str) -> Any:
    try:
        return _unquote(parse_hcl(f"x = {expression}\n"))["x"]
    except Exception:  # an expression python-hcl2 cannot read alone: keep it as text
        return None


def _hcl_issue(path: str, exc: Exception) -> ParseIssue:
    line = int(getattr(exc, "line", 0) or 0)
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return ParseIssue(path, max(line, 0), first[:200])


def _yaml_issue(path: str, exc: yaml.YAMLError) -> ParseIssue:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else 0
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return ParseIssue(path, line, str(problem))


def _block_ends(text: str) -> list[int]:
    return [text.count("\n", 0, m.start()) + 1 for m in _BLOCK.finditer(text)]


def _end_after(starts: list[int], line: int, last: int) -> int:
    later = [s for s in starts if s > line]
    return (later[0] - 1) if later else last


def _tf_resources(tf: TerraformFile) -> Iterator[Resource]:
    starts = _block_ends(tf.text)
    last = tf.text.count("\n") + 1
    for kind in ("resource", "data"):
        for entry in tf.data.get(kind, []):
            for rtype, named in entry.items():
                for name, body in named.items():
                    rt, rn = _unquote(rtype), _unquote(name)
                    found = re.search(
                        rf'^\s*{kind}\s+"?{re.escape(rt)}"?\s+"?{re.escape(rn)}"?', tf.text, re.M
                    )
                    line = tf.text.count("\n", 0, found.start()) + 1 if found else 1
                    prefix = "data." if kind == "data" else ""
                    yield Resource(
                        prefix + rt,
                        rn,
                        _unquote(body),
                        tf.path,
                        line,
                        _end_after(starts, line, last),
                    )
    for kind in ("module", "provider"):
        for entry in tf.data.get(kind, []):
            for name, body in entry.items():
                rn = _unquote(name)
                found = re.search(rf'^\s*{kind}\s+"?{re.escape(rn)}"?', tf.text, re.M)
                line = tf.text.count("\n", 0, found.start()) + 1 if found else 1
                yield Resource(
                    kind, rn, _unquote(body), tf.path, line, _end_after(starts, line, last)
                )


def _plain(node: Node | None) -> Any:
    if node is None or node.value is None:
        return None
    if isinstance(node.value, list):
        return [_plain(n) for n in node.value]
    if isinstance(node.value, dict):
        return {k: _plain(v) for k, v in node.value.items()}
    return node.value


def _hcl_cache() -> Path:
    from scaffold.paths import cache_root

    return cache_root() / "audit" / "hcl"


def parse_hcl(text: str) -> Any:
    """python-hcl2's reading of `text`, remembered by content: the parser costs ~40 ms a file
    (and 0.5 s to load), and services from one template share most of their Terraform."""
    from importlib.metadata import version

    key = hashlib.sha256(f"{version('python-hcl2')}\0{text}".encode()).hexdigest()
    cached = _hcl_cache() / key[:2] / f"{key}.json"
    try:
        return json.loads(cached.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    import hcl2

    data = hcl2.loads(text)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        temp = cached.with_suffix(f".{os.getpid()}.tmp")
        temp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(temp, cached)
    except OSError:
        pass  # a read-only cache only costs speed
    return data


_DOCUMENT_START = re.compile(r"^---[ \t]*(?:#.*)?$", re.M)


def _documents(text: str) -> list[tuple[str, int]]:
    """The documents of a YAML stream with the line each starts on (lines stay the file's)."""
    starts = [0] + [m.end() for m in _DOCUMENT_START.finditer(text)]
    ends = [m.start() for m in _DOCUMENT_START.finditer(text)] + [len(text)]
    return [(text[a:b], text.count("\n", 0, a) + 1) for a, b in zip(starts, ends, strict=True)]


class Inputs:
    """Lazily parsed inputs; each property parses its kind of file once."""

    def __init__(self, repo: RepoFiles) -> None:
        self.repo = repo
        self.issues: dict[str, list[ParseIssue]] = {}

    def _issue(self, kind: str, issue: ParseIssue) -> None:
        self.issues.setdefault(kind, []).append(issue)

    def lines(self, path: str) -> list[str]:
        return (self.repo.text(path) or "").splitlines()

    def line_of(self, res: Resource, *needles: str) -> int:
        """The first line of `res` holding every needle (else the block's first line)."""
        lines = self.lines(res.path)
        for number in range(res.line, min(res.end, len(lines)) + 1):
            text = lines[number - 1]
            if all(n in text for n in needles):
                return number
        return res.line

    @functools.cached_property
    def terraform_files(self) -> list[TerraformFile]:
        paths = self.repo.matching(kinds.is_terraform)
        self.repo.prefetch(paths)
        parsed = []
        for path in paths:
            text = self.repo.text(path)
            if text is None:
                continue
            try:
                data = json.loads(text) if path.endswith(".json") else parse_hcl(text)
            except Exception as exc:  # lark's and json's errors: both carry a line
                self._issue("terraform", _hcl_issue(path, exc))
                continue
            parsed.append(TerraformFile(path, text, data if isinstance(data, dict) else {}))
        return parsed

    @functools.cached_property
    def terraform(self) -> list[Resource]:
        return [r for tf in self.terraform_files for r in _tf_resources(tf)]

    @functools.cached_property
    def _structured(self) -> list[tuple[str, str, Node]]:
        """(kind, path, tree) for CloudFormation templates and Kubernetes manifests."""
        found: list[tuple[str, str, Node]] = []
        paths = [
            p
            for p in self.repo.matching(kinds.is_yaml_or_json)
            if not kinds.is_workflow(p) and PurePosixPath(p).name != ".pre-commit-config.yaml"
        ]
        self.repo.prefetch(paths)
        for path in paths:
            text = self.repo.text(path) or ""
            if "{{" in text and "/templates/" in f"/{path}":  # a Helm template: text, not YAML
                continue
            if any(m in text for m in _CFN_MARKERS) and "Resources" in text:
                kind = "cloudformation"
            elif _K8S_MARKER.search(text) and "kind:" in text:
                kind = "kubernetes"
            else:
                continue
            trees: list[Node] = []
            for chunk, first in _documents(text):
                try:
                    tree = from_yaml(chunk, first)
                except yaml.YAMLError as exc:
                    issue = _yaml_issue(path, exc)
                    self._issue(kind, ParseIssue(path, issue.line + first - 1, issue.message))
                    trees = []
                    break
                if tree is not None:
                    trees.append(tree)
            for tree in trees:
                if kind == "cloudformation" and tree.get("Resources") is None:
                    continue
                found.append((kind, path, tree))
        return found

    @functools.cached_property
    def cloudformation(self) -> list[Resource]:
        out = []
        for kind, path, tree in self._structured:
            if kind != "cloudformation":
                continue
            resources = tree.get("Resources")
            items = resources.items() if resources else []
            lines = [node.line for _, node in items]
            last = len(self.lines(path))
            for index, (name, node) in enumerate(items):
                end = lines[index + 1] - 1 if index + 1 < len(lines) else last
                rtype = node.get("Type")
                props = node.get("Properties")
                out.append(
                    Resource(
                        rtype.text if rtype else "", name, _plain(props) or {}, path, node.line, end
                    )
                )
        return out

    @functools.cached_property
    def kubernetes(self) -> list[tuple[str, Node]]:
        return [(path, tree) for kind, path, tree in self._structured if kind == "kubernetes"]

    @property
    def resources(self) -> list[Resource]:
        return self.terraform + self.cloudformation

    @functools.cached_property
    def workflows(self) -> list[tuple[str, Node]]:
        out = []
        paths = self.repo.matching(kinds.is_workflow)
        self.repo.prefetch(paths)
        for path in paths:
            try:
                tree = from_yaml(self.repo.text(path) or "")
            except yaml.YAMLError as exc:
                self._issue("workflows", _yaml_issue(path, exc))
                continue
            if tree is not None and isinstance(tree.value, dict):
                out.append((path, tree))
        return out

    @functools.cached_property
    def has_iac(self) -> bool:
        helm = any(PurePosixPath(p).name == "Chart.yaml" for p in self.repo.paths)
        return bool(self.repo.matching(kinds.is_terraform)) or bool(self._structured) or helm

    def texts(self, test: Any) -> Iterator[tuple[str, str]]:
        paths = self.repo.matching(test)
        self.repo.prefetch(paths)
        for path in paths:
            text = self.repo.text(path)
            if text is not None:
                yield path, text
