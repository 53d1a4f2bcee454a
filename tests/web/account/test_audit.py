"""The audit trail page through ASGI: admins only, filters, pages, export, chain."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape

import httpx
import pytest
from sqlalchemy import select, update

from audit_helpers import as_database_owner_without_triggers
from factories import by
from oauth.support import Browser
from signoff.actions.acting import Acting
from signoff.actions.sessions import do_sign_in
from signoff.actions.users import do_create_user
from signoff.db.models import AuditEvent, Space
from signoff.domain.states import Origin
from signoff.web.sessions import SESSION_COOKIE
from web.conftest import World

ROWS = re.compile(r"<tr>\s*<td data-label=\"Time \(UTC\)\">")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def export(browser: Browser, fmt: str, space: str = "DOCS") -> httpx.Response:
    """What the Export buttons send: a posted form with the session's CSRF token."""
    found = CSRF.search(browser.get("/spaces").text)
    assert found is not None
    return browser.post(
        "/audit/export",
        data={"csrf_token": found.group(1), "space": space, "format": fmt},
    )


def docs_events(world: World) -> list[AuditEvent]:
    with world.db.read() as session:
        space_id = session.scalars(select(Space.id).where(Space.key == "DOCS")).one()
        events = list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.space_id == space_id)
                .order_by(AuditEvent.id.desc())
            )
        )
        session.expunge_all()
        return events


def next_link(html: str) -> str | None:
    match = re.search(r'class="next" href="([^"]+)"', html)
    return unescape(match.group(1)) if match else None


def times(html: str) -> list[str]:
    return re.findall(r'<time datetime="([^"]+)"', html)


def test_an_admin_sees_the_trail_newest_first_with_the_chain_verified(
    world: World,
) -> None:
    events = docs_events(world)
    assert len(events) > 50
    browser = world.browser("admin")
    response = browser.get("/audit?space=DOCS")
    assert response.status_code == 200
    assert f"Chain verified: {len(events)} events" in response.text
    assert '<form method="post" action="/audit/export"' in response.text
    assert '<button type="submit" name="format" value="csv">Export CSV' in response.text
    assert 'value="jsonl" class="secondary">Export JSONL' in response.text
    assert len(ROWS.findall(response.text)) == 50
    assert unescape(response.text).count(events[0].text) >= 1
    seen = times(response.text)
    assert seen == sorted(seen, reverse=True)
    follow = next_link(response.text)
    assert follow is not None and "cursor=" in follow
    second = browser.get(follow)
    assert second.status_code == 200
    assert len(ROWS.findall(second.text)) == len(events) - 50
    assert next_link(second.text) is None


def test_the_audit_chooser_lists_only_spaces_the_person_administers(
    world: World,
) -> None:
    admin = world.browser("admin").get("/audit")
    assert admin.status_code == 200
    assert "Audit trail: DOCS space" in admin.text
    assert "Audit trail: OPS space" in world.browser("outsider").get("/audit").text
    viewer = world.browser("viewer").get("/audit")
    assert "you administer no space" in viewer.text


def test_filters_narrow_the_trail(world: World) -> None:
    events = docs_events(world)
    browser = world.browser("admin")
    decided = [e for e in events if e.actor_name == "Approver"]
    assert decided
    response = browser.get("/audit", params={"space": "DOCS", "actor": "approv"})
    assert response.status_code == 200
    assert len(ROWS.findall(response.text)) == len(decided)
    prefix = decided[0].action.split(".")[0] + "."
    response = browser.get("/audit", params={"space": "DOCS", "action": prefix})
    assert len(ROWS.findall(response.text)) == min(
        50, len([e for e in events if e.action.startswith(prefix)])
    )
    response = browser.get("/audit", params={"space": "DOCS", "origin": "api"})
    assert "No events match." in response.text
    day = events[0].at.date().isoformat()
    response = browser.get(
        "/audit", params={"space": "DOCS", "from": day, "to": day, "actor": "approv"}
    )
    assert len(ROWS.findall(response.text)) == len(decided)
    response = browser.get("/audit", params={"space": "DOCS", "to": "2000-01-01"})
    assert "No events match." in response.text
    response = browser.get("/audit", params={"space": "DOCS", "from": "yesterday"})
    assert response.status_code == 400
    assert "From must be a date" in response.text


@pytest.mark.parametrize("role", ["editor", "viewer", "approver"])
def test_members_below_admin_are_refused_and_the_refusal_is_audited(
    world: World, role: str
) -> None:
    response = world.browser(role).get("/audit?space=DOCS")
    assert response.status_code == 403
    assert "You need the admin role" in response.text
    refused = export(world.browser(role), "csv")
    assert refused.status_code == 403
    with world.db.read() as session:
        denied = list(
            session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "auth.denied",
                    AuditEvent.actor_id == world.ids[role],
                )
            )
        )
    assert len(denied) == 2


def test_people_outside_the_space_get_not_found(world: World) -> None:
    assert world.browser("outsider").get("/audit?space=DOCS").status_code == 404
    assert world.browser("admin").get("/audit?space=NOPE").status_code == 404


def test_the_csv_export_is_recorded_parses_and_neutralises_formulas(
    world: World,
) -> None:
    with world.db.write() as session:
        mallory = do_create_user(
            session,
            "mallory",
            None,
            display_name='=HYPERLINK("http://evil")',
            site_admin=True,
            by=Acting(None, Origin.cli, None, world.clock()),
        )
        secret = do_sign_in(session, mallory, **by(None, now=world.clock())).secret
    browser = world.site.browser()
    browser.client.cookies.set(SESSION_COOKIE, secret)
    response = export(browser, "csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    events = docs_events(world)
    assert len(rows) == len(events)
    assert rows[-1]["action"] == "audit.exported"
    assert rows[-1]["actorName"] == '\'=HYPERLINK("http://evil")'
    assert rows[-1]["text"].startswith("'=")
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@"))
    jsonl = export(world.browser("admin"), "jsonl")
    assert jsonl.status_code == 200
    lines = [json.loads(line) for line in jsonl.text.splitlines()]
    assert lines[-1]["action"] == "audit.exported"
    assert len(lines) == len(events) + 1


def test_reading_an_export_address_records_nothing(world: World) -> None:
    """A GET never writes: an `<img>` pointing at the old export addresses, seen by
    an admin, neither exports nor records an export."""
    before = [event.id for event in docs_events(world)]
    browser = world.browser("admin")
    for path in ("/audit/export.csv", "/audit/export.jsonl", "/audit/export"):
        answer = browser.get(path, params={"space": "DOCS"})
        assert answer.status_code in (404, 405), path
    assert [event.id for event in docs_events(world)] == before


def test_an_export_needs_the_forms_csrf_token(world: World) -> None:
    before = [event.id for event in docs_events(world)]
    browser = world.browser("admin")
    for token in (None, "forged"):
        fields = {"space": "DOCS", "format": "csv"}
        if token is not None:
            fields["csrf_token"] = token
        assert browser.post("/audit/export", data=fields).status_code == 403
    assert [event.id for event in docs_events(world)] == before


@pytest.mark.parametrize(
    ("space", "fmt", "status"),
    [("DOCS", "xlsx", 400), ("DOCS", "", 400), ("", "csv", 400), ("NOPE", "csv", 404)],
)
def test_a_bad_export_form_is_refused_and_records_nothing(
    world: World, space: str, fmt: str, status: int
) -> None:
    before = [event.id for event in docs_events(world)]
    answer = export(world.browser("admin"), fmt, space=space)
    assert answer.status_code == status
    assert "text/html" in answer.headers["content-type"]
    assert [event.id for event in docs_events(world)] == before


def test_tampering_with_a_row_shows_a_broken_chain(world: World) -> None:
    victim = docs_events(world)[10]
    with as_database_owner_without_triggers(world.db.engine) as connection:
        connection.execute(
            update(AuditEvent)
            .where(AuditEvent.id == victim.id)
            .values(text="Nothing happened here.")
        )
    response = world.browser("admin").get("/audit?space=DOCS")
    assert response.status_code == 200
    assert "Chain verified" not in response.text
    assert f"Chain broken at event {victim.id}" in response.text
