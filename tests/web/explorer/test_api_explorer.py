"""The API explorer at `/docs`: Swagger UI shipped by a Python package the project
installs, served from this origin under the UI's Content-Security-Policy.

The page may reference nothing from another origin and may carry no inline script;
every asset it names is served here; in Chromium the explorer lists the API's
operations with no CSP violation and no request leaving the site.
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from browser import chromium_browser
from live_server import live_server
from oauth.support import Browser, Site
from signoff.api.app import create_app
from signoff.config import Settings
from signoff.web.security import CSP


class Assets(HTMLParser):
    """Every URL a page loads (`src`, `href`), and whether it has inline script."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self._in_script_without_src = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("src", "href"):
            if found.get(name):
                self.urls.append(str(found[name]))
        self._in_script_without_src = tag == "script" and not found.get("src")
        if any(name.startswith("on") for name in found):
            self.inline_scripts += 1  # an event handler attribute is inline script

    def handle_data(self, data: str) -> None:
        if self._in_script_without_src and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag: str) -> None:
        self._in_script_without_src = False


@pytest.fixture
def client(sqlite_url: str, tmp_path: Path) -> Iterator[Browser]:
    app = create_app(Settings(data_dir=tmp_path / "data", database_url=sqlite_url))
    site = Site(app)
    try:
        yield site.browser()
    finally:
        site.close()


def explorer_assets(client: Browser) -> Assets:
    page = client.get("/docs")
    assert page.status_code == 200
    parsed = Assets()
    parsed.feed(page.text)
    return parsed


def test_the_explorer_references_only_assets_of_this_origin(
    client: Browser,
) -> None:
    parsed = explorer_assets(client)
    assert parsed.urls, "the explorer page loads nothing"
    foreign = [
        url
        for url in parsed.urls
        if not (url.startswith("/") and not url.startswith("//")) and url != "data:,"
    ]
    assert foreign == []
    assert parsed.inline_scripts == 0


def test_the_explorer_is_served_under_the_uis_content_security_policy(
    client: Browser,
) -> None:
    page = client.get("/docs")
    assert page.headers["content-security-policy"] == CSP
    assert page.headers["x-frame-options"] == "DENY"


def test_every_asset_of_the_explorer_is_served_here(client: Browser) -> None:
    kinds = {".js": "text/javascript", ".css": "text/css"}
    for url in explorer_assets(client).urls:
        if url == "data:,":
            continue
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer.headers["content-type"].startswith(kinds[Path(url).suffix]), url
        assert answer.content, url
        assert answer.headers["content-security-policy"] == CSP


def test_only_the_explorers_own_files_are_served_and_redoc_is_gone(
    client: Browser,
) -> None:
    """The package's demo page (which loads a public sample API), its source maps
    and templates, and paths that climb out of it are not served."""
    for path in (
        "/docs/assets/index.html",
        "/docs/assets/swagger-initializer.js",
        "/docs/assets/swagger-ui-bundle.js.map",
        "/docs/assets/..%2F..%2F__init__.py",
        "/redoc",
        "/docs/oauth2-redirect",
    ):
        assert client.get(path).status_code == 404, path


@pytest.mark.slow
def test_the_explorer_renders_in_chromium_without_a_csp_violation(
    sqlite_url: str, tmp_path: Path
) -> None:
    app = create_app(Settings(data_dir=tmp_path / "data", database_url=sqlite_url))
    problems: list[str] = []
    elsewhere: list[str] = []
    with live_server(app) as base, chromium_browser() as chromium:
        page: Any = chromium.new_page()
        page.on(
            "console",
            lambda m: (
                problems.append(m.text) if m.type in ("error", "warning") else None
            ),
        )
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on(
            "request",
            lambda r: (
                None if r.url.startswith((base, "data:")) else elsewhere.append(r.url)
            ),
        )
        page.goto(base + "/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=30_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        title = page.locator(".information-container .title").inner_text()
    assert "/api/v1/changeSets" in paths
    assert title.startswith("Signoff")
    assert problems == []
    assert elsewhere == []
