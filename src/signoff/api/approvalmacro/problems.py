"""How the approval-records surface answers a refusal: product 003's statuses.

That product answers 401 for no token and for no right alike (never 403), 404 for no
page, version or record, and 400 for invalid JSON and for anything aimed at a
version that is not the current one (a conflict, here). The body says what went
wrong in a sentence.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

PREFIX = "/rest/approvalmacro/1.0"

_AS_PRODUCT_003 = {403: 401, 409: 400, 422: 400}


def records_status(status: int) -> int:
    """The status product 003 gives where Signoff's other interfaces give `status`."""
    return _AS_PRODUCT_003.get(status, status)


def records_error_body(status: int, message: str) -> dict[str, Any]:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    return {"statusCode": status, "reason": reason, "message": message}
