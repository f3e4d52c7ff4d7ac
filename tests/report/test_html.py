"""The HTML report's page: one row per secret, escaped text, the default view, the overview."""

from __future__ import annotations

import dataclasses
import io
import re
from html.parser import HTMLParser

import pytest

from scaffold.report import REPORTERS
from scaffold.report.html import report
from scaffold.report.html.entries import short_names
from scaffold.report.html.overview import periods
from scaffold.scan.grouping import View, group, held_back_line
from scaffold.scan.model import (
    Confidence,
    Context,
    Finding,
    Liveness,
    Match,
    Provenance,
    ScanResult,
    SourceKind,
    Verification,
)
from tests.report.conftest import assert_golden
from tests.report.sample import AWS, PASSWORD, Tokens, all_secrets, sample_results

BLOCKS = frozenset(["div", "p", "li", "td", "th", "tr", "h1", "h2", "h3", "summary", "title"])


class Page(HTMLParser):
    """The parsed page: visible text, and every element with its attributes."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._skip = 0
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag in BLOCKS:
            self.text.append(" ")
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)

    def tags(self, tag_name: str, **having: str) -> list[dict[str, str | None]]:
        return [
            attrs
            for tag, attrs in self.elements
            if tag == tag_name
            and all(attrs.get(k.replace("_", "-")) == v for k, v in having.items())
        ]

    def secrets(self) -> list[dict[str, str | None]]:
        return [a for a in self.tags("tbody") if "secret" in (a.get("class") or "").split()]

    @property
    def visible(self) -> str:
        return " ".join("".join(self.text).split())


def render(results: list[ScanResult], *, show_secrets: bool = False) -> str:
    out = io.StringIO()
    report(results, out, show_secrets=show_secrets)
    return out.getvalue()


def structure(page: str) -> str:
    """The page without its inline style and script (the browser test covers those)."""
    page = re.sub(r"<style>.*?</style>", "<style>…</style>", page, flags=re.S)
    return re.sub(r"<script>.*?</script>", "<script>…</script>", page, flags=re.S)


def test_html_golden() -> None:
    assert_golden("report.html", structure(render(sample_results())))


def test_reporter_table_serves_this_page() -> None:
    out = io.StringIO()
    REPORTERS["html"](sample_results(), out)
    assert out.getvalue() == render(sample_results())


def test_one_row_per_secret_across_versions_and_paths(tokens: Tokens) -> None:
    # the flask shape: the same key in many versions of a docs page, and once more in source
    versions = [
        Finding(
            match=Match(AWS.id, tokens.aws_secret, 0, 40, 3, 1),
            rule=AWS,
            source=SourceKind.BLOB,
            object_id=f"{n:040x}",
            repository="acme/docs",
            provenance=(
                Provenance(f"{n:040d}", "docs/config.rst", "Ann", "a@x", f"2020-01-{n + 1:02d}"),
            ),
            in_head=n == 29,
            confidence=Confidence.MEDIUM,
            context=Context.DOCS,
        )
        for n in range(30)
    ]
    other = dataclasses.replace(
        versions[0],
        object_id="f" * 40,
        provenance=(Provenance("9" * 40, "src/app.py", "Bo", "b@x", "2021-05-05"),),
        context=Context.SOURCE,
    )
    result = ScanResult("acme/docs", tuple([*versions, other]), (AWS,))
    page = Page(render([result]))
    rows = page.secrets()
    assert len(rows) == 1
    assert rows[0]["data-sort-places"] == "31" and rows[0]["data-head"] == "yes"
    assert "31 places in 2 paths" in page.visible
    assert "newest 2021-05-05: src/app.py:3" in page.visible
    assert "and 21 more" in page.visible  # the detail lists ten places, then counts the rest
    # first introduced: the oldest place, with its commit, author and date
    assert "docs/config.rst:3 2020-01-01 · Ann · 0000000" in page.visible


def test_default_view_hides_what_the_terminal_holds_back(tokens: Tokens) -> None:
    api = next(r for r in sample_results(tokens) if r.findings)

    def in_tests(finding: Finding) -> Finding:
        places = tuple(dataclasses.replace(p, path=f"tests/{p.path}") for p in finding.provenance)
        return dataclasses.replace(finding, provenance=places)

    quiet = tuple(
        dataclasses.replace(f, confidence=Confidence.LOW)
        if f.rule.id == PASSWORD.id
        else in_tests(f)
        if f.rule.id == AWS.id
        else f
        for f in api.findings
    )
    result = dataclasses.replace(api, findings=quiet)
    page = Page(render([result]))
    shown, held = View().split(group(result))
    # the AWS key stays shown in a test file: a provider's format is never held back
    assert [len(shown), len(held)] == [3, 2]
    rows = page.secrets()
    hidden = [r for r in rows if "hidden" in r]
    assert len(rows) == 5 and len(hidden) == 2
    assert {r["data-held"] for r in hidden} == {"1"}
    assert {r["data-sort-rule"] for r in hidden} == {s.rule.id for s in held}
    said = held_back_line(held).partition(": show with ")[0]
    assert said in page.visible and "show them" in page.visible
    assert held_back_line(held).partition(": show with ")[2] in page.visible  # the flags


def test_a_page_with_everything_held_back_says_there_is_nothing_to_act_on(tokens: Tokens) -> None:
    api = next(r for r in sample_results(tokens) if r.findings)
    low = tuple(dataclasses.replace(f, confidence=Confidence.LOW) for f in api.findings)
    page = Page(render([dataclasses.replace(api, findings=low)]))
    assert all("hidden" in row for row in page.secrets())
    (nothing,) = page.tags("p", id="nothing")
    assert "hidden" not in nothing and "Nothing to act on" in page.visible


def test_live_secrets_come_first(tokens: Tokens) -> None:
    api = next(r for r in sample_results(tokens) if r.findings)
    live = Verification(Liveness.LIVE, "HTTP 200 from example", "2024-01-01T00:00:00Z")
    findings = tuple(
        dataclasses.replace(f, verification=live) if f.rule.id == PASSWORD.id else f
        for f in api.findings
    )
    page = Page(render([dataclasses.replace(api, findings=findings)]))
    assert page.secrets()[0]["data-sort-rule"] == PASSWORD.id
    assert "LIVE" in page.visible and "HTTP 200 from example" in page.visible


def test_attacker_controlled_text_is_escaped(tokens: Tokens) -> None:
    api = next(r for r in sample_results(tokens) if r.findings)
    evil_path = "<script>alert(1)</script>.env"
    evil_summary = "Fix \"quotes\" 'and' </script><img src=x onerror=alert(2)> & more"
    findings = tuple(
        dataclasses.replace(
            f,
            provenance=tuple(
                dataclasses.replace(p, path=evil_path if p.path else "", summary=evil_summary)
                for p in f.provenance
            ),
            refs=("refs/heads/<u>x</u>",),
        )
        for f in api.findings
    )
    text = render([dataclasses.replace(api, findings=findings, repository='a"b<em>/c')])
    page = Page(text)
    assert len(page.tags("script")) == 1  # ours, at the end
    assert not page.tags("img") and not page.tags("u") and not page.tags("em")
    assert "<script>alert(1)" not in text and "</script><img" not in text
    assert "&lt;script&gt;alert(1)&lt;/<wbr>script&gt;.env" in text
    assert evil_path in page.visible and evil_summary in page.visible
    assert 'a"b<em>/c' in page.visible and 'title="a&quot;b&lt;em&gt;/c"' in text


def test_no_secret_even_when_asked(tokens: Tokens) -> None:
    text = render(sample_results(tokens), show_secrets=True)
    for secret in all_secrets(tokens):
        assert secret not in text and secret[4:] not in text


def test_page_is_self_contained() -> None:
    text = render(sample_results())
    page = Page(text)
    assert not page.tags("link") and not [a for _, a in page.elements if "src" in a]
    assert "url(" not in text and "@import" not in text
    assert all(str(a.get("href", "")).startswith("https://") for a in page.tags("a"))


def test_incomplete_scans_are_said_before_the_overview() -> None:
    text = render(sample_results())
    assert text.index("Scan incomplete for 1 of 2 repositories") < text.index("By severity")
    assert "2 objects not scanned" in text and "assets/video.mp4" in text
    complete = [r for r in sample_results() if r.complete]
    assert "Scan incomplete" not in render(complete)


def test_several_repositories_each_path_shown_once() -> None:
    api, web = sorted(sample_results(), key=lambda r: r.repository)
    names = ["/srv/git/team-a/api.git", "/srv/git/team-b/api.git", "/srv/git/team-b/web.git"]
    results = [
        dataclasses.replace(r, repository=n) for r, n in zip([api, api, web], names, strict=True)
    ]
    text = render(results)
    page = Page(text)
    # the shared parent once, names in the rows; each full path only in tooltips
    assert page.visible.count("/srv/git/") == 1 and "in /srv/git/" in page.visible
    for name in names:
        assert name not in page.visible and f'title="{name}"' in text
    assert page.tags("select", name="repo"), "a repository filter when the page holds several"
    labels = re.findall(r'<option value="\d+">([^<]+) \(\d+\)</option>', text)
    assert labels == ["team-a/api.git", "team-b/api.git"]  # web.git has no secret to filter to


def test_a_repository_outside_the_shared_parent_shows_the_rest_of_its_path() -> None:
    api, web = sorted(sample_results(), key=lambda r: r.repository)
    names = ["/srv/a/api.git", "/srv/b/deep/web.git"]
    results = [dataclasses.replace(r, repository=n) for r, n in zip([api, web], names, strict=True)]
    visible = Page(render(results)).visible
    assert "in /srv/" in visible and "b/deep/web.git" in visible


def test_short_names_keep_what_tells_repositories_apart() -> None:
    assert short_names(["/a/b/api.git", "/c/web.git/", "x"]) == ["api.git", "web.git", "x"]
    assert short_names(["/one/acme/api", "/two/acme/api", "/three/api"]) == [
        "one/acme/api",
        "two/acme/api",
        "three/api",
    ]


def test_timeline_by_year_over_a_long_history_by_month_over_a_short_one() -> None:
    assert periods(["2019-05-01", "2021-01-01"]) == ("year", ["2019", "2020", "2021"])
    unit, months = periods(["2023-11-14T22:13:20+00:00", "2024-02-01"])
    assert (unit, months) == ("month", ["2023-11", "2023-12", "2024-01", "2024-02"])


def test_timeline_bars_count_secrets_by_first_introduction() -> None:
    text = render(sample_results())
    chart = re.search(r"<svg.*?</svg>", text, flags=re.S)
    assert chart is not None
    title = "<title>2023-11: 5 secrets (2 critical, 1 high, 1 medium, 1 held)</title>"
    assert title in chart.group()


def test_no_secrets_says_so() -> None:
    clean = [r for r in sample_results() if not r.findings]
    page = Page(render(clean))
    assert "No secrets found." in page.visible and not page.secrets()
    assert "No committed secrets to chart." in page.visible


@pytest.mark.parametrize("several", [False, True])
def test_every_row_has_one_cell_per_column(several: bool) -> None:
    results = sample_results() if several else [r for r in sample_results() if r.findings]
    text = render(results)
    columns = len(re.findall(r"<th scope=\"col\">", text))
    assert columns == (8 if several else 7)
    for row in re.findall(r"<tbody class=\"secret[^>]*><tr>(.*?)</tr>", text, flags=re.S):
        assert row.count("<td") == columns
    assert text.count(f'<td colspan="{columns}">') == len(Page(text).secrets())
