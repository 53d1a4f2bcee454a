"""Reading a change set's preflight: a page already approved is nothing to do.

The server's preflight counts a page approved at its current version among the
blocked ones (it cannot be submitted again). For a pipeline that page is done, not a
failure, so the client marks it from the change set's own page states, which say
so as a fact rather than as reason text meant for people.
"""

from __future__ import annotations

from signoff.client.approvals import Approvals
from signoff.client.connection import Json


def read_preflight(approvals: Approvals, change_set_id: str) -> Json:
    """The server's preflight answer, every field as it came, plus
    `alreadyApproved: true` on each blocked page approved at its current version and
    their number in `summary.alreadyApproved`."""
    answer = approvals.preflight_change_set(change_set_id)
    done = approved_page_ids(approvals.change_set(change_set_id))
    results = []
    for result in answer.get("results") or []:
        if not result.get("canSubmit") and str(result.get("pageId")) in done:
            result = {**result, "alreadyApproved": True}
        results.append(result)
    summary = dict(answer.get("summary") or {})
    summary["alreadyApproved"] = sum(1 for r in results if r.get("alreadyApproved"))
    return {**answer, "summary": summary, "results": results}


def approved_page_ids(change_set: Json) -> set[str]:
    """Pages of the set whose approval covers the version they are at now."""
    return {
        str(ref.get("pageId"))
        for ref in change_set.get("pageRefs") or []
        if ref.get("approvalStatus") == "approved"
        and not ref.get("isStale")
        and ref.get("approvedAtVersion") == ref.get("currentPageVersion")
    }


def still_blocked(preflight: Json) -> int:
    """Pages that cannot be submitted and are not already approved."""
    summary = preflight.get("summary") or {}
    return int(summary.get("blocked") or 0) - int(summary.get("alreadyApproved") or 0)
