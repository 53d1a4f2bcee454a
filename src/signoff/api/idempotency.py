"""`Idempotency-Key`: the first response to a key is replayed to every retry for 24 h.

A call with a key runs in three steps. First the key is claimed in a short
transaction of its own, so a retry arriving while the call still runs sees the claim
and answers 409. Then the action runs, and its response is stored in the same
transaction as the action's effects: they commit together or not at all. If the
action fails, the claim is released, so failed calls store nothing and may be
retried. A claim left behind by a process that died mid-call holds no effects (they
would have committed with the response); after `ABANDONED_AFTER` a retry takes it
over and runs the call.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from signoff.api.problems import ApiProblem
from signoff.db.models import IdempotencyRecord
from signoff.db.session import Database

RETENTION = timedelta(hours=24)
ABANDONED_AFTER = timedelta(minutes=2)
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")
REPLAYED_HEADER = "Idempotent-Replayed"


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not KEY_PATTERN.fullmatch(key):
        raise ApiProblem(
            400, "Idempotency-Key must be 1 to 255 visible ASCII characters."
        )
    return key


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), b"\0", path.encode(), b"\0", body):
        digest.update(part)
    return digest.hexdigest()


@dataclass(frozen=True)
class Claim:
    record_id: int
    replay: str | None
    """The stored response body when this key already has one."""


def claim_key(
    db: Database, principal: str, key: str, fingerprint: str, now: datetime
) -> Claim:
    """Claim `key` for this call, or return the response an earlier call stored."""
    with db.write() as session:
        existing = _find(session, principal, key)
        if existing is not None and existing.expires_at <= now:
            session.delete(existing)
            session.flush()
            existing = None
        if existing is None:
            fresh = _insert(session, principal, key, fingerprint, now)
            if fresh is not None:
                return Claim(fresh.id, None)
            existing = _find(session, principal, key)
            assert existing is not None  # the insert lost to a concurrent claim
        if existing.request_hash != fingerprint:
            raise ApiProblem(
                422, "This Idempotency-Key was already used with a different request."
            )
        if existing.response_body is not None:
            return Claim(existing.id, existing.response_body)
        if existing.created_at > now - ABANDONED_AFTER:
            raise ApiProblem(
                409, "A request with this Idempotency-Key is still running."
            )
        existing.created_at = now  # an abandoned claim: this call takes it over
        return Claim(existing.id, None)


def _insert(
    session: Session, principal: str, key: str, fingerprint: str, now: datetime
) -> IdempotencyRecord | None:
    record = IdempotencyRecord(
        principal=principal,
        key=key,
        request_hash=fingerprint,
        created_at=now,
        expires_at=now + RETENTION,
    )
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        return None
    return record


def remember_response(
    session: Session, claim: Claim, status_code: int, body: str
) -> None:
    """Store the response with the action's effects, in the action's transaction."""
    session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == claim.record_id)
        .values(status_code=status_code, response_body=body)
    )


def release_claim(db: Database, claim: Claim) -> None:
    """Forget a claim whose call failed, so the key may be used again."""
    with db.write() as session:
        session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.id == claim.record_id,
                IdempotencyRecord.response_body.is_(None),
            )
        )


def _find(session: Session, principal: str, key: str) -> IdempotencyRecord | None:
    return session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.principal == principal, IdempotencyRecord.key == key
        )
    )
