"""The API explorer at `/docs`: Swagger UI from the `swagger-ui-bundle-v2` package
the project installs, served from this origin under the UI's Content-Security-Policy.

Nothing comes from a CDN and nothing runs inline: the page names two files of the
package and the initialiser `static/api-docs.js`, so the explorer works on a machine
without internet and runs only code the site shipped. ReDoc is not offered.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, Response
from swagger_ui_bundle import swagger_ui_path

from signoff.web.templating import render

router = APIRouter(include_in_schema=False)

# The only files of the package that are served: the demo page, its initialiser
# (which loads a public sample API), source maps and templates stay unreachable.
ASSETS = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
}


@cache
def assets_dir() -> Path:
    return Path(str(swagger_ui_path))


@router.get("/docs")
def api_explorer(request: Request) -> Response:
    return render(
        request, "api_docs.html", {"openapi_url": request.app.openapi_url or ""}
    )


@router.get("/docs/assets/{name}")
def explorer_asset(name: str) -> Response:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise HTTPException(status_code=404)
    return FileResponse(assets_dir() / name, media_type=media_type)
