"""`create_app`: health, the OpenAPI document, and the one error mapping."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from signoff import __version__
from signoff.api.app import create_app
from signoff.config import SECRET_KEY_FILE, Settings
from signoff.domain.errors import (
    BadInput,
    InvalidState,
    NotAllowed,
    NotFound,
    SignoffError,
    VersionConflict,
)


def app_for(database_url: str, data_dir: Path) -> FastAPI:
    return create_app(Settings(data_dir=data_dir, database_url=database_url))


def call(app: FastAPI, *requests: tuple[str, str, Any]) -> list[httpx.Response]:
    """Send requests in order through ASGI, inside the app's lifespan."""

    async def send_all() -> list[httpx.Response]:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://signoff.test"
            ) as client:
                return [
                    await client.request(method, path, json=body)
                    for method, path, body in requests
                ]

    return asyncio.run(send_all())


def get(app: FastAPI, path: str) -> httpx.Response:
    return call(app, ("GET", path, None))[0]


def test_healthz_is_ok_on_a_migrated_database(db_url: str, tmp_path: Path) -> None:
    response = get(app_for(db_url, tmp_path), "/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "version": __version__}


def test_livez_answers_without_the_database(tmp_path: Path) -> None:
    # An unmigrated database fails /healthz; /livez only says the process is up.
    app = app_for(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path)

    assert get(app, "/healthz").status_code == 503
    response = get(app, "/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__}


def test_openapi_document_names_signoff(db_url: str, tmp_path: Path) -> None:
    response = get(app_for(db_url, tmp_path), "/openapi.json")

    assert response.status_code == 200
    info = response.json()["info"]
    assert info == {"title": "Signoff", "version": __version__}
    assert "/healthz" in response.json()["paths"]


def test_create_app_makes_the_data_dir_and_a_private_site_key(
    db_url: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "new" / "data"

    app = app_for(db_url, data_dir)

    key_file = data_dir / SECRET_KEY_FILE
    assert key_file.exists()
    assert key_file.stat().st_mode & 0o077 == 0
    assert app.state.secret_key == key_file.read_text().strip()


def test_healthz_is_503_when_the_database_is_not_migrated(tmp_path: Path) -> None:
    response = get(app_for(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path), "/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"].startswith("migrations not at head")


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/nothing"

    response = get(app_for(url, tmp_path), "/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


class Item(BaseModel):
    pageId: int  # noqa: N815  (the contract's camelCase)


def app_raising(app: FastAPI, error: SignoffError) -> None:
    def boom() -> None:
        raise error

    def take(item: Item) -> dict[str, int]:
        return {"pageId": item.pageId}

    app.add_api_route("/api/v1/boom", boom, methods=["GET"])
    app.add_api_route("/api/v1/take", take, methods=["POST"])
    app.add_api_route("/boom", boom, methods=["GET"])


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (BadInput("title must not be empty.", field="title"), 400),
        (NotFound("Page 7 not found."), 404),
        (NotAllowed("You need the editor role."), 403),
        (InvalidState("The change set is archived."), 409),
        (VersionConflict("Page moved on.", expected=3, given=2), 409),
    ],
)
def test_signoff_errors_map_to_their_status_with_the_envelope(
    tmp_path: Path, error: SignoffError, status: int
) -> None:
    app = app_for(f"sqlite:///{tmp_path}/x.db", tmp_path)
    app_raising(app, error)

    response = get(app, "/api/v1/boom")

    assert response.status_code == status
    assert response.json() == {"success": False, "error": error.message}


def test_a_signoff_error_on_a_page_of_the_site_is_an_html_page_saying_it(
    tmp_path: Path,
) -> None:
    app = app_for(f"sqlite:///{tmp_path}/x.db", tmp_path)
    app_raising(app, InvalidState("The change set is archived."))

    response = get(app, "/boom")

    assert response.status_code == 409
    assert response.headers["content-type"].startswith("text/html")
    assert "The change set is archived." in response.text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "pageId is required."),
        ({"pageId": "seven"}, "pageId: "),
    ],
)
def test_validation_errors_are_400_naming_the_field(
    tmp_path: Path, body: dict[str, object], message: str
) -> None:
    app = app_for(f"sqlite:///{tmp_path}/x.db", tmp_path)
    app_raising(app, NotFound("unused"))

    response = call(app, ("POST", "/api/v1/take", body))[0]

    assert response.status_code == 400
    assert response.json()["success"] is False
    assert response.json()["error"].startswith(message)
