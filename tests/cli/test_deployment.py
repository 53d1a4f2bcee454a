"""The steps of docs/deployment.md, run as written: `signoff db upgrade` on a fresh
PostgreSQL database, the forwarded client address believed only from the proxy named
in `SIGNOFF_TRUSTED_PROXIES`, and `signoff serve --no-outbox` beside a `signoff
worker` that delivers. (`serve --workers 2` is test_serve_workers.py.)"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cli.deployment import delivered_webhooks, wait_for_outbox
from factories import PASSWORD, by, make_page, make_space, make_user, make_workflow
from factories import step as one_step
from notify.servers import Receiver
from signoff.actions.site import do_set_api_enabled
from signoff.actions.tokens import do_create_token
from signoff.actions.webhooks import do_create_webhook
from signoff.db import migrate
from signoff.db.pgcluster import PostgresCluster
from signoff.db.session import Database, make_engine
from signoff.domain.states import Origin, Role
from signoff.outbound.url_policy import AllowList

from .support import signoff
from .test_client_address import GUESSES, attempt
from .test_server_process import SIGNOFF, STOP_TIMEOUT_S, running

pytestmark = pytest.mark.slow

DELIVERY_TIMEOUT_S = 60.0


def test_db_upgrade_builds_a_fresh_postgresql_database(
    pg_cluster: PostgresCluster, tmp_path: Path
) -> None:
    url = pg_cluster.create_database("signoff_fresh")
    try:
        first = signoff(url, tmp_path, "db", "upgrade")
        again = signoff(url, tmp_path, "db", "upgrade")
        engine = make_engine(url)
        try:
            at_head = migrate.is_up_to_date(engine)
        finally:
            engine.dispose()
    finally:
        pg_cluster.drop_database("signoff_fresh")

    assert first.exit_code == 0, first.output
    assert "(was empty)" in first.output
    assert again.exit_code == 0, again.output
    assert "(up to date)" in again.output
    assert at_head


@pytest.mark.parametrize(
    ("proxies", "second_client"),
    [({"SIGNOFF_TRUSTED_PROXIES": "127.0.0.1"}, 303), ({}, 429)],
    ids=["proxy-trusted", "no-proxy-trusted"],
)
def test_the_forwarded_client_is_believed_only_from_the_trusted_proxy(
    db_url: str, tmp_path: Path, proxies: dict[str, str], second_client: int
) -> None:
    # A proxy on 127.0.0.1 forwards one guesser's failures, then another client's
    # sign-in: trusted, the other client is its own address and signs in; not
    # trusted, everyone is the proxy's address, which the guesser used up.
    added = signoff(
        db_url, tmp_path / "data", "user", "add", "alice", "--password", PASSWORD
    )
    assert added.exit_code == 0, added.output
    with (
        running(tmp_path, "serve", "--database-url", db_url, env=proxies) as server,
        httpx.Client(base_url=server.url, timeout=30) as browser,
    ):
        for _ in range(GUESSES):
            attempt(browser, "wrong guess", forwarded_for="203.0.113.5")
        other = attempt(browser, PASSWORD, forwarded_for="198.51.100.7")

    assert other.status_code == second_client


@pytest.fixture
def webhook_site(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[str, Database, Receiver, str, int]]:
    """PostgreSQL with one page ready to submit, a webhook for every event on a
    loopback receiver, and the editor's token: (url, db, receiver, token, page id)."""
    from conftest import fresh_database_url

    url = fresh_database_url("postgresql", request, tmp_path)
    db = Database(make_engine(url))
    receiver = Receiver()
    allow = f"127.0.0.1:{receiver.port}"
    with db.write() as s:
        admin = make_user(s, "alice", site_admin=True)
        bob, carol = make_user(s, "bob"), make_user(s, "carol")
        space = make_space(
            s, admin=admin, members={bob: Role.editor, carol: Role.viewer}
        )
        page = make_page(s, space, bob)
        make_workflow(s, space, admin, [one_step(carol)], space_default=True)
        do_set_api_enabled(s, True, **by(None, Origin.cli))
        do_create_webhook(
            s,
            space,
            url=f"http://{allow}/ok",
            events=["*"],
            allow=AllowList.parse(allow),
            **by(admin),
        )
        s.flush()
        _, token = do_create_token(s, bob, scopes=["write:approval"], **by(None))
        page_id = page.id
    try:
        yield url, db, receiver, token, page_id
    finally:
        receiver.close()
        db.dispose()


def test_a_worker_started_apart_delivers_what_a_no_outbox_server_queued(
    webhook_site: tuple[str, Database, Receiver, str, int], tmp_path: Path
) -> None:
    url, db, receiver, token, page_id = webhook_site
    env = {"SIGNOFF_WEBHOOK_ALLOW": f"127.0.0.1:{receiver.port}"}
    with running(
        tmp_path, "serve", "--no-outbox", "--database-url", url, env=env
    ) as server:
        submitted = httpx.post(
            f"{server.url}/api/v1/pages/submit",
            json={"pageId": str(page_id)},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert submitted.status_code == 200, submitted.text
        worker = start_worker(url, tmp_path, env)
        try:
            delivered = wait_for_outbox(db)
        finally:
            worker.terminate()
            returncode = worker.wait(timeout=STOP_TIMEOUT_S)

    assert delivered
    assert delivered_webhooks(receiver) == dict.fromkeys(delivered, 1)
    assert returncode == 0


def start_worker(
    url: str, tmp_path: Path, env: dict[str, str]
) -> subprocess.Popen[bytes]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIGNOFF_")}
    with (tmp_path / "worker.txt").open("wb") as log:
        return subprocess.Popen(
            [
                str(SIGNOFF),
                "worker",
                "--idle-sleep",
                "0.05",
                "--database-url",
                url,
                "--data-dir",
                str(tmp_path / "data"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**clean, **env},
        )
