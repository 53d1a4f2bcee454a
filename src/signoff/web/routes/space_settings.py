"""A space's settings, for its admins: `POST /spaces/{key}/settings/adhoc-approvals`.

The space page shows the form to space admins (`ADHOC_CHOICES` gives each value its
words); the write is `actions.adhoc.do_set_adhoc_mode`, the same the REST API's
`POST /spaces/settings` calls, which refuses anyone below space admin (audited).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from signoff.access import access_space_by_key
from signoff.actions.acting import Acting
from signoff.actions.adhoc import do_set_adhoc_mode
from signoff.actions.unit import unit_of_work
from signoff.db.models import User
from signoff.db.session import Database
from signoff.domain.adhoc import AdhocMode
from signoff.domain.errors import BadInput
from signoff.domain.states import Origin
from signoff.web import context
from signoff.web.forms import first
from signoff.web.require_session import signed_in_form

router = APIRouter(include_in_schema=False)

# (value, label, one sentence of help), in the order the form lists them.
ADHOC_CHOICES: tuple[tuple[str, str, str], ...] = (
    (
        AdhocMode.off.value,
        "Off",
        "Every review runs under a workflow a space admin defined.",
    ),
    (
        AdhocMode.unassigned.value,
        "Pages without a workflow",
        "Editors may ask named people to approve a page no workflow governs.",
    ),
    (
        AdhocMode.any.value,
        "Any page",
        "Editors may ask on every page; where a workflow governs it, its steps "
        "run first and the people asked approve last.",
    ),
)


def adhoc_mode(value: str) -> AdhocMode:
    if value not in AdhocMode.__members__:
        raise BadInput("Choose where ad-hoc approvals are allowed.")
    return AdhocMode(value)


@router.post("/spaces/{key}/settings/adhoc-approvals")
async def set_adhoc_approvals(request: Request, key: str) -> Response:
    posted = await signed_in_form(request)
    if isinstance(posted, Response):
        return posted
    current, form = posted
    mode = adhoc_mode(first(form, "adhoc_approvals"))
    await run_in_threadpool(
        save_mode,
        context.database(request),
        current.user_id,
        key,
        mode,
        context.now(request),
    )
    return RedirectResponse(f"/spaces/{key}", status_code=303)


def save_mode(
    db: Database, user_id: int, key: str, mode: AdhocMode, now: datetime
) -> None:
    with unit_of_work(db, origin=Origin.ui) as session:
        user = session.get(User, user_id)
        space = access_space_by_key(session, user, key)
        assert user is not None
        do_set_adhoc_mode(session, space, mode, by=Acting(user, Origin.ui, None, now))
