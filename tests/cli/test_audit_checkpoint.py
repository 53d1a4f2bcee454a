"""`signoff audit checkpoint` signs the chain heads; `verify --checkpoint` holds the
database to them.

The attacker here owns the database: they take the append-only triggers away, cut
events off or rewrite them, and make the stored chain head agree, so the plain chain
check passes. Only a checkpoint kept elsewhere still shows what was there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session
from typer.testing import Result

from audit_helpers import as_database_owner_without_triggers
from factories import edit, make_page, make_space, make_user
from reliability.figures import record
from signoff.db.models import AuditChainHead, AuditEvent, Page, User
from signoff.db.session import Database
from signoff.domain.audit_chain import event_hash, hashed_fields

from .support import json_out, signoff

EDITS = 12
SITE_KEY = {"SIGNOFF_SECRET_KEY": "the-site-key-of-this-install"}


@dataclass(frozen=True)
class Trail:
    chain: str
    events: int  # in the space's chain


@pytest.fixture
def trail(db: Database) -> Trail:
    """Space DOCS with a page edited often enough to cut ten events off its chain."""
    with db.write() as session:
        ann = make_user(session, "ann")
        space = make_space(session, "DOCS", admin=ann)
        page = make_page(session, space, ann)
        for number in range(2, EDITS + 2):
            edit(session, page, ann, f"<p>v{number}</p>", minutes=number)
        chain = f"space:{space.id}"
    with db.read() as session:
        events = session.scalar(select(func.count()).where(AuditEvent.chain == chain))
    assert events is not None and events > 10
    return Trail(chain, events)


def cli(
    db_url: str, tmp_path: Path, *args: str, key: dict[str, str] = SITE_KEY
) -> Result:
    return signoff(db_url, tmp_path, "audit", *args, env=key)


def take_checkpoint(db_url: str, tmp_path: Path, *args: str) -> Path:
    target = tmp_path / "checkpoint.json"
    result = cli(db_url, tmp_path, "checkpoint", "--out", str(target), *args)
    assert result.exit_code == 0, result.output
    return target


def verify(
    db_url: str, tmp_path: Path, checkpoint: Path, *args: str
) -> tuple[int, dict[str, Any]]:
    result = cli(
        db_url, tmp_path, "verify", "--checkpoint", str(checkpoint), "--json", *args
    )
    return result.exit_code, json_out(result)


def record_tampering(detected: bool) -> None:
    record("tampering attempts", 1)
    record("tampering detected", int(detected))


def add_events(db: Database, count: int) -> None:
    """More edits of the page, through the real actions."""
    with db.write() as session:
        page = session.scalars(select(Page)).one()
        ann = session.scalars(select(User).where(User.username == "ann")).one()
        for number in range(count):
            edit(session, page, ann, f"<p>later {number}</p>", minutes=100 + number)


def cut_tail(engine: Engine, chain: str, count: int) -> None:
    """Delete the newest `count` events and rewind the chain head to match."""
    with as_database_owner_without_triggers(engine) as connection:
        last = connection.scalar(
            select(func.max(AuditEvent.seq)).where(AuditEvent.chain == chain)
        )
        assert last is not None
        keep = last - count
        connection.execute(
            delete(AuditEvent).where(AuditEvent.chain == chain, AuditEvent.seq > keep)
        )
        kept_hash = connection.scalar(
            select(AuditEvent.hash).where(
                AuditEvent.chain == chain, AuditEvent.seq == keep
            )
        )
        connection.execute(
            update(AuditChainHead)
            .where(AuditChainHead.chain == chain)
            .values(seq=keep, hash=kept_hash)
        )


def rewrite_history(engine: Engine, chain: str, seq: int, text: str) -> None:
    """Change one event, then re-hash every event after it and the head: a chain
    that verifies from start to end, telling another story."""
    with (
        as_database_owner_without_triggers(engine) as connection,
        Session(bind=connection) as session,
    ):
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.chain == chain, AuditEvent.seq >= seq)
            .order_by(AuditEvent.seq)
        ).all()
        events[0].text = text
        prev_hash = events[0].prev_hash
        for event in events:
            event.prev_hash = prev_hash
            event.hash = prev_hash = event_hash(hashed_fields(event), prev_hash)
        head = session.get(AuditChainHead, chain)
        assert head is not None
        head.hash = prev_hash
        session.flush()


def plain_verify_passes(db_url: str, tmp_path: Path) -> bool:
    return cli(db_url, tmp_path, "verify").exit_code == 0


# --- issuing and checking ----------------------------------------------------------


def test_a_checkpoint_then_verify_passes(
    db_url: str, tmp_path: Path, trail: Trail
) -> None:
    checkpoint = take_checkpoint(db_url, tmp_path)

    code, report = verify(db_url, tmp_path, checkpoint)

    assert code == 0, report
    assert report["valid"] is True
    assert report["checkpoint"]["signatureValid"] is True
    assert report["checkpoint"]["valid"] is True
    heads = {head["chain"]: head for head in report["checkpoint"]["heads"]}
    assert set(heads) == {"site", trail.chain}
    assert heads[trail.chain]["space"] == "DOCS"
    assert heads[trail.chain]["found"] == heads[trail.chain]["hash"]


def test_the_checkpoint_names_each_chain_head(
    db: Database, db_url: str, tmp_path: Path, trail: Trail
) -> None:
    result = cli(db_url, tmp_path, "checkpoint", "--json")

    assert result.exit_code == 0, result.output
    document = json_out(result)
    assert set(document) == {"format", "issuedAt", "heads", "signature"}
    assert document["issuedAt"].endswith("Z")
    with db.read() as session:
        stored = {head.chain: head for head in session.scalars(select(AuditChainHead))}
    for head in document["heads"]:
        assert (head["seq"], head["hash"]) == (
            stored[head["chain"]].seq,
            stored[head["chain"]].hash,
        )
        assert head["events"] == head["seq"]
        assert head["at"].endswith("Z")
    assert [head["space"] for head in document["heads"]] == [None, "DOCS"]


def test_a_checkpoint_of_one_space_holds_only_its_chain(
    db_url: str, tmp_path: Path, trail: Trail
) -> None:
    checkpoint = take_checkpoint(db_url, tmp_path, "--space", "DOCS")

    document = json.loads(checkpoint.read_text(encoding="utf-8"))
    assert [head["chain"] for head in document["heads"]] == [trail.chain]
    assert verify(db_url, tmp_path, checkpoint)[0] == 0


def test_verify_one_space_checks_only_its_head_of_the_checkpoint(
    db_url: str, tmp_path: Path, trail: Trail
) -> None:
    checkpoint = take_checkpoint(db_url, tmp_path)

    code, report = verify(db_url, tmp_path, checkpoint, "--space", "DOCS")

    assert code == 0, report
    assert [head["chain"] for head in report["checkpoint"]["heads"]] == [trail.chain]


def test_events_written_after_the_checkpoint_still_verify(
    db: Database, db_url: str, tmp_path: Path, trail: Trail
) -> None:
    checkpoint = take_checkpoint(db_url, tmp_path)
    add_events(db, 3)

    code, report = verify(db_url, tmp_path, checkpoint)

    assert code == 0, report
    assert report["checkpoint"]["valid"] is True


def test_a_broken_chain_gets_no_checkpoint(
    db: Database, db_url: str, tmp_path: Path, trail: Trail
) -> None:
    with as_database_owner_without_triggers(db.engine) as connection:
        connection.execute(
            update(AuditEvent)
            .where(AuditEvent.chain == trail.chain, AuditEvent.seq == 2)
            .values(text="Nothing happened here.")
        )
    target = tmp_path / "checkpoint.json"

    result = cli(db_url, tmp_path, "checkpoint", "--out", str(target))
    record_tampering(result.exit_code == 1)

    assert result.exit_code == 1
    assert "BROKEN" in result.stderr
    assert "No checkpoint issued." in result.stderr
    assert not target.exists()


# --- what the checkpoint catches ---------------------------------------------------


@pytest.mark.parametrize("count", [1, 10])
def test_cutting_the_tail_behind_a_checkpoint_is_detected(
    db: Database, db_url: str, tmp_path: Path, trail: Trail, count: int
) -> None:
    checkpoint = take_checkpoint(db_url, tmp_path)
    cut_tail(db.engine, trail.chain, count)
    assert plain_verify_passes(db_url, tmp_path)  # the head was rewound to match

    code, report = verify(db_url, tmp_path, checkpoint)
    record_tampering(code == 1)

    assert code == 1
    assert report["valid"] is False
    assert report["firstBreak"] is None
    broken = [head for head in report["checkpoint"]["heads"] if not head["holds"]]
    assert broken == [
        {
            "chain": trail.chain,
            "space": "DOCS",
            "seq": trail.events,
            "hash": broken[0]["hash"],
            "found": None,
            "holds": False,
            "problem": f"no event at seq {trail.events}: "
            "the chain was cut back behind the checkpoint",
        }
    ]


@pytest.mark.parametrize("count", [1, 10])
def test_cutting_the_tail_and_writing_anew_is_detected(
    db: Database, db_url: str, tmp_path: Path, trail: Trail, count: int
) -> None:
    checkpoint = take_checkpoint(db_url, tmp_path)
    cut_tail(db.engine, trail.chain, count)
    add_events(db, count)  # the checkpointed seq exists again, with another event
    assert plain_verify_passes(db_url, tmp_path)

    code, report = verify(db_url, tmp_path, checkpoint)
    record_tampering(code == 1)

    assert code == 1
    [broken] = [head for head in report["checkpoint"]["heads"] if not head["holds"]]
    assert broken["seq"] == trail.events
    assert broken["found"] not in (None, broken["hash"])
    assert broken["problem"].endswith("history up to the checkpoint was rewritten")


def test_rewriting_history_and_rehashing_the_whole_chain_is_detected(
    db: Database, db_url: str, tmp_path: Path, trail: Trail
) -> None:
    checkpoint = take_checkpoint(db_url, tmp_path)
    rewrite_history(db.engine, trail.chain, 3, "Nothing happened here.")
    assert plain_verify_passes(db_url, tmp_path)  # consistent from end to end

    result = cli(db_url, tmp_path, "verify", "--checkpoint", str(checkpoint))
    record_tampering(result.exit_code == 1)

    assert result.exit_code == 1
    first, *rest = result.stdout.splitlines()
    assert first.startswith("OK: 2 audit chain(s)")
    assert rest == [
        f"CHECKPOINT BROKEN: chain {trail.chain} (DOCS): the event at seq "
        f"{trail.events} has another hash: history up to the checkpoint was "
        "rewritten.",
    ]


# --- the checkpoint itself ---------------------------------------------------------


def alter_hash(document: dict[str, Any]) -> None:
    head = document["heads"][-1]
    head["hash"] = ("0" if head["hash"][0] != "0" else "1") + head["hash"][1:]


def alter_seq(document: dict[str, Any]) -> None:
    document["heads"][-1]["seq"] -= 1


def alter_space(document: dict[str, Any]) -> None:
    document["heads"][-1]["space"] = "OTHER"


def alter_issued_at(document: dict[str, Any]) -> None:
    document["issuedAt"] = "2030-01-01T00:00:00Z"


def alter_event_time(document: dict[str, Any]) -> None:
    document["heads"][-1]["at"] = "2030-01-01T00:00:00Z"


def alter_signature(document: dict[str, Any]) -> None:
    document["signature"] = "ü" * 64  # not even hex: still a refusal, not a crash


@pytest.mark.parametrize(
    "alter",
    [
        alter_hash,
        alter_seq,
        alter_space,
        alter_issued_at,
        alter_event_time,
        alter_signature,
    ],
)
def test_an_altered_checkpoint_is_rejected(
    db_url: str, tmp_path: Path, trail: Trail, alter: Any
) -> None:
    checkpoint = take_checkpoint(db_url, tmp_path)
    document = json.loads(checkpoint.read_text(encoding="utf-8"))
    alter(document)
    checkpoint.write_text(json.dumps(document), encoding="utf-8")

    result = cli(db_url, tmp_path, "verify", "--checkpoint", str(checkpoint))
    record_tampering(result.exit_code == 1)

    assert result.exit_code == 1
    assert "CHECKPOINT REJECTED: its signature does not match" in result.stdout


def test_a_checkpoint_signed_with_another_site_key_is_rejected(
    db_url: str, tmp_path: Path, trail: Trail
) -> None:
    checkpoint = take_checkpoint(db_url, tmp_path)

    result = cli(
        db_url,
        tmp_path,
        "verify",
        "--checkpoint",
        str(checkpoint),
        "--json",
        key={"SIGNOFF_SECRET_KEY": "the-key-of-another-install"},
    )
    record_tampering(result.exit_code == 1)

    assert result.exit_code == 1
    report = json_out(result)
    assert report["valid"] is False
    assert report["checkpoint"] == {
        "issuedAt": report["checkpoint"]["issuedAt"],
        "signatureValid": False,
        "valid": False,
        "heads": [],
    }


def test_without_a_configured_key_the_data_dir_key_signs(
    db_url: str, tmp_path: Path, trail: Trail
) -> None:
    target = tmp_path / "checkpoint.json"
    issued = cli(db_url, tmp_path, "checkpoint", "--out", str(target), key={})

    result = cli(db_url, tmp_path, "verify", "--checkpoint", str(target), key={})

    assert issued.exit_code == 0, issued.output
    assert result.exit_code == 0, result.output
    assert (tmp_path / "secret.key").exists()


# --- bad input ---------------------------------------------------------------------


def test_a_missing_checkpoint_file_is_a_usage_error(
    sqlite_url: str, tmp_path: Path
) -> None:
    result = cli(
        sqlite_url, tmp_path, "verify", "--checkpoint", str(tmp_path / "nope.json")
    )

    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: Cannot read the checkpoint {tmp_path / 'nope.json'}: "
        "No such file or directory."
    )


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("checkpoint", "is not JSON"),
        ("", "is not JSON"),
        ("[]", "the top level is not a JSON object"),
        ('{"format": "signoff-audit-checkpoint/1"}', "missing heads, issuedAt"),
        ('{"heads": [], "issuedAt": "x", "signature": "y", "format": "v0"}', "format"),
        ("SEQ_TEXT", "heads[0].seq is not an integer"),
        ("SEQ_TRUE", "heads[0].seq is not an integer"),
        ("SEQ_FLOAT", "heads[0].seq is not an integer"),
        ("HASH_SHORT", "heads[0].hash is not a SHA-256 hex digest"),
        ("EXTRA_FIELD", "unexpected note"),
    ],
)
def test_a_file_that_is_no_checkpoint_is_a_usage_error(
    sqlite_url: str, tmp_path: Path, content: str, problem: str
) -> None:
    target = tmp_path / "checkpoint.json"
    target.write_text(malformed(content), encoding="utf-8")

    result = cli(sqlite_url, tmp_path, "verify", "--checkpoint", str(target))

    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("error: ")
    assert problem in result.stderr
    assert "Traceback" not in result.output


def malformed(content: str) -> str:
    """`content` itself, or a checkpoint whose one head has the named flaw."""
    head: dict[str, Any] = {
        "chain": "site",
        "space": None,
        "seq": 1,
        "hash": "a" * 64,
        "events": 1,
        "at": "2026-01-05T09:00:00Z",
    }
    flaws: dict[str, dict[str, Any]] = {
        "SEQ_TEXT": {"seq": "1"},
        "SEQ_TRUE": {"seq": True},
        "SEQ_FLOAT": {"seq": 1.0},
        "HASH_SHORT": {"hash": "abc"},
        "EXTRA_FIELD": {"note": "hello"},
    }
    if content not in flaws:
        return content
    document = {
        "format": "signoff-audit-checkpoint/1",
        "issuedAt": "2026-01-05T09:00:00Z",
        "heads": [{**head, **flaws[content]}],
        "signature": "0" * 64,
    }
    return json.dumps(document)


def test_a_checkpoint_without_the_space_asked_for_is_a_usage_error(
    db: Database, db_url: str, tmp_path: Path, trail: Trail
) -> None:
    with db.write() as session:
        ann = session.scalars(select(User).where(User.username == "ann")).one()
        make_space(session, "OTHER", admin=ann)
    checkpoint = take_checkpoint(db_url, tmp_path, "--space", "DOCS")

    result = cli(
        db_url, tmp_path, "verify", "--checkpoint", str(checkpoint), "--space", "OTHER"
    )

    assert result.exit_code == 2
    assert (
        result.stderr.strip() == "error: The checkpoint has no head for space 'OTHER'."
    )


def test_a_checkpoint_of_an_unknown_space_is_a_usage_error(
    db_url: str, tmp_path: Path, trail: Trail
) -> None:
    target = tmp_path / "checkpoint.json"

    result = cli(
        db_url, tmp_path, "checkpoint", "--space", "NOPE", "--out", str(target)
    )

    assert result.exit_code == 2
    assert result.stderr.strip() == "error: No space with key 'NOPE'."
    assert not target.exists()
