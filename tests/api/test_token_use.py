"""A personal token's last use: shown on the account page, written once a minute.

Reads authenticated by a token stay read transactions, except for the one call a
minute that notes the token's use; a burst of calls at once opens one write.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Connection, event, select

from factories import AT, by
from oauth.support import Clock
from signoff.actions.acting import Acting
from signoff.actions.sessions import do_sign_in
from signoff.actions.tokens import do_record_token_use, do_revoke_token
from signoff.db.models import PersonalToken, User
from signoff.db.session import READ_ONLY
from signoff.domain.states import Origin
from signoff.web.sessions import SESSION_COOKIE

from .support import AppClient, Team


@pytest.fixture
def clock(api: AppClient) -> Clock:
    clock = Clock(AT)
    api.app.state.clock = clock
    return clock


class WriteCounter:
    """Counts the write transactions the application's engine begins."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self, connection: Connection) -> None:
        if not connection.get_execution_options().get(READ_ONLY, False):
            with self._lock:
                self.count += 1


@pytest.fixture
def writes(api: AppClient) -> Iterator[WriteCounter]:
    engine = api.app.state.db.engine
    counter = WriteCounter()
    event.listen(engine, "begin", counter)
    yield counter
    event.remove(engine, "begin", counter)


def read_queue(api: AppClient, token: str) -> None:
    response = api.get("/api/v1/queue", token=token)
    assert response.status_code == 200, response.text


def last_used(team: Team, name: str) -> datetime | None:
    with team.db.read() as session:
        return session.scalars(
            select(PersonalToken.last_used_at).where(
                PersonalToken.user_id == team.users[name]
            )
        ).one()


def basic(user: str, token: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()


def test_a_tokens_use_is_shown_as_last_used_on_the_account_page(
    api: AppClient, team: Team, clock: Clock
) -> None:
    clock.advance(minutes=7)
    read_queue(api, team.tokens["bob"])
    with team.db.write() as session:
        bob = session.get(User, team.users["bob"])
        assert bob is not None
        secret = do_sign_in(session, bob, **by(None, now=clock())).secret

    page = api.get("/account", headers={"Cookie": f"{SESSION_COOKIE}={secret}"})

    assert last_used(team, "bob") == AT + timedelta(minutes=7)
    assert page.status_code == 200
    assert '<td data-label="Last used">2026-01-05 09:07 UTC</td>' in page.text


def test_a_busy_token_opens_one_write_a_minute_and_reads_stay_reads(
    api: AppClient, team: Team, clock: Clock, writes: WriteCounter
) -> None:
    token = team.tokens["carol"]
    for _ in range(10):
        read_queue(api, token)
        clock.advance(seconds=5)
    first_minute = writes.count

    clock.now = AT + timedelta(minutes=1)
    for _ in range(5):
        read_queue(api, token)

    assert first_minute == 1
    assert writes.count == 2
    assert last_used(team, "carol") == AT + timedelta(minutes=1)


def test_a_burst_of_calls_at_once_opens_a_single_write(
    api: AppClient, team: Team, clock: Clock, writes: WriteCounter
) -> None:
    token = team.tokens["dave"]
    threads = [threading.Thread(target=read_queue, args=(api, token)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert writes.count == 1
    assert last_used(team, "dave") == AT


def test_a_token_sent_as_basic_credentials_to_the_page_store_is_noted_too(
    api: AppClient, team: Team, clock: Clock
) -> None:
    response = api.get(
        "/wiki/api/v2/spaces",
        headers={"Authorization": basic("bob", team.tokens["bob"])},
    )

    assert response.status_code == 200, response.text
    assert last_used(team, "bob") == AT


def test_a_refused_token_notes_no_use(
    api: AppClient, team: Team, clock: Clock, writes: WriteCounter
) -> None:
    with team.db.write() as session:
        token = session.scalars(
            select(PersonalToken).where(PersonalToken.user_id == team.users["bob"])
        ).one()
        do_revoke_token(session, token, **by(None, Origin.cli))
    writes.count = 0

    response = api.get("/api/v1/queue", token=team.tokens["bob"])

    assert response.status_code == 401
    assert writes.count == 0
    assert last_used(team, "bob") is None


def test_a_use_within_a_minute_of_one_another_process_noted_changes_nothing(
    team: Team,
) -> None:
    with team.db.read() as session:
        token_id = session.scalars(
            select(PersonalToken.id).where(PersonalToken.user_id == team.users["bob"])
        ).one()
    changed = []
    for seconds in (0, 30, 59, 60):
        with team.db.write() as session:
            when = AT + timedelta(seconds=seconds)
            changed.append(
                do_record_token_use(
                    session, token_id, by=Acting(None, Origin.api, None, when)
                )
            )

    assert changed == [True, False, False, True]
    assert last_used(team, "bob") == AT + timedelta(seconds=60)
