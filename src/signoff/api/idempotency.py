"""`Idempotency-Key`: the first response to a key is replayed to every retry for 24 h.

The record is claimed inside the same transaction as the action it guards, so an
action and the memory of its response commit together or not at all. A concurrent
retry of the same key waits on the record's unique index and then replays; a retry
with a different body is refused with 422. Failed calls store nothing, so they may be
retried with the same key.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from signoff.api.problems import ApiProblem
from signoff.db.models import IdempotencyRecord

RETENTION = timedelta(hours=24)
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


@dataclass
class Claim:
    record: IdempotencyRecord
    replay: str | None
    """The stored response body when this key already has one."""


def claim_key(
    session: Session, principal: str, key: str, fingerprint: str, now: datetime
) -> Claim:
    """The key's record: an earlier response to replay, or a fresh claim to fill."""
    existing = _find(session, principal, key)
    if existing is not None and existing.expires_at <= now:
        session.delete(existing)
        session.flush()
        existing = None
    if existing is None:
        fresh = IdempotencyRecord(
            principal=principal,
            key=key,
            request_hash=fingerprint,
            created_at=now,
            expires_at=now + RETENTION,
        )
        try:
            with session.begin_nested():
                session.add(fresh)
            return Claim(fresh, None)
        except IntegrityError:
            existing = _find(session, principal, key)
            if existing is None:
                raise
    if existing.request_hash != fingerprint:
        raise ApiProblem(
            422, "This Idempotency-Key was already used with a different request."
        )
    if existing.response_body is None:
        raise ApiProblem(409, "A request with this Idempotency-Key is still running.")
    return Claim(existing, existing.response_body)


def remember_response(claim: Claim, status_code: int, body: str) -> None:
    claim.record.status_code = status_code
    claim.record.response_body = body


def _find(session: Session, principal: str, key: str) -> IdempotencyRecord | None:
    return session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.principal == principal, IdempotencyRecord.key == key
        )
    )
