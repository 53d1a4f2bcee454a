"""A refusal reads the same from every interface: one status and one sentence, from
`web/refusals.py`; the REST API, the page store and the web UI only wrap it.

Each interface gets a route of its own, added to a real application, that raises the
error a handler would let through; the application's one handler answers it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from markupsafe import escape

from oauth.support import Site
from signoff.actions.oauth import InvalidGrant
from signoff.api.app import create_app
from signoff.config import Settings
from signoff.domain.errors import (
    BadInput,
    InvalidState,
    NotAllowed,
    NotFound,
    SignoffError,
    VersionConflict,
)

REFUSALS: dict[str, tuple[SignoffError, int]] = {
    "bad-input": (BadInput("Title must not be empty.", field="title"), 400),
    "not-allowed": (NotAllowed("You need the editor role in DOCS."), 403),
    "not-found": (NotFound("Page 7 not found."), 404),
    "invalid-state": (InvalidState("Change set 'R' is archived & read-only."), 409),
    "version-conflict": (
        VersionConflict("Page 7 is at version 3, not 2.", expected=3, given=2),
        409,
    ),
    "invalid-grant": (InvalidGrant("The code was already used."), 409),
    "unlisted": (SignoffError("The backup failed."), 400),
}
PREFIXES = {"api": "/api/v1/test-refusal", "wiki": "/wiki/api/v2/test-refusal"}
UI_PATH = "/test-refusal"


@pytest.fixture
def site(sqlite_url: str, tmp_path: Path) -> Iterator[Site]:
    app = create_app(Settings(data_dir=tmp_path / "data", database_url=sqlite_url))

    async def refuse(kind: str) -> None:
        raise REFUSALS[kind][0]

    for path in (*PREFIXES.values(), UI_PATH):
        app.add_api_route(path + "/{kind}", refuse, methods=["GET", "POST"])
    opened = Site(app)
    yield opened
    opened.close()


@pytest.mark.parametrize("kind", REFUSALS)
def test_the_rest_api_answers_a_refusal_in_its_envelope(site: Site, kind: str) -> None:
    error, status = REFUSALS[kind]
    response = site.browser().post(f"{PREFIXES['api']}/{kind}")
    assert response.status_code == status
    assert response.json() == {"success": False, "error": error.message}


@pytest.mark.parametrize("kind", REFUSALS)
def test_the_page_store_answers_a_refusal_in_confluences_envelope(
    site: Site, kind: str
) -> None:
    error, status = REFUSALS[kind]
    response = site.browser().get(f"{PREFIXES['wiki']}/{kind}")
    assert response.status_code == status
    [shown] = response.json()["errors"]
    assert shown["status"] == status
    if kind == "version-conflict":  # Confluence's own words, which clients look for
        assert shown["detail"].endswith("Current version is: 3")
    else:
        assert shown["detail"] == error.message


@pytest.mark.parametrize("kind", REFUSALS)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_web_ui_answers_a_refusal_with_its_error_page(
    site: Site, kind: str, method: str
) -> None:
    error, status = REFUSALS[kind]
    response = site.browser().request(method, f"{UI_PATH}/{kind}")
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert "This did not work" in response.text
    assert escape(error.message) in response.text  # as Jinja escapes it
