"""Races: one code or one refresh token presented by many threads at once.

The threads call the synchronous core the route runs in its threadpool, each in a
transaction of its own, released together by a barrier; on PostgreSQL they really
overlap, on SQLite `BEGIN IMMEDIATE` queues them. Either way exactly one wins.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from signoff.api.oauth.http import OAuthHttpRequest, OAuthResponse
from signoff.api.oauth.server import TOKEN_PATH, token_response
from signoff.db.models import OAuthToken

from .support import OAuthWorld, build_world, obtain_code, tokens_for

THREADS = 8
TRIALS = 3


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[OAuthWorld]:
    world = build_world(db_url, tmp_path)
    yield world
    world.site.close()


def race(world: OAuthWorld, form: dict[str, str]) -> list[OAuthResponse]:
    credentials = f"{world.client.client_id}:{world.client.secret}".encode()
    request = OAuthHttpRequest(
        "POST",
        TOKEN_PATH,
        form={key: [value] for key, value in form.items()},
        headers={"authorization": "Basic " + base64.b64encode(credentials).decode()},
    )
    barrier = threading.Barrier(THREADS)

    def redeem() -> OAuthResponse:
        barrier.wait(timeout=30)
        return token_response(
            world.db, request, now=world.clock(), base_url="http://127.0.0.1:8000"
        )

    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(redeem) for _ in range(THREADS)]
        return [future.result(timeout=120) for future in futures]


def count_tokens(world: OAuthWorld, **where: object) -> int:
    with world.db.read() as session:
        query = select(func.count()).select_from(OAuthToken).filter_by(**where)
        return session.scalar(query) or 0


@pytest.mark.slow
@pytest.mark.parametrize("trial", range(TRIALS))
def test_one_code_redeemed_concurrently_issues_exactly_one_token(
    world: OAuthWorld, trial: int
) -> None:
    code, verifier = obtain_code(world)

    responses = race(
        world,
        {
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": world.client.redirect_uri,
        },
    )

    statuses = sorted(response.status for response in responses)
    assert statuses == [200] + [400] * (THREADS - 1)
    losers = [r.body["error"] for r in responses if r.status == 400]
    assert losers == ["invalid_grant"] * (THREADS - 1)
    assert count_tokens(world) == 1
    # the losers were replays: the one token issued from the code is revoked
    assert count_tokens(world, revoked_at=None) == 0


@pytest.mark.slow
def test_one_refresh_token_used_concurrently_rotates_at_most_once(
    world: OAuthWorld,
) -> None:
    tokens = tokens_for(world)

    responses = race(
        world, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )

    winners = [r for r in responses if r.status == 200]
    assert len(winners) <= 1
    assert all(r.body["error"] == "invalid_grant" for r in responses if r.status != 200)
    assert count_tokens(world) == 1 + len(winners)
    # the concurrent uses are reuse: the family is revoked
    assert count_tokens(world, revoked_at=None) == 0
