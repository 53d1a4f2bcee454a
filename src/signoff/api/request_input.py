"""Reading a request's raw input once, with the limits every API shares.

Bodies are capped in size before they are parsed. NUL characters are refused in
bodies, query strings and paths: no text field may hold one, and PostgreSQL cannot
store one, so they are stopped at the door with a 400 instead of failing deep inside.
"""

from __future__ import annotations

from fastapi import Request

from signoff.api.problems import ApiProblem

MAX_BODY_BYTES = 1_048_576
JSON_NUL = b"\\u0000"


async def read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    too_large = ApiProblem(
        413, f"The request body is larger than {MAX_BODY_BYTES} bytes."
    )
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_large
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise too_large
    if JSON_NUL in body or b"\x00" in body or _nul_in_url(request):
        raise ApiProblem(400, "Text must not contain NUL characters.")
    return body


def _nul_in_url(request: Request) -> bool:
    if "\x00" in request.url.path:
        return True
    return any(
        "\x00" in key or "\x00" in value
        for key, value in request.query_params.multi_items()
    )
