"""The approval queue as `GET /api/v1/queue` answers it: one cursor page of requests
and the counts of the queue's tabs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from signoff.api.v1.responses import QueueCounts, QueueItem, QueuePage

if TYPE_CHECKING:
    from signoff.queries import queue


def queue_item_out(item: queue.QueueItem) -> QueueItem:
    return QueueItem.of(item)


def queue_page(
    items: Sequence[queue.QueueItem],
    next_cursor: str | None,
    counts: Mapping[str, int],
) -> QueuePage:
    """`counts` as `queries.queue.queue_counts` gives them, by tab."""
    return QueuePage(
        success=True,
        items=[queue_item_out(item) for item in items],
        next_cursor=next_cursor,
        counts=QueueCounts.of(counts),
    )
