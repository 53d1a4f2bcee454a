"""The simulated users Locust runs against a served Signoff.

`MixedUser` is an approver at work: mostly reading (their queue, a page's approval),
sometimes approving the next page in their own sequence. `TrivialUser` asks `/livez`,
which touches nothing, so its figures are the framework's own ceiling on this machine.
The world (tokens, pages) comes from the JSON file `SIGNOFF_LOADTEST_WORLD` names.

Each approval is logged to `SIGNOFF_LOADTEST_LOG` before it is sent and again when it
is acknowledged, so the run can be checked against what the server stored: Locust's
own counts leave out requests still in flight when the run stops. Every failed
request is logged there too, with its status and the start of its answer.
"""

from __future__ import annotations

import itertools
import os
import random
from pathlib import Path
from typing import Any

from locust import HttpUser, constant, events, task

from loadtest.world import World

WORLD = World.load(Path(os.environ["SIGNOFF_LOADTEST_WORLD"]))
APPROVALS_LOG = Path(os.environ["SIGNOFF_LOADTEST_LOG"])
_seats = itertools.count()  # users start one after another, in one process


class MixedUser(HttpUser):
    wait_time = constant(0)  # closed loop: the next request as soon as one returns

    def on_start(self) -> None:
        seat = next(_seats) % len(WORLD.tokens)
        self.client.headers["Authorization"] = f"Bearer {WORLD.tokens[seat]}"
        self.approver_id = WORLD.approver_ids[seat]
        # Each approver walks the pages in an order of their own, so approvals of one
        # page by different people arrive at different times, as they would.
        self.to_approve = list(WORLD.page_ids)
        random.Random(seat).shuffle(self.to_approve)  # noqa: S311 (not security)

    @task(4)
    def my_queue(self) -> None:
        self.client.get(
            "/api/v1/queue?assignedTo=me&status=pending&limit=25", name="queue"
        )

    @task(3)
    def page_status(self) -> None:
        page_id = random.choice(WORLD.page_ids)  # noqa: S311 (not security)
        self.client.get(f"/api/v1/pages/status?pageId={page_id}", name="page status")

    @task(2)
    def approve(self) -> None:
        if not self.to_approve:
            return  # this approver has signed everything
        page_id = self.to_approve.pop()
        _log("sent", self.approver_id, page_id)
        response = self.client.post(
            "/api/v1/pages/approve",
            json={"pageId": str(page_id), "version": WORLD.version},
            name="approve",
        )
        if response.ok:
            _log("ok", self.approver_id, page_id)


def _log(*words: object) -> None:
    with APPROVALS_LOG.open("a", encoding="utf-8") as log:
        log.write(" ".join(str(word) for word in words) + "\n")


@events.request.add_listener  # type: ignore[untyped-decorator]
def _log_failure(
    request_type: str, name: str, response: Any, exception: Any, **_: Any
) -> None:
    if exception is not None:
        status = getattr(response, "status_code", None) or type(exception).__name__
        answer = " ".join(str(getattr(response, "text", "")).split())[:200]
        _log("failed", f"{request_type} {name}: {status} {answer}")


class TrivialUser(HttpUser):
    wait_time = constant(0)

    @task
    def livez(self) -> None:
        self.client.get("/livez", name="livez")
