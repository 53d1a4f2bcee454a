"""The client's pure parts: backoff, Retry-After, reading files, comparing bodies."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

import pytest

from signoff.client.backoff import Backoff, retry_after_seconds
from signoff.client.documents import read_folder
from signoff.client.errors import BadDocument
from signoff.client.rendering import same_content
from signoff.storage_format.markdown import render_markdown


def test_backoff_grows_and_stays_under_its_maximum() -> None:
    delays = list(islice(Backoff(initial=1, factor=2, maximum=5).delays(), 5))
    assert delays == [1, 2, 4, 5, 5]


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("17", 17.0),
        (" 3 ", 3.0),
        ("Mon, 23 Nov 2026 10:00:30 GMT", 30.0),
        ("Mon, 23 Nov 2026 09:00:00 GMT", 0.0),
        ("soon", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(
    header: str | None, seconds: float | None
) -> None:
    now = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)
    assert retry_after_seconds(header, now=now) == seconds


def test_titles_and_keys_come_from_front_matter_headings_or_names(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: From front\nid: stable-a\n---\n# H\n")
    (tmp_path / "b.md").write_text("```\n# not a heading\n```\n\n# Real heading\n")
    (tmp_path / "c.html").write_text("<h1>Html <em>title</em></h1><p>x</p>")
    (tmp_path / "install-notes.md").write_text("No heading at all.\n")
    (tmp_path / ".hidden.md").write_text("# Hidden\n")
    (tmp_path / "notes.txt").write_text("# Not a page\n")

    documents = {d.path: d for d in read_folder(tmp_path)}

    assert sorted(documents) == ["a.md", "b.md", "c.html", "install-notes.md"]
    assert (documents["a.md"].key, documents["a.md"].title) == (
        "stable-a",
        "From front",
    )
    assert documents["b.md"].title == "Real heading"
    assert documents["c.html"].title == "Html title"
    assert documents["install-notes.md"].key == "install-notes.md"
    assert documents["install-notes.md"].title == "install-notes"


def test_two_files_with_one_id_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\nid: same\ntitle: A\n---\n")
    (tmp_path / "b.md").write_text("---\nid: same\ntitle: B\n---\n")
    with pytest.raises(BadDocument, match="the same id 'same'"):
        read_folder(tmp_path)


def test_comparison_allows_for_sanitising_but_not_for_other_changes() -> None:
    sent = render_markdown(
        "| a |\n| :-: |\n| [x](https://e.example) |\n\nline  \nbreak\n"
    )
    stored = sent.replace(' style="text-align:center"', "").replace("<br />", "<br>")
    assert sent != stored
    assert same_content("T", sent, "T", stored)
    assert not same_content("T", sent, "Other title", stored)
    assert not same_content(
        "T", sent, "T", stored.replace("https://e.example", "https://f.example")
    )
    assert not same_content("T", sent, "T", stored.replace("break", "brake"))
