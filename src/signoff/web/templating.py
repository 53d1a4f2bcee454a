"""Jinja2 rendering with autoescaping; the environment is built on first use."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


@cache
def templates() -> Jinja2Templates:
    return Jinja2Templates(directory=TEMPLATES_DIR)


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
) -> Response:
    return render(
        request,
        "error.html",
        {"message": message, "status": status},
        status=status,
        headers=headers,
    )
