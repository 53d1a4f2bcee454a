"""Switchable faults and the request log: 429 and 503 with Retry-After, a connection
reset mid-answer, and the log a test reads to check the client's behaviour."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

import httpx
import pytest

from confluence_site.conformance import assert_v1_error, assert_v2_error
from confluence_site.support import World

PAGES = "/api/v2/pages"


def test_rate_limit_answers_429_with_retry_after_and_quota_headers(
    world: World, client: httpx.Client
) -> None:
    world.site.faults.rate_limit(2, retry_after=1)
    first, second, third = (client.get(PAGES) for _ in range(3))
    for limited in (first, second):
        assert_v2_error(limited, 429)
        assert limited.headers["retry-after"] == "1"
        assert limited.headers["x-ratelimit-remaining"] == "0"
        assert limited.headers["ratelimit-reason"] == "confluence-quota-global-based"
        assert limited.headers["x-ratelimit-nearlimit"] == "true"
        assert limited.headers["x-ratelimit-reset"].endswith(":00:00Z")
    assert third.status_code == 200


def test_a_rate_limit_on_v1_answers_in_the_v1_envelope(
    world: World, client: httpx.Client
) -> None:
    world.site.faults.rate_limit(reason="confluence-quota-tenant-based")
    answer = client.get("/rest/api/user", params={"accountId": world.ada.account_id})
    assert_v1_error(answer, 429)
    assert answer.headers["ratelimit-reason"] == "confluence-quota-tenant-based"


def test_retry_after_can_be_an_http_date(world: World, client: httpx.Client) -> None:
    world.site.faults.rate_limit(retry_after=30, as_http_date=True)
    answer = client.get(PAGES)
    until = parsedate_to_datetime(answer.headers["retry-after"]).timestamp()
    assert 29 <= until - time.time() <= 31


def test_unavailable_answers_503_with_or_without_retry_after(
    world: World, client: httpx.Client
) -> None:
    world.site.faults.unavailable(retry_after=1)
    world.site.faults.unavailable(retry_after=None)
    first, second = client.get(PAGES), client.get(PAGES)
    assert_v2_error(first, 503)
    assert first.headers["retry-after"] == "1"
    assert_v2_error(second, 503)
    assert "retry-after" not in second.headers
    assert client.get(PAGES).status_code == 200


def test_a_fault_can_be_aimed_at_one_path(world: World, client: httpx.Client) -> None:
    world.site.faults.rate_limit(path="/properties")
    assert client.get(PAGES).status_code == 200
    answer = client.get(f"{PAGES}/{world.page.id}/properties")
    assert answer.status_code == 429


def test_the_log_flags_a_request_sent_before_retry_after_passed(
    world: World, client: httpx.Client
) -> None:
    world.site.faults.rate_limit(retry_after=1)
    client.get(PAGES)
    client.get(PAGES)  # too soon
    assert [r.status for r in world.site.log.early_requests()] == [200]


def test_the_log_is_clean_when_the_client_waits_out_retry_after(
    world: World, client: httpx.Client
) -> None:
    world.site.faults.rate_limit(retry_after=1)
    limited = client.get(PAGES)
    time.sleep(float(limited.headers["retry-after"]))
    client.get(PAGES)
    assert world.site.log.early_requests() == []


def test_a_connection_reset_breaks_the_answer_after_n_requests(
    world: World, client: httpx.Client
) -> None:
    world.site.faults.reset_connection(after=2)
    assert [client.get(PAGES).status_code for _ in range(2)] == [200, 200]
    with pytest.raises(httpx.TransportError):
        client.get(PAGES)
    assert client.get(PAGES).status_code == 200
    assert world.site.log.count("GET", PAGES) == 4


def test_the_log_records_method_path_query_and_credential(
    world: World, client: httpx.Client, gateway: httpx.Client
) -> None:
    world.site.clock.advance(5)
    client.get(PAGES, params={"limit": "5"}, headers={"User-Agent": "probe/1"})
    gateway.get(PAGES)
    first, second = world.site.log.records()
    assert (first.method, first.path, first.params) == (
        "GET",
        "/wiki" + PAGES,
        (("limit", "5"),),
    )
    assert first.headers["user-agent"] == "probe/1"
    assert (first.auth, first.status) == (f"basic:{world.ada.email}", 200)
    assert first.site_time == world.site.clock.now()
    assert second.path.startswith(f"/ex/confluence/{world.site.cloud_id}/wiki")
    assert second.auth.startswith("bearer:")
    assert world.bearer.token not in second.auth
