"""Who acts, through which interface, for which client, and when: said once.

Every action takes one `Acting` as its keyword `by`, built once per request or
command at the edge, and the audit event reads the same value; so the four facts an
audit row needs travel together and cannot be mixed up between calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Generic, TypeVar

from signoff.domain.states import Origin

if TYPE_CHECKING:
    from signoff.db.models import User

Actor = TypeVar("Actor", bound="User | None", covariant=True)
Other = TypeVar("Other", bound="User | None")


@dataclass(frozen=True, slots=True)
class Acting(Generic[Actor]):
    """`actor` is the person (None: the console operator or the system); `origin`
    the interface; `client_id` the OAuth client or personal token the API call came
    through (None elsewhere); `now` the one time the whole action records.

    An action that needs a person says so in its type, `Acting[User]`; one that
    also runs for the operator or the system takes `Acting[User | None]`.
    """

    actor: Actor
    origin: Origin
    client_id: str | None
    now: datetime

    @staticmethod
    def system(now: datetime) -> Acting[None]:
        """Signoff itself, as the time-driven sweeps act: nobody, no client."""
        return Acting(None, Origin.system, None, now)

    def with_actor(self, actor: Other) -> Acting[Other]:
        """The same interface, client and time on behalf of `actor`: the token
        endpoint acts for the grant's user, a sign-in for the person signing in."""
        return Acting(actor, self.origin, self.client_id, self.now)
