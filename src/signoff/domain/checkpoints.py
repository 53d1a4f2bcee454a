"""Signed checkpoints of the audit chains: what a chain's head was, and when.

A checkpoint names, for each chain, the seq and hash of its newest event, signed with
HMAC-SHA256 under the site key over canonical JSON. Kept off the machine, it catches
what the chain alone cannot: a tail cut off behind it, or history up to it rewritten
and re-hashed consistently, because the event at that seq must still carry that hash.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from signoff.domain.audit_chain import canonical_json
from signoff.domain.errors import BadInput

FORMAT = "signoff-audit-checkpoint/1"
# Signing a purpose-tagged message keeps these signatures apart from anything else
# the site key signs.
PURPOSE = b"signoff-audit-checkpoint:"
HEX_HASH = re.compile(r"[0-9a-f]{64}")
HEAD_FIELDS = {"chain", "space", "seq", "hash", "events", "at"}
DOCUMENT_FIELDS = {"format", "issuedAt", "heads", "signature"}


@dataclass(frozen=True)
class ChainHead:
    """One chain's newest event: `at` is its time, `events` the chain's length."""

    chain: str
    space: str | None
    seq: int
    hash: str
    events: int
    at: str


@dataclass(frozen=True)
class Checkpoint:
    issued_at: str
    heads: tuple[ChainHead, ...]


@dataclass(frozen=True)
class HeadCheck:
    """A checkpointed head against the chain today: `found` is the hash now at its
    seq (None when no event has that seq any more)."""

    head: ChainHead
    found: str | None

    @property
    def holds(self) -> bool:
        return self.found == self.head.hash

    @property
    def problem(self) -> str | None:
        if self.found is None:
            return (
                f"no event at seq {self.head.seq}: "
                "the chain was cut back behind the checkpoint"
            )
        if not self.holds:
            return (
                f"the event at seq {self.head.seq} has another hash: "
                "history up to the checkpoint was rewritten"
            )
        return None


@dataclass(frozen=True)
class CheckpointVerdict:
    """A checkpoint checked against the chains; `checks` is None when its signature
    failed, since an unsigned claim proves nothing either way."""

    checkpoint: Checkpoint
    checks: tuple[HeadCheck, ...] | None

    @property
    def holds(self) -> bool:
        return self.checks is not None and all(check.holds for check in self.checks)


def checkpoint_body(checkpoint: Checkpoint) -> dict[str, Any]:
    """Everything the signature covers, in the document's camelCase shape."""
    return {
        "format": FORMAT,
        "issuedAt": checkpoint.issued_at,
        "heads": [
            {
                "chain": head.chain,
                "space": head.space,
                "seq": head.seq,
                "hash": head.hash,
                "events": head.events,
                "at": head.at,
            }
            for head in checkpoint.heads
        ],
    }


def signature(checkpoint: Checkpoint, key: str) -> str:
    message = PURPOSE + canonical_json(checkpoint_body(checkpoint))
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signed_document(checkpoint: Checkpoint, key: str) -> dict[str, Any]:
    """The checkpoint as it is written out: its body plus the signature."""
    return {**checkpoint_body(checkpoint), "signature": signature(checkpoint, key)}


def signature_holds(checkpoint: Checkpoint, claimed: str, key: str) -> bool:
    # Bytes, not str: compare_digest refuses non-ASCII text, and the claim is input.
    expected = signature(checkpoint, key).encode("ascii")
    return hmac.compare_digest(expected, claimed.encode("utf-8"))


def parse_document(document: object) -> tuple[Checkpoint, str]:
    """The checkpoint and its claimed signature, or BadInput naming what is wrong.

    The shape is exact (no missing or extra fields, integers as integers), so the body
    rebuilt here is byte for byte the body that was signed.
    """
    document = _object(document, DOCUMENT_FIELDS, "the top level")
    if document["format"] != FORMAT:
        raise _bad(f"format is not {FORMAT!r}")
    heads = document["heads"]
    if not isinstance(heads, list):
        raise _bad("heads is not a list")
    return Checkpoint(
        issued_at=_text(document["issuedAt"], "issuedAt"),
        heads=tuple(_head(head, index) for index, head in enumerate(heads)),
    ), _text(document["signature"], "signature")


def compare_heads(
    heads: Sequence[ChainHead], found: Mapping[tuple[str, int], str]
) -> list[HeadCheck]:
    """Each head against `found`: the hash stored today at each (chain, seq)."""
    return [HeadCheck(head, found.get((head.chain, head.seq))) for head in heads]


def _head(value: object, index: int) -> ChainHead:
    where = f"heads[{index}]"
    head = _object(value, HEAD_FIELDS, where)
    space = head["space"]
    if space is not None and not isinstance(space, str):
        raise _bad(f"{where}.space is neither text nor null")
    digest = _text(head["hash"], f"{where}.hash")
    if not HEX_HASH.fullmatch(digest):
        raise _bad(f"{where}.hash is not a SHA-256 hex digest")
    return ChainHead(
        chain=_text(head["chain"], f"{where}.chain"),
        space=space,
        seq=_count(head["seq"], f"{where}.seq", least=1),
        hash=digest,
        events=_count(head["events"], f"{where}.events", least=0),
        at=_text(head["at"], f"{where}.at"),
    )


def _object(value: object, fields: set[str], where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(f"{where} is not a JSON object")
    if set(value) != fields:
        missing, extra = sorted(fields - set(value)), sorted(set(value) - fields)
        detail = "; ".join(
            part
            for part in (
                f"missing {', '.join(missing)}" if missing else "",
                f"unexpected {', '.join(extra)}" if extra else "",
            )
            if part
        )
        raise _bad(f"{where} has the wrong fields ({detail})")
    return value


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise _bad(f"{where} is not a non-empty string")
    return value


def _count(value: object, where: str, *, least: int) -> int:
    # bool is an int in Python, but `true` is no seq.
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise _bad(f"{where} is not an integer of at least {least}")
    return value


def _bad(problem: str) -> BadInput:
    return BadInput(f"Not a Signoff audit checkpoint: {problem}.", field="checkpoint")
