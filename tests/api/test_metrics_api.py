"""`GET /metrics` through the real application: off by default, a bearer token of its
own, series labelled by route template, actions counted only when committed, and the
outbox and Confluence gauges read from the database at scrape time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from factories import make_confluence_site
from signoff.api.app import create_app
from signoff.config import Settings
from signoff.db.models import OutboxMessage

from .helpers import NOW, fix_clock, review_by
from .support import AppClient, Team

TOKEN = "metrics-token-for-tests-0123456789"
SCRAPER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def api(db_url: str, tmp_path: Path) -> Iterator[AppClient]:
    """The application with metrics on (the team fixture builds on it)."""
    settings = Settings(data_dir=tmp_path, database_url=db_url, metrics_token=TOKEN)
    client = AppClient(create_app(settings))
    yield client
    client.close()


def scrape(api: AppClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of one scrape: (name, labels) -> value."""
    response = api.get("/metrics", headers=SCRAPER)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float],
    name: str,
    **labels: str,
) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_are_off_without_a_token(db_url: str, tmp_path: Path) -> None:
    client = AppClient(create_app(Settings(data_dir=tmp_path, database_url=db_url)))
    try:
        response = client.get("/metrics", headers=SCRAPER)
        unknown = client.get("/no-such-page")
    finally:
        client.close()
    assert response.status_code == 404
    assert response.json() == unknown.json()  # as if the route did not exist


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Bearer {TOKEN}x", f"Basic {TOKEN}", TOKEN, "Bearer"],
)
def test_metrics_refuse_a_missing_or_wrong_token(
    api: AppClient, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = api.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "signoff_" not in response.text


def test_metrics_answer_the_right_token_with_every_series(api: AppClient) -> None:
    api.get("/livez")
    response = api.get("/metrics", headers=SCRAPER)
    assert response.status_code == 200
    for series in (
        "signoff_http_request_duration_seconds",
        "signoff_http_requests_total",
        "signoff_actions_total",
        "signoff_confluence_passes_total",
        "signoff_outbox_pending_messages",
        "signoff_outbox_oldest_pending_age_seconds",
        "signoff_outbox_dead_letters",
        "signoff_confluence_seconds_since_last_ok_pass",
    ):
        assert f"# TYPE {series.removesuffix('_total')}" in response.text, series


def test_metrics_are_not_in_the_api_document(api: AppClient) -> None:
    assert "/metrics" not in api.get("/openapi.json").json()["paths"]


def test_a_request_is_counted_under_its_route_template(
    api: AppClient, team: Team
) -> None:
    page = team.pages[0]
    labels = {"method": "GET", "route": "/wiki/api/v2/pages/{page_id}"}
    before = scrape(api)
    response = api.get(f"/wiki/api/v2/pages/{page}?x=1", token=team.tokens["bob"])
    assert response.status_code == 200, response.text
    api.get("/no/such/path/12345")
    after = scrape(api)

    name = "signoff_http_requests_total"
    assert value(after, name, **labels, status="2xx") == (
        value(before, name, **labels, status="2xx") + 1
    )
    hist = "signoff_http_request_duration_seconds_count"
    assert value(after, hist, **labels, status="2xx") >= 1
    unmatched = {"method": "GET", "route": "unmatched", "status": "4xx"}
    assert value(after, name, **unmatched) == value(before, name, **unmatched) + 1
    routes = {dict(labels).get("route", "") for _, labels in after}
    assert not any(str(page) in route or "12345" in route for route in routes)


def test_an_invented_method_is_labelled_other(api: AppClient) -> None:
    api.request("BREW", "/livez")
    samples = scrape(api)
    assert not any(dict(labels).get("method") == "BREW" for _, labels in samples)
    assert (
        value(
            samples,
            "signoff_http_requests_total",
            method="other",
            route="/livez",
            status="4xx",
        )
        >= 1
    )


def test_an_approval_counts_once_and_a_refused_one_not_at_all(
    api: AppClient, team: Team
) -> None:
    review_by(team, ["carol"])
    page = team.pages[0]
    submitted = api.post(
        "/api/v1/pages/submit", token=team.tokens["bob"], json={"pageId": page}
    )
    assert submitted.status_code == 200, submitted.text
    name = "signoff_actions_total"
    before = value(scrape(api), name, action="approval.approved")

    refused = api.post(
        "/api/v1/pages/approve",
        token=team.tokens["carol"],
        json={"pageId": page, "version": 2},
    )
    after_refusal = value(scrape(api), name, action="approval.approved")
    approved = api.post(
        "/api/v1/pages/approve",
        token=team.tokens["carol"],
        json={"pageId": page, "version": 1},
    )
    after_approval = value(scrape(api), name, action="approval.approved")

    assert refused.status_code == 409, refused.text
    assert approved.status_code == 200, approved.text
    assert (after_refusal, after_approval) == (before, before + 1)


def outbox_row(kind: str, status: str, age: timedelta, n: int) -> OutboxMessage:
    return OutboxMessage(
        message_id=f"{kind}-{status}-{n}",
        kind=kind,
        payload={},
        status=status,
        attempts=0,
        available_at=NOW - age,
        created_at=NOW - age,
    )


def test_outbox_depth_age_and_dead_letters_reflect_its_rows(
    api: AppClient, team: Team
) -> None:
    fix_clock(api)
    with team.db.write() as s:
        s.add_all(
            [
                outbox_row("email.send", "pending", timedelta(seconds=90), 1),
                outbox_row("email.send", "retry", timedelta(seconds=30), 2),
                outbox_row("email.send", "delivering", timedelta(seconds=5), 3),
                outbox_row("email.send", "delivered", timedelta(hours=9), 4),
                outbox_row("webhook.delivery", "dead", timedelta(hours=2), 5),
                outbox_row("webhook.delivery", "dead", timedelta(hours=1), 6),
            ]
        )
    samples = scrape(api)

    email = {"channel": "email.send"}
    hook = {"channel": "webhook.delivery"}
    assert value(samples, "signoff_outbox_pending_messages", **email) == 3
    assert value(samples, "signoff_outbox_oldest_pending_age_seconds", **email) == 90
    assert value(samples, "signoff_outbox_dead_letters", **hook) == 2
    assert ("signoff_outbox_pending_messages", frozenset(hook.items())) not in samples
    assert ("signoff_outbox_dead_letters", frozenset(email.items())) not in samples


def test_seconds_since_a_sites_last_good_pass(api: AppClient, team: Team) -> None:
    fix_clock(api)
    with team.db.write() as s:
        acme, globex = (
            make_confluence_site(s, "acme"),
            make_confluence_site(s, "globex"),
        )
        acme.last_ok_at = NOW - timedelta(minutes=2)
        globex.created_at = NOW - timedelta(hours=1)  # never a good pass yet
    samples = scrape(api)

    since = "signoff_confluence_seconds_since_last_ok_pass"
    assert value(samples, since, site="acme") == 120
    assert value(samples, since, site="globex") == 3600
