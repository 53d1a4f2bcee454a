"""The reference product's change-set endpoints: list, detail, create, update,
archive, submit and preflight. Each handler parses, loads, acts once and renders.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from signoff.access import access_change_set, access_space
from signoff.actions.changesets import (
    check_submit_change_set,
    do_archive_change_set,
    do_create_change_set,
    do_submit_change_set,
    do_update_change_set,
)
from signoff.api.v1.calls import ApiCall, api_call
from signoff.api.v1.responses import (
    READ_ERRORS,
    WRITE_ERRORS,
    ChangeSetList,
    ChangeSetOne,
    ChangeSetPreflight,
    ChangeSetSubmitted,
    documented,
)
from signoff.api.v1.schemas import (
    ChangeSetCreate,
    ChangeSetRef,
    ChangeSetUpdate,
    ObjectId,
)
from signoff.api.v1.shapes.changesets import (
    change_set_list,
    change_set_one,
    change_set_preflight,
    change_set_submitted,
)
from signoff.auth.scopes import Scope
from signoff.db.models import ChangeSet, User
from signoff.queries.changesets import (
    change_set_detail,
    change_set_page_ids,
    list_change_sets,
)

router = APIRouter(tags=["change sets"])

Reader = Annotated[ApiCall, Depends(api_call(Scope.read_change_set))]
Writer = Annotated[ApiCall, Depends(api_call(Scope.write_change_set))]


def _detail(session: Session, change_set: ChangeSet) -> ChangeSetOne:
    return change_set_one(change_set_detail(session, change_set))


@router.get(
    "/changeSets",
    summary="List the change sets of a space",
    responses=documented(
        ChangeSetList, "The space's change sets, newest first.", READ_ERRORS
    ),
)
def get_change_sets(
    call: Reader, space_id: Annotated[ObjectId, Query(alias="spaceId")]
) -> Response:
    def work(session: Session, actor: User) -> ChangeSetList:
        space = access_space(session, actor, space_id)
        return change_set_list(list_change_sets(session, space.id))

    return call.read(work)


@router.get(
    "/changeSets/detail",
    summary="A change set with each page's approval",
    responses=documented(
        ChangeSetOne, "The change set, page refs enriched.", READ_ERRORS
    ),
)
def get_change_set_detail(
    call: Reader, change_set_id: Annotated[ObjectId, Query(alias="changeSetId")]
) -> Response:
    return call.read(
        lambda s, actor: _detail(s, access_change_set(s, actor, change_set_id))
    )


@router.post(
    "/changeSets",
    summary="Create a change set",
    responses=documented(ChangeSetOne, "The new change set.", WRITE_ERRORS),
)
def post_change_set(body: ChangeSetCreate, call: Writer) -> Response:
    def work(session: Session, actor: User) -> ChangeSetOne:
        space = access_space(session, actor, body.space_id)
        change_set = do_create_change_set(
            session,
            space,
            title=body.title,
            summary=body.summary,
            reference_url=body.reference_url,
            page_ids=[ref.page_id for ref in body.page_refs],
            **call.by(actor),
        )
        return _detail(session, change_set)

    return call.write(work)


@router.post(
    "/changeSets/update",
    summary="Change a change set's context or pages",
    responses=documented(ChangeSetOne, "The change set as updated.", WRITE_ERRORS),
)
def post_change_set_update(body: ChangeSetUpdate, call: Writer) -> Response:
    given = body.model_fields_set

    def work(session: Session, actor: User) -> ChangeSetOne:
        change_set = access_change_set(session, actor, body.change_set_id)
        options: dict[str, Any] = {}
        if "reference_url" in given:
            options["reference_url"] = body.reference_url
        do_update_change_set(
            session,
            change_set,
            title=body.title,
            summary=body.summary,
            page_ids=(
                [r.page_id for r in body.page_refs]
                if body.page_refs is not None
                else None
            ),
            **options,
            **call.by(actor),
        )
        return _detail(session, change_set)

    return call.write(work)


@router.post(
    "/changeSets/archive",
    summary="Archive a change set (read-only after)",
    responses=documented(ChangeSetOne, "The archived change set.", WRITE_ERRORS),
)
def post_change_set_archive(body: ChangeSetRef, call: Writer) -> Response:
    def work(session: Session, actor: User) -> ChangeSetOne:
        change_set = access_change_set(session, actor, body.change_set_id)
        do_archive_change_set(session, change_set, **call.by(actor))
        return _detail(session, change_set)

    return call.write(work)


@router.post(
    "/changeSets/submit",
    summary="Submit every page of a change set",
    responses=documented(
        ChangeSetSubmitted,
        "What was submitted and what was skipped, and why.",
        WRITE_ERRORS,
    ),
)
def post_change_set_submit(
    body: ChangeSetRef, call: Writer, request: Request
) -> Response:
    call.refresh_first(
        request,
        lambda s, actor: change_set_page_ids(
            s, access_change_set(s, actor, body.change_set_id).id
        ),
    )

    def work(session: Session, actor: User) -> ChangeSetSubmitted:
        change_set = access_change_set(session, actor, body.change_set_id)
        return change_set_submitted(
            do_submit_change_set(session, change_set, **call.by(actor))
        )

    return call.write(work)


@router.post(
    "/changeSets/preflight",
    summary="Which pages of a change set could be submitted now; writes nothing",
    responses=documented(
        ChangeSetPreflight, "Each page's verdict.", (400, 401, 403, 404, 413, 429)
    ),
)
def post_change_set_preflight(
    body: ChangeSetRef,
    call: Annotated[ApiCall, Depends(api_call(Scope.read_change_set))],
) -> Response:
    def work(session: Session, actor: User) -> ChangeSetPreflight:
        change_set = access_change_set(session, actor, body.change_set_id)
        return change_set_preflight(
            check_submit_change_set(session, change_set, actor=actor)
        )

    return call.read(work)
