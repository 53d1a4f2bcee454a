"""A page's approval as `/api/v1/pages/*` answer it: status, submission, preflight.

The status is `queries.status.PageStatus` as it stands, its review included; a
submission answers with the new review alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from signoff.api.v1.responses import (
    ClaimOut,
    PagePreflight,
    PageStatus,
    PageSubmitted,
    RequestOut,
    SourceOut,
)

if TYPE_CHECKING:
    from signoff.db.models import Workflow
    from signoff.domain.preflight import Verdict
    from signoff.queries import status
    from signoff.queries.claims import ClaimView
    from signoff.queries.page_sources import SourceLink


def page_status_out(
    view: status.PageStatus,
    source: SourceLink | None = None,
    claim: ClaimView | None = None,
) -> PageStatus:
    """The status; `source` says where a page kept outside Signoff lives, and as of
    which pass Signoff knows it; `claim` is the live claim on its pending review."""
    return PageStatus(
        success=True,
        public_id=view.public_id,
        title=view.title,
        current_page_version=view.current_page_version,
        approval_status=view.approval_status,
        approved_at_version=view.approved_at_version,
        is_stale=view.is_stale,
        version_delta=view.version_delta,
        request=RequestOut.of(view.request) if view.request is not None else None,
        source=SourceOut(
            system=source.name.lower(), url=source.url, synced_at=source.synced_at
        )
        if source is not None
        else None,
        claim=ClaimOut.of(claim) if claim is not None else None,
        rereview_due_at=view.rereview_due_at,
    )


def page_submitted(view: status.PageStatus) -> PageSubmitted:
    """The review a submission opened: the page's latest, which it always has."""
    assert view.request is not None, "a submitted page has a latest request"
    return PageSubmitted(success=True, request=RequestOut.of(view.request))


def page_preflight(verdict: Verdict, workflow: Workflow | None) -> PagePreflight:
    """The verdict; `workflowId` when a workflow would run, `reason` when it is no."""
    return PagePreflight(
        success=True,
        can_submit=verdict.can_submit,
        workflow_id=workflow.id if workflow is not None else None,
        reason=verdict.reason,
    )
