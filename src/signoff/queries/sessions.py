"""Browser sessions by the secret their cookie carries.

Only the secret's SHA-256 is stored, so the lookup hashes it first; whether the
session is still live is `domain/lifetimes.py`'s rule, applied by the caller.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from signoff.auth.tokens import hash_secret
from signoff.db.models import WebSession


def get_web_session(session: Session, secret: str) -> WebSession | None:
    return session.scalar(
        select(WebSession).where(WebSession.token_hash == hash_secret(secret))
    )
