"""Turning the engine's refusals into what a person reads on a UI page.

The session gate and the CSRF-checked form reader are shared with the queue and
change-set pages in `web/require_session.py`.
"""

from __future__ import annotations

from signoff.domain.errors import BadInput, NotAllowed, NotFound, SignoffError


def refusal_status(error: SignoffError) -> int:
    """The HTTP status a refusal is shown with (the API maps errors the same way)."""
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, NotAllowed):
        return 403
    if isinstance(error, BadInput):
        return 400
    return 409
