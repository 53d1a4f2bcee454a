"""`signoff sync`: a folder of Markdown and HTML files kept as pages, over HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from factories import make_workflow, step
from signoff.db.models import Space, User

from .conftest import Site, json_out, one_error_line, signoff

MAPPING = ".signoff.json"


def write_docs(folder: Path, count: int = 20) -> None:
    """`count` Markdown files: front matter, a table, some in a sub-folder."""
    for n in range(count):
        where = folder / ("guide" if n % 4 == 0 else "") / f"doc-{n:02d}.md"
        where.parent.mkdir(parents=True, exist_ok=True)
        front = f"---\ntitle: Document {n}\n---\n" if n % 2 == 0 else ""
        heading = "" if front else f"# Document {n}\n\n"
        where.write_text(
            f"{front}{heading}Text of *document* {n}.\n\n"
            "| key | value |\n| --- | :---: |\n| n | " + str(n) + " |\n",
            encoding="utf-8",
        )


def sync(site: Site, folder: Path, *extra: str) -> dict[str, Any]:
    result = signoff(site, "sync", str(folder), "--space", site.space_key, *extra)
    assert result.exit_code == 0, result.output
    return json_out(result)


def test_twenty_files_become_twenty_pages_then_three_edits_three_versions(
    site: Site, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    write_docs(docs)

    first = sync(
        site,
        docs,
        "--title",
        "Docs for PR 7",
        "--reference-url",
        "https://git.example.com/pr/7",
        "--submit",
        "--json",
    )

    assert (first["create"], first["update"], first["unchanged"]) == (20, 0, 0)
    pages = site.pages()
    assert sorted(pages) == sorted(f"Document {n}" for n in range(20))
    assert {page["version"]["number"] for page in pages.values()} == {1}
    change_set = first["changeSet"]
    assert isinstance(change_set, dict)
    assert change_set["title"] == "Docs for PR 7"
    assert change_set["referenceUrl"] == "https://git.example.com/pr/7"
    assert len(change_set["pageRefs"]) == 20
    assert first["preflight"] == {
        "summary": {"total": 20, "submittable": 20, "blocked": 0},
        "results": first["preflight"]["results"],
    }
    assert first["submit"]["submittedCount"] == 20
    mapping = json.loads((docs / MAPPING).read_text())
    entries = mapping["spaces"][site.space_key]["pages"]
    assert len(entries) == 20
    assert entries["guide/doc-00.md"]["pageId"] == pages["Document 0"]["id"]

    for n in (1, 8, 13):
        path = docs / ("guide" if n % 4 == 0 else "") / f"doc-{n:02d}.md"
        path.write_text(path.read_text() + "\nOne more paragraph.\n")
    second = sync(site, docs, "--json")

    assert (second["create"], second["update"], second["unchanged"]) == (0, 3, 17)
    versions = {
        title: page["version"]["number"] for title, page in site.pages().items()
    }
    assert sorted(t for t, v in versions.items() if v == 2) == [
        "Document 1",
        "Document 13",
        "Document 8",
    ]
    assert sum(1 for v in versions.values() if v == 1) == 17
    refs = second["changeSet"]["pageRefs"]
    assert sorted(ref["title"] for ref in refs) == [
        "Document 1",
        "Document 13",
        "Document 8",
    ]
    assert second["changeSet"]["id"] != change_set["id"]
    assert second["submit"] is None

    third = sync(site, docs, "--json")
    assert (third["create"], third["update"], third["unchanged"]) == (0, 0, 20)
    assert third["changeSet"] is None
    assert versions == {t: p["version"]["number"] for t, p in site.pages().items()}

    human = signoff(site, "sync", str(docs), "--space", site.space_key)
    assert human.exit_code == 0, human.output
    assert "Nothing changed, so no change set." in human.stdout
    assert "Comparing files: 20/20" in human.stderr  # progress, in a log


def test_dry_run_reads_but_writes_nothing(site: Site, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write_docs(docs, count=3)

    planned = sync(site, docs, "--dry-run", "--json")

    assert planned["dryRun"] is True
    assert [page["action"] for page in planned["pages"]] == ["create"] * 3
    assert site.pages() == {}
    assert not (docs / MAPPING).exists()
    change_sets = site.get("bob", "/api/v1/changeSets", spaceId=site.space_id)
    assert change_sets["changeSets"] == []

    sync(site, docs, "--json")
    before_mapping = (docs / MAPPING).read_bytes()
    before_pages = site.pages()
    (docs / "doc-01.md").write_text("# Document 1\n\nRewritten.\n")
    human = signoff(site, "sync", str(docs), "--space", site.space_key, "--dry-run")

    assert human.exit_code == 0, human.output
    assert "dry run" in human.stdout
    assert "Would create 0 page(s), update 1, leave 2 unchanged" in human.stdout
    assert site.pages() == before_pages
    assert (docs / MAPPING).read_bytes() == before_mapping
    change_sets = site.get("bob", "/api/v1/changeSets", spaceId=site.space_id)
    assert len(change_sets["changeSets"]) == 1


def test_content_the_store_sanitises_is_still_seen_as_unchanged(
    site: Site, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "styled.md").write_text(
        "# Styled\n\nA line  \nbreak.\n\n| a | b |\n| :-: | --: |\n| 1 | 2 |\n\n"
        "```python\nprint(1 < 2)\n```\n\n<script>alert(1)</script>\n"
    )
    (docs / "page.html").write_text(
        "---\ntitle: Raw HTML\nid: raw-html\n---\n"
        '<h1 class="x">Raw</h1><p style="color:red">Kept <a href="https://e.example">'
        "link</a><br/>and <b>bold</b>.</p>\n"
    )
    first = sync(site, docs, "--json")
    assert (first["create"], first["update"]) == (2, 0)
    stored = site.get(
        "bob",
        f"/wiki/api/v2/pages/{site.pages()['Styled']['id']}",
        **{"body-format": "storage"},
    )
    assert "<script" not in stored["body"]["storage"]["value"]  # the store cleaned it

    assert sync(site, docs, "--json")["changeSet"] is None

    # Without the mapping file, pages are found by title and compared leniently.
    (docs / MAPPING).unlink()
    again = sync(site, docs, "--json")
    assert (again["create"], again["update"], again["unchanged"]) == (0, 0, 2)
    assert again["changeSet"] is None
    assert {p["version"]["number"] for p in site.pages().values()} == {1}
    assert (docs / MAPPING).exists()

    # A stable front-matter id follows the file when it moves.
    (docs / "moved").mkdir()
    (docs / "page.html").rename(docs / "moved" / "renamed.html")
    moved = sync(site, docs, "--json")
    assert (moved["create"], moved["update"], moved["unchanged"]) == (0, 0, 2)


def test_a_page_edited_on_the_server_is_restored_from_its_file(
    site: Site, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    write_docs(docs, count=2)
    sync(site, docs, "--json")
    page = site.pages()["Document 0"]
    with site.http("alice") as client:
        edited = client.put(
            f"/wiki/api/v2/pages/{page['id']}",
            json={
                "version": {"number": 2},
                "body": {"representation": "storage", "value": "<p>by hand</p>"},
            },
        )
    assert edited.status_code == 200, edited.text

    restored = sync(site, docs, "--json")

    assert (restored["update"], restored["unchanged"]) == (1, 1)
    assert site.pages()["Document 0"]["version"]["number"] == 3


def test_pages_written_by_a_cut_short_sync_are_gathered_by_the_next(
    site: Site, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    write_docs(docs, count=2)
    pages_only = site.token("bob", "read:page", "write:page", "read:change-set")

    cut_short = signoff(
        site, "sync", str(docs), "--space", site.space_key, "--token", pages_only
    )

    assert cut_short.exit_code == 1
    assert one_error_line(cut_short).endswith("(HTTP 403)")
    assert len(site.pages()) == 2  # written before the change set was refused
    entries = json.loads((docs / MAPPING).read_text())["spaces"]["DOCS"]["pages"]
    assert [entry["ungathered"] for entry in entries.values()] == [True, True]

    planned = sync(site, docs, "--dry-run", "--json")
    assert [p["gathered"] for p in planned["pages"]] == [True, True]
    resumed = sync(site, docs, "--json")
    assert (resumed["create"], resumed["update"], resumed["unchanged"]) == (0, 0, 2)
    assert len(resumed["changeSet"]["pageRefs"]) == 2
    assert {p["version"]["number"] for p in site.pages().values()} == {1}
    entries = json.loads((docs / MAPPING).read_text())["spaces"]["DOCS"]["pages"]
    assert all("ungathered" not in entry for entry in entries.values())
    assert sync(site, docs, "--json")["changeSet"] is None


def test_human_output_shows_the_pages_and_the_change_set(
    site: Site, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    write_docs(docs, count=2)

    result = signoff(
        site, "sync", str(docs), "--space", site.space_key, "--title", "Two docs"
    )

    assert result.exit_code == 0, result.output
    assert "Created 2 page(s), updated 0, 0 unchanged." in result.stdout
    assert "Two docs" in result.stdout
    assert "Preflight: 2 of 2 page(s) can be submitted, 0 blocked." in result.stdout


def test_a_blocked_page_makes_sync_exit_1(site: Site, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write_docs(docs, count=2)
    sync(site, docs, "--submit", "--json")
    # With the space's only workflow deactivated, a changed page has none.
    (docs / "doc-01.md").write_text("# Document 1\n\nNew text.\n")
    with site.http("alice") as client:
        client.post(
            "/api/v1/workflows/deactivate", json={"workflowId": "1"}
        ).raise_for_status()

    result = signoff(
        site, "sync", str(docs), "--space", site.space_key, "--submit", "--json"
    )

    assert result.exit_code == 1, result.output
    printed = json_out(result)
    assert printed["update"] == 1
    assert printed["preflight"]["summary"]["blocked"] == 1
    assert printed["submit"]["submittedCount"] == 0


def test_bad_folders_and_files_are_usage_errors(site: Site, tmp_path: Path) -> None:
    missing = signoff(site, "sync", str(tmp_path / "nope"), "--space", "DOCS")
    assert missing.exit_code == 2
    assert "is not a folder" in one_error_line(missing)

    a_file = tmp_path / "file.md"
    a_file.write_text("# x\n")
    assert signoff(site, "sync", str(a_file), "--space", "DOCS").exit_code == 2

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "bad.md").write_text("---\ntitle: [unclosed\n---\nText\n")
    bad = signoff(site, "sync", str(docs), "--space", site.space_key)
    assert bad.exit_code == 2
    assert "bad.md: bad front matter" in one_error_line(bad)

    (docs / "bad.md").write_text("# Same\n")
    (docs / "other.md").write_text("---\ntitle: Same\n---\nText\n")
    clash = signoff(site, "sync", str(docs), "--space", site.space_key)
    assert clash.exit_code == 2
    assert "the same title 'Same'" in one_error_line(clash)
    assert site.pages() == {}

    (tmp_path / "empty").mkdir()
    unknown = signoff(site, "sync", str(tmp_path / "empty"), "--space", "NOPE")
    assert unknown.exit_code == 1
    assert "No space with key 'NOPE'" in one_error_line(unknown)


def test_submit_sends_unchanged_pages_that_were_never_submitted(
    site: Site, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    write_docs(docs, count=3)
    sync(site, docs, "--json")  # written, gathered, but not submitted
    pages = site.pages()
    approved = pages["Document 0"]["id"]
    assert signoff(site, "page", "submit", approved).exit_code == 0
    answer = site.post(
        "carol", "/api/v1/pages/approve", {"pageId": approved, "version": 1}
    )
    assert answer.status_code == 200, answer.text

    again = sync(site, docs, "--submit", "--json")

    assert (again["create"], again["update"], again["unchanged"]) == (0, 0, 3)
    assert again["submit"]["submittedCount"] == 2
    assert again["submit"]["skippedCount"] == 0
    refs = sorted(ref["title"] for ref in again["changeSet"]["pageRefs"])
    assert refs == ["Document 1", "Document 2"]
    statuses = {
        title: site.get("bob", "/api/v1/pages/status", pageId=page["id"])
        for title, page in pages.items()
    }
    assert {t: s["approvalStatus"] for t, s in statuses.items()} == {
        "Document 0": "approved",
        "Document 1": "pending",
        "Document 2": "pending",
    }

    # Everything approved or pending now: nothing to submit, no change set.
    settled = sync(site, docs, "--submit", "--json")
    assert settled["changeSet"] is None
    assert settled["submit"] is None


def test_submit_passes_workflow_on_and_the_server_keeps_a_page_s_own(
    site: Site, tmp_path: Path
) -> None:
    with site.app.state.db.write() as s:
        space = s.get(Space, int(site.space_id))
        alice, carol = (
            s.scalars(select(User).where(User.username == name)).one()
            for name in ("alice", "carol")
        )
        assert space is not None
        legal = str(make_workflow(s, space, alice, [step(carol)], name="Legal").id)
    docs = tmp_path / "docs"
    write_docs(docs, count=2)

    # The space default governs both pages: another workflow cannot be chosen.
    refused = signoff(
        site, "sync", str(docs), "--space", site.space_key,
        "--submit", "--workflow", legal, "--json",
    )  # fmt: skip

    assert refused.exit_code == 1, refused.output
    printed = json_out(refused)
    assert printed["submit"]["submittedCount"] == 0
    assert all(
        "Another workflow cannot be chosen" in result["reason"]
        for result in printed["submit"]["results"]
    )

    # Naming the page's own workflow is the same as naming none.
    chosen = sync(site, docs, "--submit", "--workflow", "1", "--json")

    assert chosen["submit"]["submittedCount"] == 2
    assert {r["workflowId"] for r in chosen["submit"]["results"]} == {"1"}


def test_workflow_must_be_a_number_and_come_with_submit(
    site: Site, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    write_docs(docs, count=1)

    result = signoff(
        site,
        "sync",
        str(docs),
        "--space",
        site.space_key,
        "--submit",
        "--workflow",
        "legal",
    )

    assert result.exit_code == 2
    assert "--workflow must be a number" in one_error_line(result)
    alone = signoff(
        site, "sync", str(docs), "--space", site.space_key, "--workflow", "1"
    )
    assert alone.exit_code == 2
    assert "--workflow only counts with --submit" in one_error_line(alone)
    assert site.pages() == {}
