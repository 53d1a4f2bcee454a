"""Jinja2 rendering with autoescaping; the environment is built on first use."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from signoff.web import labels

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


@cache
def templates() -> Jinja2Templates:
    found = Jinja2Templates(directory=TEMPLATES_DIR)
    # The words for states come from one place (`web.labels`), in every template.
    found.env.globals.update(
        state_label=labels.state_label,
        rollup_label=labels.rollup_label,
        lozenge=labels.lozenge,
    )
    return found


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    return templates().TemplateResponse(
        request, name, context or {}, status_code=status, headers=headers
    )


def error_page(
    request: Request,
    message: str,
    *,
    status: int,
    headers: dict[str, str] | None = None,
    current: object | None = None,
) -> Response:
    """The error page in the app's layout; with the signed-in `current` session, its
    navigation too."""
    return render(
        request,
        "error.html",
        {"message": message, "status": status, "current": current},
        status=status,
        headers=headers,
    )
