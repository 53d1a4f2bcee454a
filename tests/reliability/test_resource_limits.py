"""B4: resource bombs, sent as raw HTTP through the ASGI app and to uvicorn on loopback.

Every bomb is answered with a 4xx (413, 431, 414, 400; uvicorn itself may answer 400
for a request line it will not parse), never a 5xx; where the application answers, an
API refusal wears the contract's error envelope. After every bomb the server still
answers `/healthz`.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote_from_bytes, unquote_to_bytes, urlencode

import pytest

from factories import by, make_page, make_space, make_user
from live_server import live_server
from oauth.support import Clock, Site
from reliability.figures import record
from signoff.actions.sessions import do_sign_in
from signoff.actions.site import do_set_api_enabled
from signoff.actions.tokens import do_create_token
from signoff.api.app import create_app
from signoff.api.limits import MAX_HEADERS
from signoff.auth.scopes import ALL_SCOPES
from signoff.config import Settings
from signoff.db.models import Page, PageVersion, Space
from signoff.db.session import Database
from signoff.domain.states import Origin, Role
from signoff.web.sessions import SESSION_COOKIE

Headers = tuple[tuple[bytes, bytes], ...]
MB = 1_000_000
JSON = ((b"content-type", b"application/json"),)
FORM = ((b"content-type", b"application/x-www-form-urlencoded"),)
CSRF_SLOT = "CSRF-TOKEN-SLOT"
# The mark of a response the application wrote (uvicorn's own refusals lack it).
APP_HEADER = "x-content-type-options"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def envelope(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Bomb:
    name: str
    method: str
    target: bytes  # path and query, as sent on the request line
    allowed: frozenset[int]
    headers: Headers = ()
    body: bytes = b""
    chunked: bool = False  # sent without Content-Length, so only its size stops it
    signed_in: bool = False  # carries the editor's session cookie
    bearer: bool = True  # carries the API token

    def __str__(self) -> str:
        return self.name


def statuses(*codes: int) -> frozenset[int]:
    return frozenset(codes)


def deep(levels: int, opener: bytes, closer: bytes, middle: bytes = b"1") -> bytes:
    return opener * levels + middle + closer * levels


def page_form(title: str, body: str) -> bytes:
    """A new-page form; the session's CSRF token is put in where it is sent."""
    form = {"csrf_token": CSRF_SLOT, "title": title, "body": body}
    return urlencode(form).encode()


BOMBS = (
    Bomb(
        "10 MB API body",
        "POST",
        b"/api/v1/spaces",
        statuses(413),
        JSON,
        b'{"key": "' + b"a" * (10 * MB) + b'"}',
    ),
    Bomb(
        "10 MB API body, streamed without a length",
        "POST",
        b"/api/v1/spaces",
        statuses(413),
        JSON,
        b'{"key": "' + b"a" * (10 * MB) + b'"}',
        chunked=True,
    ),
    Bomb(
        "10 MB page-store body",
        "POST",
        b"/wiki/api/v2/pages",
        statuses(413),
        JSON,
        b'{"title": "' + b"a" * (10 * MB) + b'"}',
    ),
    Bomb(
        "10,000-deep nested arrays",
        "POST",
        b"/api/v1/spaces",
        statuses(400),
        JSON,
        deep(10_000, b"[", b"]"),
    ),
    Bomb(
        "10,000-deep nested objects",
        "POST",
        b"/wiki/api/v2/pages",
        statuses(400),
        JSON,
        deep(10_000, b'{"a":', b"}"),
    ),
    Bomb(
        "100k-element array under the size cap",
        "POST",
        b"/api/v1/workflows/assign",
        statuses(400),
        JSON,
        json.dumps({"workflowId": 1, "pageIds": [1] * 100_000}).encode(),
    ),
    Bomb(
        "100k-element array of objects",
        "POST",
        b"/api/v1/changeSets",
        statuses(400, 413),
        JSON,
        json.dumps(
            {"spaceId": 1, "title": "t", "pageRefs": [{"pageId": 1}] * 100_000}
        ).encode(),
    ),
    Bomb(
        "1 MB header",
        "GET",
        b"/api/v1/spaces",
        statuses(431, 400),
        ((b"x-filler", b"a" * MB),),
    ),
    Bomb(
        "10,000 headers",
        "GET",
        b"/api/v1/spaces",
        statuses(431, 400),
        tuple((f"x-h{n}".encode(), b"v") for n in range(10_000)),
    ),
    Bomb(
        "one header more than allowed, on a UI page",
        "GET",
        b"/spaces",
        statuses(431),
        tuple((f"x-h{n}".encode(), b"v") for n in range(MAX_HEADERS)),
    ),
    Bomb(
        "escaped NUL in a JSON string",
        "POST",
        b"/api/v1/spaces",
        statuses(400),
        JSON,
        b'{"key": "A\\u0000B", "name": "x"}',
    ),
    Bomb(
        "raw NUL byte in a JSON string",
        "POST",
        b"/api/v1/spaces",
        statuses(400),
        JSON,
        b'{"key": "AB", "name": "x\x00y"}',
    ),
    Bomb(
        "escaped lone surrogate in a JSON string",
        "POST",
        b"/api/v1/spaces",
        statuses(400),
        JSON,
        b'{"key": "AB", "name": "x\\ud800"}',
    ),
    Bomb(
        "UTF-8-encoded lone surrogate",
        "POST",
        b"/api/v1/spaces",
        statuses(400),
        JSON,
        b'{"key": "AB", "name": "x\xed\xa0\x80"}',
    ),
    Bomb(
        "lone surrogate in a page-store title",
        "POST",
        b"/wiki/api/v2/pages",
        statuses(400),
        JSON,
        b'{"spaceId": "1", "title": "x\\udc00", "body": {"value": "<p>x</p>"}}',
    ),
    Bomb("64 KiB API path", "GET", b"/api/v1/" + b"a" * 65536, statuses(414, 400)),
    Bomb("64 KiB UI path", "GET", b"/spaces/" + b"a" * 65536, statuses(414, 400)),
    Bomb(
        "64 KiB query",
        "GET",
        b"/api/v1/changeSets?spaceId=" + b"1" * 65536,
        statuses(414, 400),
    ),
    Bomb(
        "page body over the form cap",
        "POST",
        b"/spaces/DOCS/new",
        statuses(413),
        FORM,
        page_form("Big", "<p>" + "a" * 20_000 + "</p>"),
        signed_in=True,
    ),
    Bomb(
        "10 MB page form",
        "POST",
        b"/spaces/DOCS/new",
        statuses(413),
        FORM,
        page_form("Big", "a" * (10 * MB)),
        signed_in=True,
    ),
    Bomb(
        "page title over its limit",
        "POST",
        b"/spaces/DOCS/new",
        statuses(400),
        FORM,
        page_form("t" * 256, "<p>x</p>"),
        signed_in=True,
    ),
    Bomb(
        "page title over its limit, through the page store",
        "POST",
        b"/wiki/api/v2/pages",
        statuses(400),
        JSON,
        json.dumps(
            {"spaceId": "1", "title": "t" * 1001, "body": {"value": "<p>x</p>"}}
        ).encode(),
    ),
)


@dataclass
class World:
    app: Any
    db: Database
    site: Site
    token: str
    session_secret: str
    csrf_token: str
    base_url: str = ""


@pytest.fixture(scope="module")
def world(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    root = tmp_path_factory.mktemp("bombs")
    shutil.copyfile(sqlite_template, root / "signoff.db")
    app = create_app(
        Settings(data_dir=root / "data", database_url=f"sqlite:///{root}/signoff.db")
    )
    app.state.clock = Clock()  # the sessions and tokens below are made at its time
    db: Database = app.state.db
    with db.write() as session:
        admin = make_user(session, "admin", site_admin=True)
        editor = make_user(session, "editor")
        space = make_space(session, admin=admin, members={editor: Role.editor})
        make_page(session, space, editor)
        do_set_api_enabled(session, True, **by(None, Origin.cli))
        _, token = do_create_token(
            session, admin, scopes=sorted(ALL_SCOPES), **by(None, Origin.cli)
        )
        signed_in = do_sign_in(session, editor, **by(None))
        secret, csrf_token = signed_in.secret, signed_in.session.csrf_token
    site = Site(app)
    built = World(app, db, site, token, secret, csrf_token)
    with live_server(app, lifespan=False) as base_url:
        built.base_url = base_url
        yield built
    site.close()


def request_headers(world: World, bomb: Bomb) -> list[tuple[bytes, bytes]]:
    headers = [(b"host", b"signoff.test"), *bomb.headers]
    if bomb.bearer:
        headers.append((b"authorization", f"Bearer {world.token}".encode()))
    if bomb.signed_in:
        cookie = f"{SESSION_COOKIE}={world.session_secret}"
        headers.append((b"cookie", cookie.encode()))
    return headers


def body_of(world: World, bomb: Bomb) -> bytes:
    return bomb.body.replace(CSRF_SLOT.encode(), world.csrf_token.encode())


def send_asgi(world: World, bomb: Bomb) -> Answer:
    """The request handed to the application as an ASGI server would hand it."""
    path, _, query = bomb.target.partition(b"?")
    body = body_of(world, bomb)
    headers = request_headers(world, bomb)
    if not bomb.chunked:
        headers.append((b"content-length", str(len(body)).encode()))
    chunks = [body[at : at + 65536] for at in range(0, len(body), 65536)] or [b""]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": bomb.method,
        "scheme": "http",
        "path": unquote_to_bytes(path).decode("utf-8", "replace"),
        "raw_path": path,
        "query_string": query,
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("signoff.test", 80),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if chunks:
            chunk = chunks.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    world.site.call(world.app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return Answer(
        start["status"],
        {k.decode().lower(): v.decode() for k, v in start.get("headers", [])},
        b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"),
    )


def send_live(world: World, bomb: Bomb) -> Answer:
    """The request written byte for byte to uvicorn's socket."""
    body = body_of(world, bomb)
    head = [bomb.method.encode() + b" " + bomb.target + b" HTTP/1.1"]
    head += [name + b": " + value for name, value in request_headers(world, bomb)]
    if bomb.chunked:
        head.append(b"transfer-encoding: chunked")
        framed = b"".join(
            b"%x\r\n%s\r\n" % (len(body[at : at + 65536]), body[at : at + 65536])
            for at in range(0, len(body), 65536)
        )
        payload = framed + b"0\r\n\r\n"
    else:
        head.append(b"content-length: " + str(len(body)).encode())
        payload = body
    head.append(b"connection: close")
    host, port = world.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as connection:
        # The server may answer and close before the whole bomb is written.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.sendall(b"\r\n".join(head) + b"\r\n\r\n" + payload)
        return parse_answer(read_all(connection))


def read_all(connection: socket.socket) -> bytes:
    received = bytearray()
    try:
        while chunk := connection.recv(65536):
            received.extend(chunk)
    except ConnectionResetError:
        pass  # the server closed with our unread bytes in its buffer
    return bytes(received)


def parse_answer(raw: bytes) -> Answer:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(status, headers, body)


def assert_envelope(bomb: Bomb, answer: Answer) -> None:
    """Under the APIs, the application's refusals wear the interface's envelope."""
    path = bomb.target.decode()
    if path.startswith("/wiki/"):
        (error,) = answer.envelope()["errors"]
        assert error["status"] == answer.status
        assert error["code"] and error["title"] and error["detail"]
    elif path.startswith("/api/"):
        envelope = answer.envelope()
        assert set(envelope) == {"success", "error"}
        assert envelope["success"] is False and envelope["error"]


SENDERS = {"asgi": send_asgi, "live": send_live}


@pytest.mark.parametrize("transport", sorted(SENDERS))
def test_every_bomb_is_refused_with_a_4xx_and_the_server_lives_on(
    world: World, transport: str
) -> None:
    send = SENDERS[transport]
    health = Bomb("health", "GET", b"/healthz", statuses(200))
    answers = [(bomb, send(world, bomb), send(world, health)) for bomb in BOMBS]
    record("5xx responses", sum(answer.status >= 500 for _, answer, _ in answers))
    for bomb, answer, after in answers:
        assert answer.status in bomb.allowed, f"{bomb}: {answer.status} {answer.body!r}"
        if APP_HEADER in answer.headers:
            assert_envelope(bomb, answer)
        else:  # only uvicorn's own refusal of a request line it cannot parse
            assert transport == "live" and answer.status == 400, bomb.name
        assert after.status == 200, f"/healthz after {bomb}"


def test_the_refusals_wrote_nothing(world: World) -> None:
    """No bomb, however it was answered, created a page, a version or a space."""

    def counts() -> tuple[int, int, int]:
        with world.db.read() as session:
            return (
                session.query(Page).count(),
                session.query(PageVersion).count(),
                session.query(Space).count(),
            )

    before = counts()
    for bomb in BOMBS:
        send_asgi(world, bomb)
    assert counts() == before


@pytest.mark.parametrize(
    ("title", "stored"),
    [("A\x00B", "AB"), ("C\udcff", "C\ufffd")],
    ids=["NUL", "lone surrogate"],
)
def test_control_and_surrogate_characters_in_form_fields_never_reach_storage(
    world: World, title: str, stored: str
) -> None:
    """A form field percent-encodes any byte: NUL is stripped like every control
    character, and bytes that are not UTF-8 (a lone surrogate) read as U+FFFD."""
    encoded = title.encode("utf-8", "surrogateescape")
    form = (
        f"csrf_token={world.csrf_token}&title={quote_from_bytes(encoded)}"
        "&body=%3Cp%3Ex%00y%3C%2Fp%3E"
    ).encode()
    bomb = Bomb(
        "form", "POST", b"/spaces/DOCS/new", statuses(303), FORM, form, signed_in=True
    )
    answer = send_live(world, bomb)
    assert answer.status == 303, answer.body
    with world.db.read() as session:
        page = session.query(Page).filter(Page.title == stored).one()
        version = session.query(PageVersion).filter_by(page_id=page.id).one()
        assert "\x00" not in version.body and "xy" in version.body
    assert re.fullmatch(r"/spaces/DOCS/pages/\d+", answer.headers["location"])
