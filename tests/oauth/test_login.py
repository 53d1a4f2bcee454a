"""Signing in and out of the web UI, and what every page sends to protect itself."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from factories import PASSWORD, make_user
from signoff.actions import sessions
from signoff.api.app import create_app
from signoff.config import Settings
from signoff.db.models import AuditEvent, User, WebSession
from signoff.web.routes import auth as auth_routes
from signoff.web.throttle import MAX_IN_FLIGHT, Attempt, LoginThrottle

from .support import (
    USERNAME,
    Browser,
    OAuthWorld,
    Site,
    authorize_path,
    build_world,
    form_fields,
    password_hash,
    pkce_pair,
    sign_in,
)


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[OAuthWorld]:
    world = build_world(db_url, tmp_path)
    yield world
    world.site.close()


@pytest.fixture
def visitor(world: OAuthWorld) -> Browser:
    """A browser with no session yet."""
    return world.site.browser()


def events(world: OAuthWorld, action: str) -> list[AuditEvent]:
    with world.db.read() as session:
        return list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == action))
        )


def signed_in_as(browser: Browser) -> bool:
    return "You are signed in as" in browser.get("/login").text


def attempt(browser: Browser, username: str, password: str) -> httpx.Response:
    fields = form_fields(browser.get("/login").text)
    return browser.post(
        "/login",
        data={
            "csrf_token": fields["csrf_token"],
            "username": username,
            "password": password,
        },
    )


def test_the_login_form_has_the_username_and_password_fields(visitor: Browser) -> None:
    page = visitor.get("/login")

    assert page.status_code == 200
    fields = form_fields(page.text)
    assert {"username", "password", "csrf_token", "next"} <= set(fields)
    assert '<label for="username">' in page.text
    assert '<label for="password">' in page.text


def test_signing_in_sets_a_protected_session_cookie_and_is_audited(
    world: OAuthWorld, visitor: Browser
) -> None:
    response = sign_in(visitor)

    assert response.status_code == 303
    assert response.headers["location"] == "/spaces"
    cookie = next(
        value
        for name, value in response.headers.multi_items()
        if name == "set-cookie" and value.startswith("signoff_session=")
    )
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= attributes
    assert "secure" not in attributes  # the base URL is plain http here
    assert signed_in_as(visitor)
    signed = events(world, "auth.signed_in")
    assert len(signed) == 2  # the fixture's own browser signed in too
    assert signed[-1].origin == "ui"
    assert signed[-1].chain == "site"


def cookie_attributes(response: httpx.Response, name: str) -> set[str]:
    value = next(
        value
        for header, value in response.headers.multi_items()
        if header == "set-cookie" and value.startswith(f"{name}=")
    )
    return {part.strip().lower() for part in value.split(";")[1:]}


def test_cookies_are_prefixed_and_secure_when_the_site_is_https(
    db_url: str, tmp_path: Path
) -> None:
    # `__Host-`: the browser keeps the session cookie only if it is Secure, Path=/
    # and has no Domain, so no http page or sibling subdomain can plant one.
    base = "https://signoff.example"
    app = create_app(Settings(data_dir=tmp_path, database_url=db_url, base_url=base))
    with app.state.db.write() as session:
        make_user(session, USERNAME).password_hash = password_hash()
    site = Site(app)
    try:
        browser = site.browser(base_url=base)
        page = browser.get("/login")
        login = cookie_attributes(page, "__Secure-signoff_login_csrf")
        signed_in = sign_in(browser)
        cookie = cookie_attributes(signed_in, "__Host-signoff_session")
        spaces = browser.get("/spaces")
        login_again = browser.get("/login")
    finally:
        site.close()

    assert {"secure", "path=/login", "httponly"} <= login
    assert signed_in.status_code == 303
    assert {"secure", "httponly", "samesite=lax", "path=/"} <= cookie
    assert not any(part.startswith("domain=") for part in cookie)
    set_cookies = signed_in.headers.get_list("set-cookie")
    assert not any(value.startswith("signoff_session=") for value in set_cookies)
    assert spaces.status_code == 200  # the prefixed cookie is the one read back
    assert "You are signed in as" in login_again.text


@pytest.mark.parametrize(
    ("username", "password"),
    [
        (USERNAME, "wrong password"),
        ("nobody", PASSWORD),
        ("", ""),
        (USERNAME.upper(), PASSWORD),
    ],
    ids=["wrong-password", "unknown-user", "empty", "case-changed"],
)
def test_a_failed_sign_in_gets_one_generic_answer_and_is_audited(
    world: OAuthWorld, visitor: Browser, username: str, password: str
) -> None:
    response = attempt(visitor, username, password)

    assert response.status_code == 200
    assert "Incorrect username or password." in response.text
    assert "signoff_session=" not in response.headers.get("set-cookie", "")
    failed = events(world, "auth.sign_in_failed")
    assert [e.details for e in failed] == [{"username": username}]


def test_after_ten_failures_the_eleventh_attempt_is_429(
    world: OAuthWorld, visitor: Browser
) -> None:
    for _ in range(10):
        assert attempt(visitor, USERNAME, "wrong password").status_code == 200

    blocked = attempt(visitor, USERNAME, PASSWORD)

    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert not signed_in_as(visitor)
    assert attempt(visitor, "someone-else", "x").status_code == 200


@pytest.fixture
def password_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The usernames whose password was checked, counted around the real Argon2
    verification, which still runs."""
    checked: list[str] = []
    real = sessions.check_credentials

    def counting(session: Session, username: str, password: str) -> User | None:
        checked.append(username)
        return real(session, username, password)

    monkeypatch.setattr(auth_routes, "check_credentials", counting)
    return checked


def test_one_address_trying_many_usernames_is_refused_before_any_hashing(
    world: OAuthWorld, visitor: Browser, password_checks: list[str]
) -> None:
    world.site.app.state.login_throttle = LoginThrottle(max_address_failures=3)
    for n in range(3):
        assert attempt(visitor, f"user{n}", "guess").status_code == 200

    refused = attempt(visitor, USERNAME, PASSWORD)

    assert refused.status_code == 429
    assert password_checks == ["user0", "user1", "user2"]
    assert len(events(world, "auth.sign_in_failed")) == 3
    elsewhere = world.site.browser(address="198.51.100.7")
    assert attempt(elsewhere, USERNAME, PASSWORD).status_code == 303


def test_failures_from_many_addresses_stop_the_whole_site_before_any_hashing(
    world: OAuthWorld, password_checks: list[str]
) -> None:
    world.site.app.state.login_throttle = LoginThrottle(max_site_failures=3)
    for n in range(3):
        guesser = world.site.browser(address=f"203.0.113.{n}")
        assert attempt(guesser, f"user{n}", "guess").status_code == 200

    refused = attempt(world.site.browser(address="198.51.100.7"), USERNAME, PASSWORD)

    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 61
    assert len(password_checks) == 3
    assert len(events(world, "auth.sign_in_failed")) == 3
    world.clock.advance(minutes=1)
    assert attempt(world.site.browser(), USERNAME, PASSWORD).status_code == 303


def test_a_sign_in_while_the_password_checks_are_all_busy_is_told_to_retry(
    world: OAuthWorld, visitor: Browser, password_checks: list[str]
) -> None:
    throttle = LoginThrottle()
    world.site.app.state.login_throttle = throttle
    busy = [
        throttle.admit(f"user{n}", f"203.0.113.{n}", world.clock())
        for n in range(MAX_IN_FLIGHT)
    ]

    refused = attempt(visitor, USERNAME, PASSWORD)

    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    assert "Try again in a moment." in refused.text
    assert password_checks == []
    assert events(world, "auth.sign_in_failed") == []
    for attempt_running in busy:
        assert isinstance(attempt_running, Attempt)
        throttle.settle(attempt_running, succeeded=False)
    assert attempt(visitor, USERNAME, PASSWORD).status_code == 303


def test_the_throttle_forgets_failures_after_fifteen_minutes(
    world: OAuthWorld, visitor: Browser
) -> None:
    for _ in range(10):
        attempt(visitor, USERNAME, "wrong password")
    assert attempt(visitor, USERNAME, PASSWORD).status_code == 429

    world.clock.advance(minutes=15, seconds=1)

    assert attempt(visitor, USERNAME, PASSWORD).status_code == 303


@pytest.mark.parametrize("csrf", [None, "", "forged.token"])
def test_a_login_post_without_the_double_submit_token_is_forbidden(
    world: OAuthWorld, visitor: Browser, csrf: str | None
) -> None:
    visitor.get("/login")  # sets the cookie half of the pair
    data = {"username": USERNAME, "password": PASSWORD}
    if csrf is not None:
        data["csrf_token"] = csrf

    response = visitor.post("/login", data=data)

    assert response.status_code == 403
    assert not signed_in_as(visitor)


def test_a_login_token_without_its_cookie_is_forbidden(
    world: OAuthWorld, visitor: Browser
) -> None:
    token = form_fields(visitor.get("/login").text)["csrf_token"]
    stranger = world.site.browser()

    response = stranger.post(
        "/login", data={"csrf_token": token, "username": USERNAME, "password": PASSWORD}
    )

    assert response.status_code == 403


def test_next_leads_back_to_a_local_path(world: OAuthWorld, visitor: Browser) -> None:
    _, challenge = pkce_pair()
    back = authorize_path(world.client, challenge)

    response = sign_in(visitor, next_path=back)

    assert response.status_code == 303
    assert response.headers["location"] == back


def test_a_signed_in_visit_to_login_with_next_goes_straight_there(
    world: OAuthWorld,
) -> None:
    response = world.browser.get("/login", params={"next": "/somewhere?x=1"})

    assert response.status_code == 303
    assert response.headers["location"] == "/somewhere?x=1"


@pytest.mark.parametrize(
    "next_path",
    [
        "//evil.example",
        "//evil.example/path",
        "/\\evil.example",
        "/\\/evil.example",
        "\\\\evil.example",
        "https://evil.example",
        "https:evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "evil.example",
        "/ /evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "\x00/evil",
        " //evil.example",
        "///evil.example",
        "/%09/evil.example".replace("%09", "\t"),
        "@evil.example",
        "",
    ],
)
def test_next_never_leads_off_the_site(visitor: Browser, next_path: str) -> None:
    page = visitor.get("/login", params={"next": next_path})
    fields = form_fields(page.text)
    assert fields["next"] == ""

    response = visitor.post(  # a forged form, with `next` as the attacker wants it
        "/login",
        data={
            "csrf_token": fields["csrf_token"],
            "username": USERNAME,
            "password": PASSWORD,
            "next": next_path,
        },
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/spaces"


def test_signing_out_needs_the_csrf_token_and_ends_the_session(
    world: OAuthWorld,
) -> None:
    browser = world.browser
    token = form_fields(browser.get("/login").text)["csrf_token"]

    refused = browser.post("/logout", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    assert signed_in_as(browser)

    response = browser.post("/logout", data={"csrf_token": token})

    assert response.status_code == 303
    assert not signed_in_as(browser)
    with world.db.read() as session:
        assert list(session.scalars(select(WebSession))) == []
    assert len(events(world, "auth.signed_out")) == 1


def test_a_session_expires_after_twelve_idle_hours(world: OAuthWorld) -> None:
    world.clock.advance(hours=11, minutes=59)
    assert signed_in_as(world.browser)  # and this visit slides the expiry

    world.clock.advance(hours=11, minutes=59)
    assert signed_in_as(world.browser)

    world.clock.advance(hours=12)
    assert not signed_in_as(world.browser)


def visit_every_eleven_hours(world: OAuthWorld, until: timedelta) -> bool:
    """Whether the browser stayed signed in, visiting before each idle expiry."""
    start = world.clock()
    while world.clock() + timedelta(hours=11) < start + until:
        world.clock.advance(hours=11)
        if not signed_in_as(world.browser):
            return False
    world.clock.now = start + until
    return signed_in_as(world.browser)


def session_row(world: OAuthWorld) -> WebSession:
    with world.db.read() as session:
        return session.scalars(select(WebSession)).one()


def test_a_session_ends_seven_days_after_sign_in_however_busy(
    world: OAuthWorld,
) -> None:
    signed_in_at = world.clock()

    assert visit_every_eleven_hours(world, timedelta(days=7) - timedelta(minutes=1))
    assert session_row(world).expires_at == signed_in_at + timedelta(days=7)
    world.clock.advance(minutes=1)
    assert not signed_in_as(world.browser)


def test_the_session_lifetime_is_a_setting(db_url: str, tmp_path: Path) -> None:
    world = build_world(db_url, tmp_path, session_max_age_days=1)
    try:
        kept = visit_every_eleven_hours(world, timedelta(hours=23, minutes=59))
        world.clock.advance(minutes=1)
        ended = not signed_in_as(world.browser)
    finally:
        world.site.close()

    assert kept
    assert ended


def test_a_shorter_lifetime_ends_older_sessions_at_once(world: OAuthWorld) -> None:
    assert visit_every_eleven_hours(world, timedelta(days=2))
    settings = world.site.app.state.settings
    world.site.app.state.settings = settings.model_copy(
        update={"session_max_age_days": 1}
    )

    assert not signed_in_as(world.browser)


@pytest.mark.parametrize("days", [0, -1, 366, "a week"])
def test_a_session_lifetime_out_of_range_is_refused(days: object) -> None:
    with pytest.raises(ValidationError, match="session_max_age_days"):
        Settings(session_max_age_days=days)


def test_the_session_lifetime_is_read_from_signoff_session_max_age_days(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SIGNOFF_SESSION_MAX_AGE_DAYS", "2")

    assert Settings().session_max_age_days == 2


def test_an_https_site_tells_browsers_to_use_https_only(
    db_url: str, tmp_path: Path
) -> None:
    base = "https://signoff.example"
    app = create_app(Settings(data_dir=tmp_path, database_url=db_url, base_url=base))
    site = Site(app)
    try:
        browser = site.browser(base_url=base)
        answers = [browser.get(path) for path in ("/login", "/healthz", "/docs")]
        refused = browser.get("/api/v1/queue")
    finally:
        site.close()

    for answer in [*answers, refused]:
        assert answer.headers["strict-transport-security"] == (
            "max-age=31536000; includeSubDomains"
        )


def test_a_plain_http_site_sends_no_strict_transport_security(
    world: OAuthWorld,
) -> None:
    response = world.site.browser().get("/login")

    assert response.status_code == 200
    assert "strict-transport-security" not in response.headers


def test_the_session_cookie_is_worthless_once_its_row_is_gone(
    world: OAuthWorld,
) -> None:
    with world.db.write() as session:
        for row in session.scalars(select(WebSession)):
            session.delete(row)

    assert not signed_in_as(world.browser)


@pytest.mark.parametrize(
    "path", ["/login", "/oauth/authorize", "/nope", "/static/style.css"]
)
def test_pages_carry_the_security_headers(world: OAuthWorld, path: str) -> None:
    response = world.site.browser().get(path)

    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


def test_html_pages_carry_no_inline_script_or_style(world: OAuthWorld) -> None:
    _, challenge = pkce_pair()
    pages = [
        world.site.browser().get("/login").text,
        world.browser.get("/login").text,
        world.browser.get(authorize_path(world.client, challenge)).text,
        world.browser.get("/oauth/authorize").text,
    ]

    for html in pages:
        assert "<script" not in html
        assert "<style" not in html
        assert " style=" not in html
        assert '<link rel="stylesheet" href="/static/style.css">' in html


def test_idle_expiry_is_slid_at_most_every_few_minutes(world: OAuthWorld) -> None:
    def expires() -> object:
        with world.db.read() as session:
            return session.scalars(select(WebSession.expires_at)).one()

    first = expires()
    world.clock.advance(minutes=1)
    world.browser.get("/login")
    assert expires() == first
    world.clock.advance(minutes=5)
    world.browser.get("/login")
    assert expires() == world.clock() + timedelta(hours=12)
