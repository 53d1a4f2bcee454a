"""The audit hash chain: canonical JSON, event hashes, and finding any tampering.

Chains here are built the way `actions.audit` builds them: each event's fields include
its `seq`, and each hash covers the fields plus the previous event's hash.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from signoff.domain.audit_chain import (
    GENESIS,
    ChainBreak,
    ChainLink,
    canonical_json,
    event_hash,
    verify_chain,
)

# --- canonical_json -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param({"b": 1, "a": 2}, '{"a":2,"b":1}', id="keys-sorted"),
        pytest.param(
            {"z": {"y": 1, "x": [3, 2]}},
            '{"z":{"x":[3,2],"y":1}}',
            id="nested-keys-sorted-and-list-order-kept",
        ),
        pytest.param(
            {"a": [1, 2], "b": {"c": None}},
            '{"a":[1,2],"b":{"c":null}}',
            id="no-insignificant-whitespace",
        ),
        pytest.param({"text": "Größe ✓"}, '{"text":"Größe ✓"}', id="unicode-as-utf8"),
        pytest.param({"emoji": "📄"}, '{"emoji":"📄"}', id="astral-plane-as-utf8"),
        pytest.param(
            {"quote": 'say "hi"\n'}, '{"quote":"say \\"hi\\"\\n"}', id="json-escapes"
        ),
        pytest.param(
            {"t": True, "f": False, "n": 0}, '{"f":false,"n":0,"t":true}', id="literals"
        ),
    ],
)
def test_canonical_json_is_sorted_compact_utf8(
    value: Mapping[str, Any], expected: str
) -> None:
    assert canonical_json(value) == expected.encode("utf-8")


def test_canonical_json_does_not_depend_on_insertion_order() -> None:
    forwards = {"actor": 1, "action": "page.edited", "details": {"x": 1, "y": 2}}
    backwards = {"details": {"y": 2, "x": 1}, "action": "page.edited", "actor": 1}
    assert canonical_json(forwards) == canonical_json(backwards)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param({"x": math.nan}, id="nan"),
        pytest.param({"x": math.inf}, id="infinity"),
        pytest.param({"x": -math.inf}, id="minus-infinity"),
        pytest.param({"details": {"score": [1, math.nan]}}, id="nested-nan"),
    ],
)
def test_canonical_json_refuses_values_json_cannot_represent(
    value: Mapping[str, Any],
) -> None:
    with pytest.raises(ValueError, match="JSON compliant"):
        canonical_json(value)


# --- event_hash -----------------------------------------------------------------------

EVENT: dict[str, Any] = {
    "chain": "space:1",
    "seq": 3,
    "at": "2026-11-23T10:00:00Z",
    "spaceId": 1,
    "pageId": 7,
    "pageVersion": 4,
    "requestId": 12,
    "changeSetId": None,
    "actorId": 5,
    "actorName": "Ada",
    "action": "approval.decided",
    "origin": "api",
    "clientId": "pipeline",
    "text": "Ada approved 'Intro' version 4 (via API)",
    "details": {"decision": "approve", "step": "Legal"},
}
PREV = hashlib.sha256(b"previous event").hexdigest()


def test_event_hash_is_sha256_of_canonical_fields_with_the_previous_hash() -> None:
    expected = hashlib.sha256(
        ('{"a":1,"prevHash":"' + GENESIS + '"}').encode("utf-8")
    ).hexdigest()
    assert event_hash({"a": 1}, GENESIS) == expected


def test_event_hash_is_deterministic_lowercase_hex() -> None:
    digest = event_hash(EVENT, PREV)
    assert digest == event_hash(dict(reversed(EVENT.items())), PREV)
    assert len(digest) == 64
    assert set(digest) <= set("0123456789abcdef")


def test_event_hash_leaves_the_fields_untouched() -> None:
    fields = dict(EVENT)
    event_hash(fields, PREV)
    assert fields == EVENT


def test_event_hash_changes_with_the_previous_hash() -> None:
    assert event_hash(EVENT, PREV) != event_hash(EVENT, GENESIS)


CHANGED_VALUES: dict[str, Any] = {
    "chain": "space:2",
    "seq": 4,
    "at": "2026-11-23T10:00:01Z",
    "spaceId": 2,
    "pageId": 8,
    "pageVersion": 5,
    "requestId": 13,
    "changeSetId": 1,
    "actorId": 6,
    "actorName": "Ada L.",
    "action": "approval.rejected",
    "origin": "ui",
    "clientId": None,
    "text": "Ada approved 'Intro' version 4",
    "details": {"decision": "reject", "step": "Legal"},
}


@pytest.mark.parametrize("key", [pytest.param(key, id=key) for key in EVENT])
def test_event_hash_changes_with_any_field(key: str) -> None:
    assert CHANGED_VALUES.keys() == EVENT.keys()
    changed = {**EVENT, key: CHANGED_VALUES[key]}
    assert event_hash(changed, PREV) != event_hash(EVENT, PREV)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda e: {**e, "extra": None}, id="field-added"),
        pytest.param(
            lambda e: {k: v for k, v in e.items() if k != "clientId"},
            id="field-removed",
        ),
        pytest.param(lambda e: {**e, "seq": "3"}, id="number-turned-into-string"),
        pytest.param(
            lambda e: {**e, "details": {**e["details"], "comment": ""}},
            id="nested-detail-added",
        ),
    ],
)
def test_event_hash_changes_with_the_shape_of_the_fields(
    change: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    assert event_hash(change(EVENT), PREV) != event_hash(EVENT, PREV)


# --- verify_chain ---------------------------------------------------------------------


def link_for(
    event_id: int, seq: int, prev_hash: str, fields: Mapping[str, Any]
) -> ChainLink:
    fields = {**fields, "seq": seq}
    return ChainLink(event_id, seq, prev_hash, event_hash(fields, prev_hash), fields)


def build_chain(events: Sequence[Mapping[str, Any]]) -> list[ChainLink]:
    """A correctly hashed chain; event ids are 100 + seq so they differ from seqs."""
    links: list[ChainLink] = []
    prev = GENESIS
    for seq, fields in enumerate(events, start=1):
        links.append(link_for(100 + seq, seq, prev, fields))
        prev = links[-1].hash
    return links


CHAIN = build_chain(
    [
        {"action": "page.created", "text": "Intro created", "details": {}},
        {"action": "approval.submitted", "text": "Submitted", "details": {"v": 1}},
        {"action": "approval.decided", "text": "Ada approved", "details": {"v": 1}},
        {"action": "approval.approved", "text": "Approved", "details": {"v": 1}},
        {"action": "approval.stale", "text": "Stale", "details": {"v": 2}},
    ]
)
HEAD: dict[str, Any] = {"head_seq": 5, "head_hash": CHAIN[-1].hash}
FORGED = link_for(666, 3, CHAIN[1].hash, {"action": "approval.approved"})


def edited(index: int, **changes: Any) -> list[ChainLink]:
    links = list(CHAIN)
    links[index] = replace(links[index], fields={**links[index].fields, **changes})
    return links


def resealed(index: int, **changes: Any) -> list[ChainLink]:
    """Edit one event and recompute its own hash, as a careful forger would."""
    links = edited(index, **changes)
    link = links[index]
    links[index] = replace(link, hash=event_hash(link.fields, link.prev_hash))
    return links


def renumbered(links: Sequence[ChainLink]) -> list[ChainLink]:
    return [replace(link, seq=seq) for seq, link in enumerate(links, start=1)]


def swapped(first: int, second: int) -> list[ChainLink]:
    links = list(CHAIN)
    links[first], links[second] = links[second], links[first]
    return links


@pytest.mark.parametrize(
    ("links", "head", "expected"),
    [
        pytest.param(CHAIN, {}, None, id="clean-chain"),
        pytest.param(CHAIN, HEAD, None, id="clean-chain-matching-head"),
        pytest.param([], {}, None, id="empty-chain"),
        pytest.param(
            [], {"head_seq": 0, "head_hash": GENESIS}, None, id="empty-chain-at-genesis"
        ),
        pytest.param(CHAIN[:1], {}, None, id="single-event"),
    ],
)
def test_untouched_chain_verifies(
    links: Sequence[ChainLink], head: dict[str, Any], expected: None
) -> None:
    assert verify_chain(links, **head) is expected


HASH_MISMATCH = "hash does not match its content"
PREV_MISMATCH = "prevHash does not match"
HEAD_MISMATCH = "chain head does not match the last event"


@pytest.mark.parametrize(
    ("links", "head", "expected"),
    [
        pytest.param(
            edited(2, text="Bob approved"),
            HEAD,
            ChainBreak(103, 3, HASH_MISMATCH),
            id="edited-field",
        ),
        pytest.param(
            edited(0, details={"forged": True}),
            HEAD,
            ChainBreak(101, 1, HASH_MISMATCH),
            id="edited-first-event",
        ),
        pytest.param(
            edited(4, action="approval.approved"),
            HEAD,
            ChainBreak(105, 5, HASH_MISMATCH),
            id="edited-last-event",
        ),
        pytest.param(
            edited(2, seq=9),
            HEAD,
            ChainBreak(103, 3, HASH_MISMATCH),
            id="edited-hashed-seq",
        ),
        pytest.param(
            [*CHAIN[:2], replace(CHAIN[2], hash=CHAIN[1].hash), *CHAIN[3:]],
            HEAD,
            ChainBreak(103, 3, HASH_MISMATCH),
            id="edited-stored-hash",
        ),
        pytest.param(
            [replace(CHAIN[0], prev_hash=PREV), *CHAIN[1:]],
            HEAD,
            ChainBreak(101, 1, PREV_MISMATCH),
            id="first-event-does-not-follow-genesis",
        ),
        pytest.param(
            [*CHAIN[:2], *CHAIN[3:]],
            HEAD,
            ChainBreak(104, 4, "expected seq 3"),
            id="deleted-event",
        ),
        pytest.param(
            CHAIN[1:], HEAD, ChainBreak(102, 2, "expected seq 1"), id="deleted-first"
        ),
        pytest.param(
            renumbered([*CHAIN[:2], *CHAIN[3:]]),
            HEAD,
            ChainBreak(104, 3, PREV_MISMATCH),
            id="deleted-event-and-renumbered",
        ),
        pytest.param(
            [*CHAIN[:2], FORGED, *CHAIN[2:]],
            HEAD,
            ChainBreak(103, 3, "expected seq 4"),
            id="inserted-event",
        ),
        pytest.param(
            renumbered([*CHAIN[:2], FORGED, *CHAIN[2:]]),
            HEAD,
            ChainBreak(103, 4, PREV_MISMATCH),
            id="inserted-event-and-renumbered",
        ),
        pytest.param(
            swapped(1, 2),
            HEAD,
            ChainBreak(103, 3, "expected seq 2"),
            id="swapped-events",
        ),
        pytest.param(
            renumbered(swapped(1, 2)),
            HEAD,
            ChainBreak(103, 2, PREV_MISMATCH),
            id="swapped-events-and-renumbered",
        ),
        pytest.param(
            resealed(2, text="Bob approved"),
            HEAD,
            ChainBreak(104, 4, PREV_MISMATCH),
            id="recomputed-single-hash",
        ),
        pytest.param(
            resealed(4, text="Not stale"),
            HEAD,
            ChainBreak(None, 6, HEAD_MISMATCH),
            id="recomputed-hash-of-the-last-event",
        ),
        pytest.param(
            CHAIN[:3], HEAD, ChainBreak(None, 4, HEAD_MISMATCH), id="truncated-tail"
        ),
        pytest.param(
            [], HEAD, ChainBreak(None, 1, HEAD_MISMATCH), id="every-event-deleted"
        ),
        pytest.param(
            CHAIN,
            {"head_seq": 5, "head_hash": CHAIN[3].hash},
            ChainBreak(None, 6, HEAD_MISMATCH),
            id="head-hash-differs",
        ),
        pytest.param(
            CHAIN,
            {"head_seq": 4, "head_hash": CHAIN[-1].hash},
            ChainBreak(CHAIN[4].event_id, 5, "event beyond the chain head"),
            id="event-beyond-the-head",
        ),
    ],
)
def test_verify_chain_reports_the_first_broken_link(
    links: Sequence[ChainLink], head: dict[str, Any], expected: ChainBreak
) -> None:
    assert verify_chain(links, **head) == expected


def test_truncated_tail_cannot_be_seen_without_the_chain_head() -> None:
    # Why callers pass head_seq/head_hash: the remaining links are all consistent.
    assert verify_chain(CHAIN[:3]) is None


def test_verify_chain_accepts_a_one_shot_iterable() -> None:
    assert verify_chain(iter(CHAIN), **HEAD) is None


# --- properties -----------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=6,
)
EVENT_FIELDS = st.dictionaries(
    st.text(min_size=1, max_size=8).filter(lambda key: key not in {"seq", "prevHash"}),
    JSON_VALUES,
    max_size=5,
)
CHAINS = st.lists(EVENT_FIELDS, min_size=1, max_size=8).map(build_chain)
PROPERTY_SETTINGS = settings(database=None, deadline=None)


@PROPERTY_SETTINGS
@given(chain=CHAINS)
def test_any_correctly_built_chain_verifies_against_its_head(
    chain: list[ChainLink],
) -> None:
    assert verify_chain(chain, head_seq=len(chain), head_hash=chain[-1].hash) is None


@PROPERTY_SETTINGS
@given(chain=CHAINS, data=st.data())
def test_any_single_field_mutation_is_detected_at_exactly_the_mutated_seq(
    chain: list[ChainLink], data: st.DataObject
) -> None:
    target = data.draw(st.sampled_from(chain), label="target")
    key = data.draw(st.sampled_from(sorted(target.fields)), label="key")
    value = data.draw(JSON_VALUES, label="value")
    assume(canonical_json({"v": value}) != canonical_json({"v": target.fields[key]}))
    chain[target.seq - 1] = replace(target, fields={**target.fields, key: value})

    found = verify_chain(chain, head_seq=len(chain), head_hash=chain[-1].hash)

    assert found == ChainBreak(target.event_id, target.seq, HASH_MISMATCH)


@PROPERTY_SETTINGS
@given(chain=CHAINS, data=st.data())
def test_any_mutation_of_a_stored_hash_is_detected_at_exactly_that_seq(
    chain: list[ChainLink], data: st.DataObject
) -> None:
    target = data.draw(st.sampled_from(chain), label="target")
    attribute = data.draw(st.sampled_from(["prev_hash", "hash"]), label="attribute")
    forged = data.draw(st.binary(min_size=32, max_size=32).map(bytes.hex))
    assume(forged != getattr(target, attribute))
    head_hash = chain[-1].hash
    change: dict[str, Any] = {attribute: forged}
    chain[target.seq - 1] = replace(target, **change)

    found = verify_chain(chain, head_seq=len(chain), head_hash=head_hash)

    assert found is not None
    assert (found.event_id, found.seq) == (target.event_id, target.seq)


def test_an_event_appended_past_the_recorded_head_is_named() -> None:
    forged = link_for(777, 6, CHAIN[-1].hash, {"action": "approval.approved"})
    broken = verify_chain([*CHAIN, forged], **HEAD)
    assert broken == ChainBreak(777, 6, "event beyond the chain head")
