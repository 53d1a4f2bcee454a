"""One mapping from the engine's refusals to HTTP: the status and the sentence shown.

The REST API, the page store (`/wiki/api/v2`) and the web UI all answer a
`SignoffError` from `refusal()`; each keeps only its rendering (the `success: false`
envelope, Confluence's error envelope, the error page, or a form shown again). The
module sits in `web/`, the lowest of the HTTP interfaces, so the API can read it too.
"""

from __future__ import annotations

from dataclasses import dataclass

from signoff.domain.errors import (
    BadInput,
    InvalidState,
    NotAllowed,
    NotFound,
    SignoffError,
)

# Checked in order, so a subclass (VersionConflict and InvalidGrant are InvalidStates)
# needs no entry of its own.
STATUS_BY_ERROR: tuple[tuple[type[SignoffError], int], ...] = (
    (BadInput, 400),
    (NotAllowed, 403),
    (NotFound, 404),
    (InvalidState, 409),
)
# A SignoffError of no listed kind: the engine refused what it was asked.
OTHER_STATUS = 400

# What a web handler catches to show the refusal on the screen the form came from,
# with the fields as sent: a value to correct (BadInput), a state that does not allow
# it now (InvalidState, VersionConflict), a right the person lacks on a screen they
# may see (NotAllowed). NotFound is never caught: nothing is left to show, so the
# error page says it. Everything not caught goes to the error page.
FORM_REFUSALS: tuple[type[SignoffError], ...] = (BadInput, InvalidState, NotAllowed)
# A form whose fields name things to look up elsewhere (a Confluence site, a space
# key on that site) also shows on itself that one names nothing: the person typed
# it, and corrects it there.
LOOKUP_FORM_REFUSALS: tuple[type[SignoffError], ...] = (*FORM_REFUSALS, NotFound)


@dataclass(frozen=True)
class Refusal:
    """How every interface answers one refusal."""

    status: int
    sentence: str


def refusal_status(error: SignoffError) -> int:
    for kind, status in STATUS_BY_ERROR:
        if isinstance(error, kind):
            return status
    return OTHER_STATUS


def refusal(error: SignoffError) -> Refusal:
    """The status and the sentence for people; the sentence is the error's own, as
    the engine wrote it (it names no more than the caller may know)."""
    return Refusal(refusal_status(error), error.message)
