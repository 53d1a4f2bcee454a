"""`POST /changeSets/decide`: an approver approves or rejects every page of a change
set they hold a seat on, in one act. The handler parses, loads the set the caller may
read, calls `actions.changeset_decisions` once and renders each page's outcome.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from sqlalchemy.orm import Session

from signoff.access import access_change_set
from signoff.actions.changeset_decisions import do_decide_change_set
from signoff.api.v1.calls import ApiCall, api_call
from signoff.api.v1.responses import WRITE_ERRORS, ChangeSetDecided, documented
from signoff.api.v1.schemas import ChangeSetDecisionIn
from signoff.api.v1.shapes.changesets import change_set_decided
from signoff.auth.scopes import Scope
from signoff.db.models import User
from signoff.domain.states import DecisionKind

router = APIRouter(tags=["change sets"])

Decider = Annotated[ApiCall, Depends(api_call(Scope.decide_approval))]


@router.post(
    "/changeSets/decide",
    summary="Approve or reject every page of a change set you may decide",
    responses=documented(
        ChangeSetDecided,
        "What was decided, at which version, and what was skipped, and why.",
        WRITE_ERRORS,
    ),
)
def post_change_set_decide(body: ChangeSetDecisionIn, call: Decider) -> Response:
    def work(session: Session, actor: User) -> ChangeSetDecided:
        change_set = access_change_set(session, actor, body.change_set_id)
        return change_set_decided(
            do_decide_change_set(
                session,
                change_set,
                DecisionKind(body.decision),
                comment=body.comment,
                versions=body.versions,
                **call.by(actor),
            )
        )

    return call.write(work)
