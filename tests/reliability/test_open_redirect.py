"""B10: the login's `next` never leads off this site (ASVS 3.7.2).

Each vector is given to a real sign-in (the form's hidden `next`) and to the login
page of a browser already signed in; wherever the answer redirects, the target is a
path on this site: one leading `/`, never `//` or `/\\` (which browsers read as
another host), and it resolves to this origin.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from factories import PASSWORD, make_user
from oauth.support import BASE, Browser, Clock, Site
from signoff.api.app import create_app
from signoff.config import Settings

HOST = urlsplit(BASE).netloc
VECTORS = (
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "https:evil.example",
    "https:/evil.example",
    "http://evil.example",
    "https://evil.example/spaces",
    "HTTPS://EVIL.EXAMPLE",
    "ftp://evil.example",
    "%2F%2Fevil.example",
    "%252F%252Fevil.example",
    "https%3A%2F%2Fevil.example",
    "/%2F/evil.example",
    "/%5Cevil.example",
    "%5C%5Cevil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "\t//evil.example",
    " //evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/%09/evil.example",
    "/\r\nLocation: https://evil.example",
    "/%0D%0ALocation:%20https://evil.example",
    "////evil.example",
    "///evil.example",
    "//evil.example@signoff.test",
    "https://signoff.test@evil.example",
    "http://signoff.test:80@evil.example/",
    "//signoff.test%40evil.example",
    "//evil.example\\@signoff.test",
    "/\x00//evil.example",
    "\uff0f\uff0fevil.example",  # fullwidth solidus
    "/\uff0fevil.example",
    "\u2215\u2215evil.example",  # division slash
    "/\u2215evil.example",
    "/\u2044evil.example",  # fraction slash
    "\u3002evil.example",  # ideographic full stop
    "/\u200b/evil.example",  # zero-width space
    "/\u3000/evil.example",  # ideographic space
    "evil.example",
    "//%65vil.example",
    "//evil.example:443",
    "/.//evil.example",
    "/" + "a" * 5000,
)
_SAFE_LOCATION = re.compile(r"/(?![/\\])[\x21-\x7e]*")


@dataclass
class World:
    site: Site
    signed_in: Browser


@pytest.fixture(scope="module")
def world(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    root = tmp_path_factory.mktemp("redirect")
    shutil.copyfile(sqlite_template, root / "signoff.db")
    app = create_app(
        Settings(data_dir=root / "data", database_url=f"sqlite:///{root}/signoff.db")
    )
    app.state.clock = Clock()
    with app.state.db.write() as session:
        make_user(session, "alice", password=PASSWORD)
    site = Site(app)
    signed_in = sign_in(site.browser(), "/spaces")
    yield World(site, signed_in)
    site.close()


def sign_in(browser: Browser, next_path: str) -> Browser:
    answer = post_login(browser, next_path)
    assert answer.status_code == 303
    return browser


def post_login(browser: Browser, next_path: str) -> httpx.Response:
    form = browser.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    return browser.post(
        "/login",
        data={
            "csrf_token": token.group(1),
            "username": "alice",
            "password": PASSWORD,
            "next": next_path,
        },
    )


def stays_on_site(location: str) -> bool:
    """A path on this site: one leading `/`, printable ASCII only, and the browser's
    own resolution of it keeps this scheme and host."""
    resolved = urlsplit(urljoin(BASE + "/login", location))
    return _SAFE_LOCATION.fullmatch(location) is not None and (
        resolved.scheme,
        resolved.netloc,
    ) == ("http", HOST)


def test_the_check_itself_tells_off_site_from_on_site() -> None:
    assert stays_on_site("/spaces/DOCS?x=1")
    for off in ("//evil.example", "/\\evil.example", "https://evil.example", "x"):
        assert not stays_on_site(off)


@pytest.mark.parametrize("vector", VECTORS, ids=[repr(v)[:40] for v in VECTORS])
def test_a_sign_in_never_redirects_off_site(world: World, vector: str) -> None:
    browser = world.site.browser()
    answer = post_login(browser, vector)
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert stays_on_site(location), location
    assert browser.client.cookies.get("signoff_session")  # the sign-in succeeded


def test_a_signed_in_login_page_never_redirects_off_site(world: World) -> None:
    offenders = {}
    for vector in VECTORS:
        answer = world.signed_in.get("/login", params={"next": vector})
        location = answer.headers.get("location")
        if answer.status_code >= 300 and not (location and stays_on_site(location)):
            offenders[vector] = (answer.status_code, location)
        assert answer.status_code in (200, 303), vector
    assert offenders == {}
    assert len(VECTORS) >= 30
