"""When a personal access token was last used: noted to the minute, cheaply.

Authentication already read the token's row, so whether a write is due costs nothing.
Only then is a short write transaction opened (on SQLite, `BEGIN IMMEDIATE` takes the
one write lock), for one conditional UPDATE; a busy pipeline's reads stay reads for
the rest of the minute. The process also remembers what it has just written, so a
burst of calls at the turn of the minute opens one write, not one per call.
"""

from __future__ import annotations

import threading
from datetime import datetime

from signoff.actions.acting import Acting
from signoff.actions.tokens import do_record_token_use
from signoff.api.principal import Principal
from signoff.db.session import Database
from signoff.domain.lifetimes import token_use_due
from signoff.domain.states import Origin

# Tokens remembered per process; past it the memory starts over (the database's own
# condition still keeps the writes to one a minute per token).
MAX_REMEMBERED = 10_000


class TokenUses:
    """The uses this process has written lately, by personal token id."""

    def __init__(self, max_remembered: int = MAX_REMEMBERED) -> None:
        self._written: dict[int, datetime] = {}
        self._lock = threading.Lock()
        self._max = max_remembered

    def due(self, principal: Principal, now: datetime) -> bool:
        """Whether the call by `principal` at `now` should note its token's use."""
        return principal.personal_token_id is not None and token_use_due(
            principal.last_used_at, now
        )

    def record(self, db: Database, principal: Principal, now: datetime) -> None:
        """Note the use, unless this process (or another, per the row) just did."""
        token_id = principal.personal_token_id
        if token_id is None or not self._claim(token_id, now):
            return
        try:
            with db.write() as session:
                do_record_token_use(
                    session,
                    token_id,
                    by=Acting(None, Origin.api, principal.client_id, now),
                )
        except BaseException:
            with self._lock:
                self._written.pop(token_id, None)  # the next call tries again
            raise

    def _claim(self, token_id: int, now: datetime) -> bool:
        with self._lock:
            if not token_use_due(self._written.get(token_id), now):
                return False
            if len(self._written) >= self._max:
                self._written.clear()
            self._written[token_id] = now
            return True
