"""One API call: switch, token, rate limit and scope checked; then one read or write.

Every `/api/v1` route depends on `api_call(scope)`. It refuses, in this order: the
REST API switched off (403), no or bad token (401), too many requests (429), the token
lacking the route's scope (403, naming it, and audited). Handlers then hand a small
function to `ApiCall.read` or `ApiCall.write`; `write` runs it in one unit of work
with the `Idempotency-Key` claimed in the same transaction; `write_after` first
reads from elsewhere, outside any transaction. `stream` checks in a read
transaction, then streams from a read transaction the stream opens itself: it serves
GETs, which change nothing. A refusal on any of these paths is audited as
`auth.denied`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from signoff.actions.acting import Acting
from signoff.actions.site import API_ENABLED
from signoff.actions.unit import record_denial, unit_of_work
from signoff.api.idempotency import (
    REPLAYED_HEADER,
    Claim,
    check_key,
    claim_key,
    release_claim,
    remember_response,
    request_fingerprint,
)
from signoff.api.principal import Principal, bearer_token, resolve_principal
from signoff.api.problems import ApiProblem, rate_limited
from signoff.api.ratelimit import RateLimiter
from signoff.api.request_input import read_body
from signoff.api.token_use import TokenUses
from signoff.api.v1.responses import plain
from signoff.auth.scopes import Scope
from signoff.db.models import SiteSetting, User
from signoff.db.session import Database
from signoff.domain.errors import Denial, NotAllowed, SignoffError
from signoff.domain.states import Origin

SCOPE_ATTRIBUTE = "signoff_scope"
Reply = BaseModel | dict[str, Any]
"""A handler's answer: a response model (`/api/v1`), or the page store's dict."""
Work = Callable[[Session, User], Reply]
Produce = Callable[[Session], Iterator[str]]
Fetched = TypeVar("Fetched")
Done = TypeVar("Done")


@dataclass(frozen=True)
class Download:
    """What a streamed call sends: a file name, and the chunks read from a session."""

    filename: str
    produce: Produce


def render(body: Reply) -> str:
    """The answer's bytes: compact JSON, non-ASCII as it is."""
    value = plain(body) if isinstance(body, BaseModel) else body
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class ApiCall:
    """What a handler needs: the database, the caller, and the request's identity."""

    def __init__(
        self,
        db: Database,
        principal: Principal,
        *,
        now: datetime,
        idempotency_key: str | None,
        fingerprint: str,
    ) -> None:
        self.db = db
        self.principal = principal
        self.now = now
        self.idempotency_key = idempotency_key
        self.fingerprint = fingerprint

    def by(self, actor: User) -> dict[str, Any]:
        """The keyword every action takes, `by`, for an API caller: `actor` acting
        through the API with this call's client, at this call's time. Handlers
        spread it, `do_x(session, ..., **call.by(actor))`."""
        return {"by": Acting(actor, Origin.api, self.principal.client_id, self.now)}

    def actor(self, session: Session) -> User:
        user = session.get(User, self.principal.user_id)
        assert user is not None  # resolve_principal checked it moments ago
        return user

    def read(self, work: Work) -> Response:
        with self._refusals_audited(), self.db.read() as session:
            body = work(session, self.actor(session))
        return _json(render(body))

    def refresh_first(
        self, request: Request, pick: Callable[[Session, User], Sequence[int]]
    ) -> None:
        """Before a submission: bring the pages `pick` names up to date from where
        they are kept (`actions.confluence.refresh`), outside any transaction. A
        refusal while picking is left to the write that follows, which audits it."""
        try:
            with self.db.read() as session:
                page_ids = pick(session, self.actor(session))
        except SignoffError:
            return
        refresher: Callable[[Sequence[int]], object] = request.app.state.refresh_pages
        refresher(page_ids)

    @contextmanager
    def _refusals_audited(self) -> Iterator[None]:
        """A read refused for lack of a right is audited, as a refused write is."""
        try:
            yield
        except NotAllowed as refusal:
            if refusal.denial is not None:
                record_denial(
                    self.db,
                    refusal,
                    origin=Origin.api,
                    client_id=self.principal.client_id,
                )
            raise

    def write(self, work: Work) -> Response:
        """Run `work` in one unit of work, honouring the call's `Idempotency-Key`."""
        return self._once(lambda claim: self._unit(work, claim))

    def write_then_read(
        self,
        work: Callable[[Session, User], Done],
        answer: Callable[[Session, User, Done], Reply],
    ) -> Response:
        """`work` in one unit of work, then its `answer` read after the commit.

        The write lock is held only for the change itself: the answer (a page's
        status, say) is read in a read transaction once the change is committed,
        so concurrent writers never wait behind rendering it. A call with an
        `Idempotency-Key` stores its answer with its effects, so it reads the
        answer inside its unit of work, where a replay finds exactly what was sent.
        """

        def run(claim: Claim | None) -> str:
            if claim is not None:
                return self._unit(
                    lambda s, actor: answer(s, actor, work(s, actor)), claim
                )
            with unit_of_work(
                self.db, origin=Origin.api, client_id=self.principal.client_id
            ) as session:
                done = work(session, self.actor(session))
            with self.db.read() as session:
                return render(answer(session, self.actor(session), done))

        return self._once(run)

    def write_after(
        self,
        outside: Callable[[Session, User], Callable[[], Fetched]],
        work: Callable[[Session, User, Fetched], Reply],
    ) -> Response:
        """A write that needs an answer from elsewhere first (a Confluence site).

        `outside` checks in a read transaction (a refusal there is audited, as a
        write's is) and returns the fetch, which runs with no transaction open, so
        a slow site holds no lock; `work` then gets what it fetched, in one unit of
        work. A replayed `Idempotency-Key` fetches nothing.
        """

        def run(claim: Claim | None) -> str:
            with self._refusals_audited(), self.db.read() as session:
                fetch = outside(session, self.actor(session))
            fetched = fetch()
            return self._unit(
                lambda session, actor: work(session, actor, fetched), claim
            )

        return self._once(run)

    def _once(self, run: Callable[[Claim | None], str]) -> Response:
        """`run` once per `Idempotency-Key`: a stored answer is replayed, and a
        failed call releases the key for another try."""
        key = self.idempotency_key
        claim = None
        if key is not None:
            claim = claim_key(
                self.db, self.principal.key, key, self.fingerprint, self.now
            )
            if claim.replay is not None:
                return _json(claim.replay, replayed=True)
        try:
            text = run(claim)
        except BaseException:
            if claim is not None:
                release_claim(self.db, claim)
            raise
        return _json(text)

    def _unit(self, work: Work, claim: Claim | None) -> str:
        """`work` in one unit of work; its answer stored with its effects."""
        with unit_of_work(
            self.db, origin=Origin.api, client_id=self.principal.client_id
        ) as session:
            text = render(work(session, self.actor(session)))
            if claim is not None:
                remember_response(session, claim, 200, text)
        return text

    def stream(
        self, work: Callable[[Session, User], Download], *, media_type: str
    ) -> StreamingResponse:
        """Check in a read transaction, then stream the download it names.

        Every refusal happens before the first byte, and nothing is written but the
        record of a refusal. The stream opens its own read transaction when the
        client starts reading, so a long download holds no lock and sees one
        consistent snapshot.
        """
        with self._refusals_audited(), self.db.read() as session:
            download = work(session, self.actor(session))

        def chunks() -> Iterator[str]:
            with self.db.read() as session:
                yield from download.produce(session)

        return StreamingResponse(
            chunks(),
            media_type=media_type,
            headers={
                "Content-Disposition": f'attachment; filename="{download.filename}"'
            },
        )


def _json(text: str, *, replayed: bool = False) -> Response:
    headers = {REPLAYED_HEADER: "true"} if replayed else None
    return Response(text, media_type="application/json", headers=headers)


CallT = TypeVar("CallT", bound=ApiCall)
Authenticate = Callable[[Database, str | None, datetime], Principal]


def call_dependency(
    scope: Scope, make: type[CallT], authenticate: Authenticate
) -> Callable[[Request], Awaitable[CallT]]:
    """A route dependency: input read, caller authenticated (its personal token's
    use noted, at most once a minute), budget and scope checked.

    `/api/v1` and `/wiki/api/v2` differ only in how they authenticate and in the
    call object their handlers receive.
    """

    async def dependency(request: Request) -> CallT:
        body = await read_body(request)
        app = request.app
        clock: Callable[[], datetime] = app.state.clock
        now = clock()
        db: Database = app.state.db
        principal = await run_in_threadpool(
            authenticate, db, request.headers.get("authorization"), now
        )
        uses: TokenUses = app.state.token_uses
        if uses.due(principal, now):
            await run_in_threadpool(uses.record, db, principal, now)
        limiter: RateLimiter = app.state.rate_limiter
        wait = limiter.retry_after(principal.key, time.monotonic())
        if wait is not None:
            raise rate_limited(wait)
        if scope.value not in principal.scopes:
            await run_in_threadpool(refuse_scope, db, principal, scope, request)
        return make(
            db,
            principal,
            now=now,
            idempotency_key=check_key(request.headers.get("idempotency-key"))
            if request.method == "POST"
            else None,
            fingerprint=request_fingerprint(request.method, request.url.path, body),
        )

    setattr(dependency, SCOPE_ATTRIBUTE, scope)
    return dependency


def api_call(scope: Scope) -> Callable[[Request], Awaitable[ApiCall]]:
    """The dependency a `/api/v1` route declares; it also records the route's scope."""
    return call_dependency(scope, ApiCall, _authenticate)


def _authenticate(db: Database, authorization: str | None, now: datetime) -> Principal:
    with db.read() as session:
        setting = session.get(SiteSetting, API_ENABLED)
        if setting is None or setting.value is not True:
            raise ApiProblem(
                403,
                "The REST API is disabled on this site; a site administrator can "
                "enable it with 'signoff api enable'.",
            )
        return resolve_principal(session, bearer_token(authorization), now)


def refuse_scope(
    db: Database, principal: Principal, scope: Scope, request: Request
) -> None:
    refusal = NotAllowed(
        f"This call needs the {scope.value} scope, which the token does not have.",
        denial=Denial(
            action=f"{request.method} {request.url.path}",
            reason=f"missing scope {scope.value}",
            actor_id=principal.user_id,
        ),
    )
    record_denial(db, refusal, origin=Origin.api, client_id=principal.client_id)
    raise refusal
