"""`signoff audit verify` finds any edit, deletion or insertion; `export` streams.

The tamper tests play an attacker with direct database access: they take away the
append-only triggers (as the database's owner can), change the `audit_events` table
with SQL, behind the actions' back, and expect the verifier to name the event where
the chain breaks.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from audit_helpers import as_database_owner_without_triggers
from factories import by, edit, later, make_page, make_space, make_user
from reliability.figures import record
from signoff.actions.spaces import do_add_member
from signoff.actions.users import do_create_user
from signoff.db.models import AuditChainHead, AuditEvent
from signoff.db.session import Database
from signoff.domain.audit_chain import event_hash, hashed_fields
from signoff.domain.states import Origin, Role

from .support import json_out, signoff


@dataclass(frozen=True)
class History:
    space_id: int
    chain: str
    event_ids: list[int]  # the space chain's events, in seq order


@pytest.fixture
def history(db: Database) -> History:
    """A space with some events, all made through the real actions."""
    with db.write() as session:
        ann = make_user(session, "ann")
        space = make_space(session, "DOCS", admin=ann)
        page = make_page(session, space, ann, title="Policy")
        edit(session, page, ann, "<p>v2</p>", minutes=5)
        edit(session, page, ann, "<p>v3</p>", minutes=10)
        space_id = space.id
    chain = f"space:{space_id}"
    with db.read() as session:
        ids = list(
            session.scalars(
                select(AuditEvent.id)
                .where(AuditEvent.chain == chain)
                .order_by(AuditEvent.seq)
            )
        )
    assert len(ids) >= 4
    return History(space_id, chain, ids)


def verify(db_url: str, tmp_path: Path, *args: str) -> tuple[int, dict[str, object]]:
    result = signoff(db_url, tmp_path, "audit", "verify", *args, "--json")
    return result.exit_code, json_out(result)


def record_tampering(detected: bool) -> None:
    """One attempt for the reliability figures, and whether the verifier caught it."""
    record("tampering attempts", 1)
    record("tampering detected", int(detected))


def test_verify_passes_on_an_untouched_trail(
    db_url: str, tmp_path: Path, history: History
) -> None:
    result = signoff(db_url, tmp_path, "audit", "verify")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("OK: 2 audit chain(s)")


def test_verify_json_reports_every_chain(
    db_url: str, tmp_path: Path, history: History
) -> None:
    code, report = verify(db_url, tmp_path)

    assert code == 0
    assert report["valid"] is True
    assert report["firstBreak"] is None
    chains = {chain["chain"]: chain for chain in report["chains"]}  # type: ignore[attr-defined]
    assert chains[history.chain]["events"] == len(history.event_ids)
    assert set(chains) == {"site", history.chain}


def test_verify_passes_on_an_empty_database(db_url: str, tmp_path: Path) -> None:
    code, report = verify(db_url, tmp_path)

    assert code == 0
    assert report == {"valid": True, "chains": [], "firstBreak": None}


def test_editing_an_event_text_breaks_the_chain_at_that_event(
    db: Database, db_url: str, tmp_path: Path, history: History
) -> None:
    target = history.event_ids[2]
    with as_database_owner_without_triggers(db.engine) as connection:
        connection.execute(
            update(AuditEvent)
            .where(AuditEvent.id == target)
            .values(text="Nothing happened here.")
        )

    code, report = verify(db_url, tmp_path)
    record_tampering(code == 1)

    assert code == 1
    assert report["valid"] is False
    assert report["firstBreak"] == {
        "chain": history.chain,
        "eventId": target,
        "seq": 3,
        "problem": "hash does not match its content",
    }


def test_editing_an_event_is_named_in_the_human_output(
    db: Database, db_url: str, tmp_path: Path, history: History
) -> None:
    target = history.event_ids[1]
    with as_database_owner_without_triggers(db.engine) as connection:
        connection.execute(
            update(AuditEvent).where(AuditEvent.id == target).values(actor_name="Eve")
        )

    result = signoff(db_url, tmp_path, "audit", "verify")
    record_tampering(result.exit_code == 1)

    assert result.exit_code == 1
    assert f"event id {target} (seq 2)" in result.stdout
    assert history.chain in result.stdout


def test_deleting_an_event_breaks_the_chain_where_it_was(
    db: Database, db_url: str, tmp_path: Path, history: History
) -> None:
    with as_database_owner_without_triggers(db.engine) as connection:
        connection.execute(
            delete(AuditEvent).where(AuditEvent.id == history.event_ids[1])
        )

    code, report = verify(db_url, tmp_path)
    record_tampering(code == 1)

    assert code == 1
    assert report["firstBreak"] == {
        "chain": history.chain,
        "eventId": history.event_ids[2],
        "seq": 3,
        "problem": "expected seq 2",
    }


def test_deleting_the_newest_event_is_caught_by_the_chain_head(
    db: Database, db_url: str, tmp_path: Path, history: History
) -> None:
    with as_database_owner_without_triggers(db.engine) as connection:
        connection.execute(
            delete(AuditEvent).where(AuditEvent.id == history.event_ids[-1])
        )

    code, report = verify(db_url, tmp_path)
    record_tampering(code == 1)

    assert code == 1
    broken = report["firstBreak"]
    assert isinstance(broken, dict)
    assert broken["chain"] == history.chain
    assert broken["problem"] == "chain head does not match the last event"


def forged_event(chain: str, seq: int, prev_hash: str, space_id: int) -> AuditEvent:
    return AuditEvent(
        chain=chain,
        seq=seq,
        prev_hash=prev_hash,
        hash="f" * 64,
        at=later(60),
        space_id=space_id,
        actor_name="Ann",
        action="approval.approved",
        origin="ui",
        text="'Policy' version 3 was approved.",
        details={},
    )


def test_inserting_a_forged_event_breaks_the_chain_at_the_forgery(
    db: Database, db_url: str, tmp_path: Path, history: History
) -> None:
    with db.read() as session:
        last = session.get(AuditEvent, history.event_ids[-1])
        assert last is not None
        seq, prev_hash = last.seq + 1, last.hash
    with db.write() as session:
        forged = forged_event(history.chain, seq, prev_hash, history.space_id)
        session.add(forged)
        session.flush()
        forged_id = forged.id

    code, report = verify(db_url, tmp_path)
    record_tampering(code == 1)

    assert code == 1
    assert report["firstBreak"] == {
        "chain": history.chain,
        "eventId": forged_id,
        "seq": seq,
        "problem": "hash does not match its content",
    }


def test_a_correctly_hashed_forgery_is_caught_by_the_chain_head(
    db: Database, db_url: str, tmp_path: Path, history: History
) -> None:
    with db.write() as session:
        last = session.get(AuditEvent, history.event_ids[-1])
        assert last is not None
        forged = forged_event(history.chain, last.seq + 1, last.hash, history.space_id)
        forged.hash = event_hash(hashed_fields(forged), forged.prev_hash)
        session.add(forged)
        session.flush()
        forged_id = forged.id

    code, report = verify(db_url, tmp_path)
    record_tampering(code == 1)

    assert code == 1
    broken = report["firstBreak"]
    assert isinstance(broken, dict)
    assert broken["chain"] == history.chain
    assert broken["problem"] == "event beyond the chain head"
    assert broken["eventId"] == forged_id


def test_verify_one_space_checks_only_its_chain(
    db: Database, db_url: str, tmp_path: Path, history: History
) -> None:
    with db.engine.begin() as connection:  # break the site chain, not the space's
        connection.execute(
            update(AuditChainHead)
            .where(AuditChainHead.chain == "site")
            .values(hash="0" * 64)
        )

    assert verify(db_url, tmp_path)[0] == 1
    code, report = verify(db_url, tmp_path, "--space", "DOCS")

    assert code == 0
    assert [chain["chain"] for chain in report["chains"]] == [history.chain]  # type: ignore[attr-defined]


def test_verify_an_unknown_space_is_a_usage_error(db_url: str, tmp_path: Path) -> None:
    result = signoff(db_url, tmp_path, "audit", "verify", "--space", "NOPE")

    assert result.exit_code == 2
    assert result.stderr.strip() == "error: No space with key 'NOPE'."


# --- export ----------------------------------------------------------------------

SPREADSHEET_FORMULAS = ["=2+3", "+1", "-1", "@SUM(A1)"]
OPERATOR = by(None, Origin.cli)


@pytest.fixture
def risky_space(db: Database) -> int:
    """A space whose people have names a spreadsheet would run as formulas."""
    with db.write() as session:
        ann = make_user(session, "ann")
        space = make_space(session, "DOCS", admin=ann)
        for index, formula in enumerate(SPREADSHEET_FORMULAS):
            author = do_create_user(
                session, f"user{index}", None, display_name=formula, **OPERATOR
            )
            do_add_member(session, space, author, Role.editor, **OPERATOR)
            make_page(session, space, author, title=f"Page {index}")
        other = make_space(session, "OTHER", admin=ann)
        make_page(session, other, ann, title="Elsewhere")
        return space.id


def test_export_csv_neutralises_cells_that_start_a_formula(
    db_url: str, tmp_path: Path, risky_space: int
) -> None:
    result = signoff(
        db_url, tmp_path, "audit", "export", "--space", "DOCS", "--format", "csv"
    )

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    created = [row for row in rows if row["action"] == "page.created"]
    assert sorted(row["actorName"] for row in created) == sorted(
        "'" + formula for formula in SPREADSHEET_FORMULAS
    )
    assert all(row["text"].startswith("'") for row in created)
    assert {row["spaceId"] for row in rows} == {str(risky_space)}
    assert [int(row["id"]) for row in rows] == sorted(int(row["id"]) for row in rows)


def test_export_jsonl_streams_one_event_per_line_of_that_space_only(
    db: Database, db_url: str, tmp_path: Path, risky_space: int
) -> None:
    result = signoff(
        db_url,
        tmp_path,
        "audit",
        "export",
        "--space",
        "DOCS",
        "--format",
        "jsonl",
        "--out",
        "-",
    )

    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    with db.read() as session:
        expected = list(
            session.scalars(
                select(AuditEvent.id)
                .where(AuditEvent.space_id == risky_space)
                .order_by(AuditEvent.id)
            )
        )
    assert [event["id"] for event in events] == expected
    assert set(events[0]) == {
        "id",
        "at",
        "spaceId",
        "pageId",
        "pageVersion",
        "requestId",
        "changeSetId",
        "actorId",
        "actorName",
        "action",
        "origin",
        "clientId",
        "text",
        "details",
        "hash",
    }
    names = {
        event["actorName"] for event in events if event["action"] == "page.created"
    }
    assert names == set(SPREADSHEET_FORMULAS)  # JSON needs no neutralising
    assert all(event["at"].endswith("Z") for event in events)


def test_export_to_a_file_reports_what_it_wrote(
    db_url: str, tmp_path: Path, risky_space: int
) -> None:
    target = tmp_path / "trail.jsonl"

    result = signoff(
        db_url,
        tmp_path,
        "audit",
        "export",
        "--space",
        "DOCS",
        "--format",
        "jsonl",
        "--out",
        str(target),
        "--json",
    )

    assert result.exit_code == 0, result.output
    summary = json_out(result)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert summary == {
        "space": "DOCS",
        "format": "jsonl",
        "events": len(lines),
        "out": str(target),
    }
    assert not list(tmp_path.glob(".*.partial"))


def test_export_of_an_unknown_space_writes_no_file(db_url: str, tmp_path: Path) -> None:
    target = tmp_path / "trail.csv"

    result = signoff(
        db_url,
        tmp_path,
        "audit",
        "export",
        "--space",
        "NOPE",
        "--format",
        "csv",
        "--out",
        str(target),
    )

    assert result.exit_code == 2
    assert "NOPE" in result.stderr
    assert not target.exists()


def test_export_rejects_an_unknown_format(db_url: str, tmp_path: Path) -> None:
    result = signoff(
        db_url, tmp_path, "audit", "export", "--space", "DOCS", "--format", "xml"
    )

    assert result.exit_code == 2
