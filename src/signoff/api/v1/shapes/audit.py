"""The audit trail as `GET /api/v1/audit` answers it: events newest first, each with
the engine's integer ids, as its hash covers them.

An event's fields are those `domain.audit_chain.hashed_fields` covers (less the
chain's name and position), with its id and hash; the export formats write the same
fields (`queries.audit.export_jsonl`, `export_csv`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from signoff.api.v1.responses import AuditEventOut, AuditPage

if TYPE_CHECKING:
    from signoff.domain.audit_chain import AuditRecord


def audit_event_out(event: AuditRecord) -> AuditEventOut:
    return AuditEventOut.of(event)


def audit_page(events: Sequence[AuditRecord], next_cursor: str | None) -> AuditPage:
    return AuditPage(
        success=True,
        events=[audit_event_out(event) for event in events],
        next_cursor=next_cursor,
    )
