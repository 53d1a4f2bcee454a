"""The audit trail as `GET /api/v1/audit` answers it: events newest first, each with
the engine's integer ids, as its hash covers them, and its page as clients know it.

An event's fields are those `domain.audit_chain.hashed_fields` covers (less the
chain's name and position), with its id and hash; the export formats write the same
fields (`queries.audit.export_jsonl`, `export_csv`). A page from Confluence is shown
by its Confluence page id (`queries.audit.shown_page_ids`), as everywhere else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from signoff.api.v1.responses import AuditEventOut, AuditPage

if TYPE_CHECKING:
    from signoff.domain.audit_chain import AuditRecord
    from signoff.queries.audit import ShownPageId


def audit_event_out(
    event: AuditRecord, shown: Mapping[int, ShownPageId] | None = None
) -> AuditEventOut:
    """The event; its page as `shown` names it, where it names it."""
    out = AuditEventOut.of(event)
    page_id = event.page_id
    if shown and page_id is not None and page_id in shown:
        return out.model_copy(update={"page_id": shown[page_id]})
    return out


def audit_page(
    events: Sequence[AuditRecord],
    next_cursor: str | None,
    shown: Mapping[int, ShownPageId] | None = None,
) -> AuditPage:
    return AuditPage(
        success=True,
        events=[audit_event_out(event, shown) for event in events],
        next_cursor=next_cursor,
    )
