"""Labels on a Confluence page: read through REST v2, written through v1.

v2 lists a page's labels but cannot add or remove one, so writes go to v1
(`POST /rest/api/content/{id}/label`, `DELETE /rest/api/content/{id}/label/{name}`;
the names Signoff manages are plain words, so the path form names them exactly).
`set_labels` changes only the labels it is told it manages, and only those that
differ, so people's own labels stay and a write sent twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import quote

from signoff.connectors.confluence.errors import ConfluenceError
from signoff.connectors.confluence.http import ConfluenceHttp

V1 = "/rest/api"
V2 = "/api/v2"


def page_labels(http: ConfluenceHttp, page_id: str) -> set[str]:
    """The names of the page's labels (Confluence keeps them lower case)."""
    return {
        str(label.get("name", "")).lower()
        for label in http.walk(f"{V2}/pages/{page_id}/labels")
    }


def set_labels(
    http: ConfluenceHttp,
    page_id: str,
    wanted: Collection[str],
    *,
    managed: Collection[str],
) -> None:
    """Of the `managed` labels, the page ends with exactly those `wanted`."""
    if not set(wanted) <= set(managed):
        raise ValueError("only managed labels can be wanted")
    present = page_labels(http, page_id) & set(managed)
    adding = sorted(set(wanted) - present)
    if adding:
        http.post(
            f"{V1}/content/{page_id}/label",
            [{"prefix": "global", "name": name} for name in adding],
        )
    for name in sorted(present - set(wanted)):
        try:
            http.delete(f"{V1}/content/{page_id}/label/{quote(name, safe='')}")
        except ConfluenceError as error:
            if error.status != 404:  # removed meanwhile: as good
                raise
