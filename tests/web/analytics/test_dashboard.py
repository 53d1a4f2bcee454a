"""The analytics dashboard through ASGI: admins only, real numbers, the range filter."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from factories import by
from signoff.actions.approvals import do_record_decision
from signoff.db.models import AuditEvent, Page, User
from signoff.domain.states import DecisionKind
from web.conftest import World


def stat(html: str, name: str) -> str:
    match = re.search(rf'<dd data-stat="{name}">([^<]*)</dd>', html)
    assert match is not None, name
    return unescape(match.group(1))


def approver_rows(html: str) -> list[tuple[str, ...]]:
    return re.findall(
        r'<td data-label="Approver">([^<]*)</td><td data-label="Decisions">(\d+)</td>'
        r'<td data-label="Approvals">(\d+)</td><td data-label="Rejections">(\d+)</td>',
        html,
    )


def trend_rows(html: str) -> list[tuple[str, ...]]:
    return re.findall(
        r'<time datetime="([\d-]+)">[\d-]+</time></td><td data-label="Submitted">(\d+)'
        r'</td><td data-label="Approved">(\d+)</td><td data-label="Rejected">(\d+)',
        html,
    )


def chart_names(html: str) -> list[str]:
    """The accessible names of the SVG charts: each `aria-labelledby` title."""
    names = []
    for title_id in re.findall(r'<svg [^>]*role="img" aria-labelledby="([^"]+)"', html):
        match = re.search(rf'<title id="{title_id}">([^<]+)</title>', html)
        assert match is not None, title_id
        names.append(unescape(match.group(1)))
    return names


def test_an_admin_sees_the_spaces_numbers_and_charts(world: World) -> None:
    response = world.browser("admin").get("/analytics/DOCS")
    assert response.status_code == 200
    html = response.text
    assert "<h1>Analytics: DOCS space</h1>" in html
    assert (stat(html, "submitted"), stat(html, "approved")) == ("27", "2")
    assert (stat(html, "rejected"), stat(html, "pending")) == ("1", "24")
    assert stat(html, "median") == "1 min"
    # The world's clock stands on 5 January 2026: the last 30 days by day.
    assert 'name="from" value="2025-12-07"' in html
    assert 'name="to" value="2026-01-05"' in html
    assert trend_rows(html)[-1] == ("2026-01-05", "27", "2", "1")
    assert len(trend_rows(html)) == 30
    assert chart_names(html) == [
        "Requests per day: 27 submitted, 2 approved, 1 rejected",
        "Requests submitted in the range by current status: 24 pending, "
        "2 approved, 1 rejected, 0 cancelled, 0 superseded, 0 expired",
    ]
    assert len(re.findall(r"<rect x=", html)) == 3 + 3  # one bar per nonzero count
    assert approver_rows(html) == [("Approver", "3", "2", "1")]
    assert re.search(
        r'<td data-label="Workflow">Standard review</td><td data-label="Submitted">27'
        r'</td><td data-label="Approved">2</td><td data-label="Rejected">1</td>'
        r'<td data-label="Pending">24</td>',
        html,
    )


def test_decisions_made_today_join_the_busiest_approvers(world: World) -> None:
    with world.db.write() as session:
        approver = session.get(User, world.ids["approver"])
        assert approver is not None
        for page_id, kind in (
            (world.page_ids[3], DecisionKind.approve),
            (world.page_ids[4], DecisionKind.reject),
            (world.page_ids[5], DecisionKind.reject),
        ):
            page = session.get(Page, page_id)
            assert page is not None
            do_record_decision(
                session,
                page,
                kind,
                version=1,
                comment="Checked",
                **by(approver, now=world.clock()),
            )
    html = world.browser("admin").get("/analytics/DOCS").text
    assert approver_rows(html) == [("Approver", "6", "3", "3")]
    assert (stat(html, "approved"), stat(html, "rejected")) == ("3", "3")
    assert stat(html, "pending") == "21"


def test_the_range_and_interval_narrow_the_dashboard(world: World) -> None:
    browser = world.browser("admin")
    weekly = browser.get(
        "/analytics/DOCS",
        params={"from": "2026-01-01", "to": "2026-01-14", "interval": "week"},
    )
    assert weekly.status_code == 200
    assert trend_rows(weekly.text) == [
        ("2025-12-29", "0", "0", "0"),
        ("2026-01-05", "27", "2", "1"),
        ("2026-01-12", "0", "0", "0"),
    ]
    assert "Requests per week: 27 submitted" in weekly.text
    assert '<option value="week" selected>' in weekly.text
    later = browser.get("/analytics/DOCS", params={"from": "2026-01-06", "to": ""})
    assert later.status_code == 200
    assert stat(later.text, "submitted") == "0"
    assert stat(later.text, "median") == "—"
    assert "No requests in this range." in later.text
    assert "No decisions in this range." in later.text
    assert approver_rows(later.text) == []
    everything = browser.get("/analytics/DOCS", params={"from": "", "to": ""})
    assert stat(everything.text, "submitted") == "27"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "yesterday"}, "From must be a date like 2026-11-23."),
        ({"to": "2026-13-01"}, "To must be a date like 2026-11-23."),
        (
            {"from": "2026-01-10", "to": "2026-01-09"},
            "The To date must not be before the From date.",
        ),
        ({"interval": "month"}, "Interval must be day or week."),
        (
            {"from": "2020-01-01", "to": "2026-01-01"},
            "The range spans more than 1000 days; use a longer interval or a "
            "shorter range.",
        ),
        ({"to": "9999-12-31"}, "To must be a date before 9999-12-31."),
    ],
)
def test_bad_filters_re_render_the_form_with_the_reason(
    world: World, params: dict[str, str], message: str
) -> None:
    response = world.browser("admin").get("/analytics/DOCS", params=params)
    assert response.status_code == 400
    html = unescape(response.text)
    assert f'<p class="alert alert-error" role="alert">{message}</p>' in html
    assert 'aria-label="Date range"' in html
    for name in ("from", "to"):
        if name in params:
            assert f'name="{name}" value="{params[name]}"' in html
    assert "<svg class=" not in html


def test_the_chooser_offers_only_spaces_the_person_administers(world: World) -> None:
    admin = world.browser("admin").get("/analytics")
    assert admin.status_code == 200
    assert "Analytics: DOCS space" in admin.text
    outsider = world.browser("outsider").get("/analytics").text
    assert "Analytics: OPS space" in outsider
    viewer = world.browser("viewer").get("/analytics")
    assert "you administer no space" in viewer.text


@pytest.mark.parametrize("role", ["editor", "approver", "viewer"])
def test_members_below_admin_are_refused_and_the_refusal_is_audited(
    world: World, role: str
) -> None:
    browser = world.browser(role)
    response = browser.get("/analytics/DOCS")
    assert response.status_code == 403
    assert "You need the admin role in this space to view analytics." in response.text
    assert "Busiest approvers" not in response.text
    # The role is checked before the filter is read.
    assert browser.get("/analytics/DOCS?interval=month").status_code == 403
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
    assert world.browser("outsider").get("/analytics/DOCS").status_code == 404
    assert world.browser("admin").get("/analytics/NOPE").status_code == 404


@pytest.mark.parametrize("path", ["/analytics", "/analytics/DOCS?interval=week"])
def test_signed_out_visitors_are_sent_to_sign_in(world: World, path: str) -> None:
    response = world.site.browser().get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=%2Fanalytics")
