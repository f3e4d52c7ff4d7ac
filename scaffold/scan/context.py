"""What kind of file a finding sits in, from its path: source, test fixture, documentation,
vendored third-party code, or a generated/lock file.

Judged by path alone (no file is opened), the way people lay repositories out. A secret found
in several places takes the most telling of their contexts: one copy in source code makes it
a source finding, whatever copies the tests also hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from scaffold.scan.model import Context

# Checked in this order: a vendored package's tests are vendored code first.
_VENDORED = re.compile(
    r"(^|/)(vendor|vendored|third[_-]?party|node_modules|bower_components|site-packages|"
    r"_vendor|external|extern)/"
    # a Python package's own packages/ directory: how requests once carried urllib3
    r"|^[^/]+/packages/",
    re.IGNORECASE,
)
_GENERATED = re.compile(
    r"(^|/)(package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|poetry\.lock|"
    r"Pipfile\.lock|Cargo\.lock|Gemfile\.lock|composer\.lock|go\.sum|uv\.lock|"
    r"[^/]+\.min\.(js|css)|[^/]+\.map|dist/|build/|generated/|[^/]+\.pb\.go|[^/]+_pb2\.py)$"
    r"|(^|/)(dist|build|generated|gen)/",
    re.IGNORECASE,
)
_TEST = re.compile(
    r"(^|/)(tests?|testing|spec|specs|__tests__|testdata|test[_-]?data|fixtures?|t|mocks?|"
    r"e2e|integration[_-]tests?)/"
    r"|(^|/)(test_[^/]*|[^/]*_test\.[a-z]+|[^/]*\.test\.[a-z]+|[^/]*\.spec\.[a-z]+|"
    r"conftest\.py|[^/]*Tests?\.(java|cs|kt|swift))$",
    re.IGNORECASE,
)
_DOCS = re.compile(
    r"(^|/)(docs?|documentation|examples?|samples?|tutorials?|guides?|man|website|site)/"
    r"|\.(md|markdown|rst|adoc|asciidoc|txt|html?|ipynb)$"
    r"|(^|/)(README|CHANGES|CHANGELOG|HISTORY|NEWS|CONTRIBUTING)[^/]*$",
    re.IGNORECASE,
)
# Most telling first: what decides a secret found in several kinds of place.
RANK = (Context.SOURCE, Context.VENDORED, Context.GENERATED, Context.TEST, Context.DOCS)


def context_of(path: str) -> Context:
    """The context of one place (an archive member counts by its full `a.zip!b/c` path)."""
    if not path:
        return Context.SOURCE  # a commit message, or content with no path: judged as source
    inner = path.replace("!", "/")
    if _VENDORED.search(inner):
        return Context.VENDORED
    if _GENERATED.search(inner):
        return Context.GENERATED
    if _TEST.search(inner):
        return Context.TEST
    if _DOCS.search(inner):
        return Context.DOCS
    return Context.SOURCE


def context_of_places(paths: Iterable[str]) -> Context:
    """The most telling context among several places (see the module doc)."""
    found = {context_of(p) for p in paths}
    for context in RANK:
        if context in found:
            return context
    return Context.SOURCE
