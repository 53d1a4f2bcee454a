"""The change-set and page endpoints of `/api/v1`, as CONTRACT section 3 fixes them,
and the ad-hoc ask (`POST /pages/request-approval`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from signoff.client.connection import Connection, Json
from signoff.client.errors import ApiError

BASE = "/api/v1"


class Approvals:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def change_set(self, change_set_id: str) -> Json:
        answer = self.connection.get(
            f"{BASE}/changeSets/detail", {"changeSetId": change_set_id}
        )
        return _part(answer, "changeSet")

    def create_change_set(
        self,
        space_id: str,
        title: str,
        page_ids: list[str],
        *,
        summary: str | None = None,
        reference_url: str | None = None,
    ) -> Json:
        body: Json = {
            "spaceId": space_id,
            "title": title,
            "pageRefs": [{"pageId": page_id} for page_id in page_ids],
        }
        body.update(_given(summary=summary, referenceUrl=reference_url))
        return _part(self.connection.post(f"{BASE}/changeSets", body), "changeSet")

    def update_change_set(
        self,
        change_set_id: str,
        *,
        title: str | None = None,
        summary: str | None = None,
        reference_url: str | None = None,
        page_ids: list[str] | None = None,
    ) -> Json:
        body: Json = {"changeSetId": change_set_id}
        body.update(_given(title=title, summary=summary, referenceUrl=reference_url))
        if page_ids is not None:
            body["pageRefs"] = [{"pageId": page_id} for page_id in page_ids]
        answer = self.connection.post(f"{BASE}/changeSets/update", body)
        return _part(answer, "changeSet")

    def archive_change_set(self, change_set_id: str) -> Json:
        answer = self.connection.post(
            f"{BASE}/changeSets/archive", {"changeSetId": change_set_id}
        )
        return _part(answer, "changeSet")

    def preflight_change_set(self, change_set_id: str) -> Json:
        return self.connection.post(
            f"{BASE}/changeSets/preflight", {"changeSetId": change_set_id}
        )

    def submit_change_set(self, change_set_id: str) -> Json:
        return self.connection.post(
            f"{BASE}/changeSets/submit", {"changeSetId": change_set_id}
        )

    def decide_change_set(
        self,
        change_set_id: str,
        decision: str,
        *,
        comment: str | None = None,
        versions: dict[str, int] | None = None,
    ) -> Json:
        """Approve or reject every page of the set the caller may decide, in one
        act; `versions` names the version seen of some pages (page id: number)."""
        body: Json = {"changeSetId": change_set_id, "decision": decision}
        body.update(_given(comment=comment))
        if versions:
            body["versions"] = dict(versions)
        return self.connection.post(f"{BASE}/changeSets/decide", body)

    def page_status(self, page_id: str) -> Json:
        return self.connection.get(f"{BASE}/pages/status", {"pageId": page_id})

    def preflight_page(self, page_id: str) -> Json:
        return self.connection.post(f"{BASE}/pages/preflight", {"pageId": page_id})

    def submit_page(self, page_id: str, *, workflow_id: str | None = None) -> Json:
        body: Json = {"pageId": page_id}
        body.update(_given(workflowId=workflow_id))
        return self.connection.post(f"{BASE}/pages/submit", body)

    def submit_pages(self, page_ids: list[str], *, workflow_id: str) -> Json:
        """Each page through `POST /pages/submit` naming `workflow_id`, answered in
        the shape of `POST /changeSets/submit`: a page the server refuses (its own
        workflow is another, say) is skipped with the server's reason, and the
        rest still go."""
        results: list[Json] = []
        for page_id in page_ids:
            try:
                request = _part(
                    self.submit_page(page_id, workflow_id=workflow_id), "request"
                )
            except ApiError as error:
                if error.status not in (400, 403, 404, 409):
                    raise
                results.append(
                    {"pageId": page_id, "success": False, "reason": error.error}
                )
                continue
            results.append(
                {
                    "pageId": page_id,
                    "success": True,
                    "workflowId": request.get("workflowId"),
                    "requestId": request.get("id"),
                }
            )
        submitted = sum(1 for result in results if result["success"])
        return {
            "submittedCount": submitted,
            "skippedCount": len(results) - submitted,
            "results": results,
        }

    def request_approval(
        self,
        page_id: str,
        members: list[str],
        *,
        quorum: int = 0,
        title: str | None = None,
        expiry_date: date | None = None,
        notify_requests: bool = True,
        notify_status: bool = True,
    ) -> Json:
        """Ask `members` (account ids) to approve the page's current version, or
        change the ad-hoc request pending there; the answer carries `request` and
        `created` (False when a pending ask was changed). `quorum` 0 means every
        member must approve; the request expires after `expiry_date` (UTC)."""
        body: Json = {
            "pageId": page_id,
            "members": list(members),
            "quorum": quorum,
            "notifyRequests": notify_requests,
            "notifyStatus": notify_status,
        }
        body.update(
            _given(
                title=title,
                expiryDate=expiry_date.isoformat() if expiry_date else None,
            )
        )
        return self.connection.post(f"{BASE}/pages/request-approval", body)


def _given(**fields: Any) -> Json:
    return {name: value for name, value in fields.items() if value is not None}


def _part(answer: Json, name: str) -> Json:
    part = answer.get(name)
    return part if isinstance(part, dict) else {}
