"""The HTML report in a real browser: headless Chromium loads a page built from a real scan.

It checks what a person sees: nothing wider than a laptop window, the default view, a filter,
the held-back switch and a sorted column. Chromium and its driver come from Debian's packages
(`apt-get install chromium chromium-driver`, which .ci/run does); without them the test skips.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select

from scaffold.cli import main
from scaffold.report.html import report
from scaffold.scan.engine import scan_repository
from scaffold.scan.grouping import View, group
from scaffold.scan.model import ScanOptions, ScanResult
from tests import tokens
from tests.gitrepo import GitRepo

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).is_file() and Path(CHROMEDRIVER).is_file()),
    reason="needs Chromium and its driver: apt-get install -y chromium chromium-driver",
)


EVIL_PATH = "<script>window.pwned=1</script>.env"
EVIL_SUMMARY = 'Drop "CI" </script><img src=x onerror="window.pwned=2"> & done'


def build_repository(path: Path, seed: int) -> GitRepo:
    """Secrets in source, tests and docs; one in many versions, one removed, odd names."""
    repo = GitRepo.init(path)
    key_id, aws_secret = tokens.aws_key_pair(seed)
    _, docs_secret = tokens.aws_key_pair(seed + 1)
    _, test_secret = tokens.aws_key_pair(seed + 2)
    line, _ = tokens.generic_password_assignment(seed + 3)
    docs_line, _ = tokens.generic_password_assignment(seed + 4)
    _, odd = tokens.generic_password_assignment(seed + 5)
    alice = "Alice Example <alice@example.com>"
    repo.commit("Settings", {"src/app/settings.py": f"{line}\n"}, author=alice)
    repo.commit("CI", {"deploy/ci.sh": f"export GITHUB_TOKEN={tokens.github_pat(seed)}\n"})
    for n in range(6):  # the flask shape: one example, many versions of a docs page
        repo.commit(f"Docs {n}", {"docs/setup.md": f"# Setup {n}\n\n    {docs_line}\n"})
    repo.commit(
        "Tests",
        {
            "tests/fixtures/payments.py": f'KEY = "{tokens.stripe_live_key(seed)}"\n',
            "tests/test_aws.py": f'CONF = "aws_secret_access_key = {test_secret}"\n',
        },
    )
    repo.commit("Docs for AWS", {"docs/aws.md": f"aws_secret_access_key = {docs_secret}\n"})
    aws = f"[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {aws_secret}\n"
    repo.commit("AWS", {"config/aws.ini": aws}, author="Carol <carol@example.com>")
    repo.remove("deploy/ci.sh")
    repo.commit(EVIL_SUMMARY)
    repo.commit("odd", {EVIL_PATH: f"PASSWORD={odd}\n"})
    return repo


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def scanned(tmp_path: Path) -> tuple[Path, ScanResult]:
    """A real repository, its page written by `scaffold scan --format html`, and its result."""
    repo = build_repository(tmp_path / "repo", seed=40)
    page = tmp_path / "report.html"
    code = main(["scan", str(repo.path), "--format", "html", "--output", str(page)])
    assert code == 1  # findings
    return page, scan_repository(repo.path, ScanOptions(jobs=1))


def load(browser: WebDriver, page: Path, width: int = 1400) -> None:
    browser.set_window_size(width, 900)
    browser.get(page.as_uri())
    assert browser.find_element(By.ID, "secrets")


def rows(browser: WebDriver) -> list[WebElement]:
    """The secrets shown, in their order on the page."""
    return [
        body
        for body in browser.find_elements(By.CSS_SELECTOR, "#secrets tbody.secret")
        if body.is_displayed()
    ]


def overflow(browser: WebDriver) -> int:
    wide = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    assert isinstance(wide, int)
    return wide


def test_fits_a_laptop_window_even_with_everything_open(
    browser: WebDriver, scanned: tuple[Path, ScanResult]
) -> None:
    page, _ = scanned
    for width in (1400, 1280, 1024):
        load(browser, page, width)
        assert overflow(browser) <= 0, f"wider than a {width} px window"
        browser.find_element(By.ID, "show-held").click()
        for summary in browser.find_elements(By.CSS_SELECTOR, "#secrets details summary"):
            summary.click()
        opened = browser.find_elements(By.CSS_SELECTOR, "#secrets details[open]")
        assert len(opened) == len(rows(browser)) > 0
        assert overflow(browser) <= 0, f"an open detail is wider than a {width} px window"


def test_default_view_then_held_back_revealed(
    browser: WebDriver, scanned: tuple[Path, ScanResult]
) -> None:
    page, result = scanned
    shown, held = View().split(group(result))
    assert shown and held  # the repository holds both kinds, or this test proves nothing
    load(browser, page)
    assert browser.execute_script("return window.pwned") is None  # no injected script ran
    fingerprints = [
        r.find_element(By.CSS_SELECTOR, ".fp").get_attribute("title") for r in rows(browser)
    ]
    assert fingerprints == [s.fingerprint for s in shown]  # in the terminal's order
    line = browser.find_element(By.ID, "held-line").text
    assert line.startswith(f"{len(held)} more secrets held back")
    browser.find_element(By.ID, "show-held").click()
    assert len(rows(browser)) == len(shown) + len(held)
    status = browser.find_element(By.ID, "status").text
    assert status == f"Showing {len(shown) + len(held)} of {len(shown) + len(held)} secrets."


def test_filter_by_severity_context_and_search(
    browser: WebDriver, scanned: tuple[Path, ScanResult]
) -> None:
    page, result = scanned
    secrets = group(result)
    load(browser, page)
    Select(browser.find_element(By.NAME, "severity")).select_by_value("critical")
    critical = [s for s in secrets if View().shows(s) and s.rule.severity == "critical"]
    assert [r.get_attribute("data-severity") for r in rows(browser)] == ["critical"] * len(critical)
    assert len(critical) >= 2
    # docs secrets are all held back: the status line says they match and how to see them
    Select(browser.find_element(By.NAME, "severity")).select_by_value("")
    Select(browser.find_element(By.NAME, "context")).select_by_value("docs")
    docs = [s for s in secrets if s.context == "docs"]
    assert docs and rows(browser) == []
    status = browser.find_element(By.ID, "status").text
    assert f"{len(docs)} held back match" in status
    assert browser.find_element(By.ID, "nothing").text == "No secret matches these filters."
    browser.find_element(By.ID, "show-held").click()
    assert {r.get_attribute("data-context") for r in rows(browser)} == {"docs"}
    assert len(rows(browser)) == len(docs)
    # the page's text search, with a path the repository chose (escaped, shown as written)
    browser.find_element(By.CSS_SELECTOR, "button.reset").click()
    assert not browser.find_element(By.ID, "show-held").is_selected()
    browser.find_element(By.ID, "show-held").click()
    browser.find_element(By.NAME, "q").send_keys("pwned")
    found = rows(browser)
    assert len(found) == 1 and EVIL_PATH in found[0].text


def test_sorting_a_column_orders_the_rows(
    browser: WebDriver, scanned: tuple[Path, ScanResult]
) -> None:
    page, _ = scanned
    load(browser, page)
    browser.find_element(By.ID, "show-held").click()
    default = [int(r.get_attribute("data-order") or -1) for r in rows(browser)]
    assert default == sorted(default)  # live first, most severe, most confident

    first = browser.find_element(By.CSS_SELECTOR, "button[data-sort=first]")
    first.click()
    dates = [r.get_attribute("data-sort-first") or "" for r in rows(browser)]
    assert dates == sorted(dates) and dates[0] < dates[-1]
    header = first.find_element(By.XPATH, "..")
    assert header.get_attribute("aria-sort") == "ascending"
    first.click()
    assert [r.get_attribute("data-sort-first") for r in rows(browser)] == sorted(
        dates, reverse=True
    )

    browser.find_element(By.CSS_SELECTOR, "button[data-sort=places]").click()  # most first
    places = [int(r.get_attribute("data-sort-places") or 0) for r in rows(browser)]
    assert places == sorted(places, reverse=True) and places[0] == 6


def test_several_repositories_filter_and_overview(browser: WebDriver, tmp_path: Path) -> None:
    results = [
        scan_repository(build_repository(tmp_path / name, seed).path, ScanOptions(jobs=1))
        for name, seed in (("billing", 60), ("web", 80))
    ]
    out = io.StringIO()
    report(results, out)
    page = tmp_path / "org.html"
    page.write_text(out.getvalue(), encoding="utf-8")
    load(browser, page)
    assert overflow(browser) <= 0
    total = len(rows(browser))
    # a repository's name in the overview sets the repository filter
    browser.find_element(By.CSS_SELECTOR, 'button[data-filter="repo"][title$="/web"]').click()
    assert Select(browser.find_element(By.NAME, "repo")).first_selected_option.text.startswith(
        "web"
    )
    web = rows(browser)
    assert 0 < len(web) < total
    assert {r.find_element(By.CSS_SELECTOR, ".repo").text for r in web} == {"web"}
    Select(browser.find_element(By.NAME, "head")).select_by_value("no")
    assert [r.get_attribute("data-head") for r in rows(browser)] == ["no"] * len(rows(browser))
