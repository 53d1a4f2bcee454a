"""Reading form bodies with a size cap, before any parsing or database work.

Forms are small (a login, a consent, an OAuth token request), so anything larger is
refused with 413 before it is read into memory in full; fields repeated past a limit
are refused too, and repeated fields are kept, so callers can reject duplicates.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.requests import Request

MAX_FORM_BYTES = 16 * 1024
MAX_FIELDS = 50
# Pickers (pages of a change set, approvers of a workflow's steps) send one field per
# ticked box; they get a larger allowance, still bounded.
PICKER_FORM_BYTES = 256 * 1024
PICKER_FIELDS = 5000
FORM_TYPE = "application/x-www-form-urlencoded"

FormValues = dict[str, list[str]]


class FormRejected(Exception):
    """The body is too large (413) or not a form this server reads (400/415)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def read_form(
    request: Request, *, limit: int = MAX_FORM_BYTES, max_fields: int = MAX_FIELDS
) -> FormValues:
    """The url-encoded body as `{name: [values]}`; an empty body gives `{}`."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FormRejected(413, "The request body is too large.")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise FormRejected(413, "The request body is too large.")
    if not body:
        return {}
    if media_type != FORM_TYPE:
        raise FormRejected(415, f"Send the form as {FORM_TYPE}.")
    try:
        return parse_qs(
            body.decode("utf-8"), keep_blank_values=True, max_num_fields=max_fields
        )
    except (UnicodeDecodeError, ValueError) as error:
        raise FormRejected(400, "The form could not be read.") from error


def first(form: FormValues, name: str) -> str:
    """The field's value when it was sent exactly once, else the empty string."""
    values = form.get(name, [])
    return values[0] if len(values) == 1 else ""
