"""The polling pass over a linked space, against the stand-in site over HTTP."""

from __future__ import annotations

from sqlalchemy import func, select

from confluence.governed import Governed
from signoff.db.models import AuditEvent, Page, PageVersion


def _versions(g: Governed, external_id: str) -> list[tuple[int, str | None, str]]:
    with g.db.read() as s:
        page = s.scalar(select(Page).where(Page.external_id == external_id))
        assert page is not None
        return [
            (v.number, v.author_account, v.body)
            for v in s.scalars(
                select(PageVersion)
                .where(PageVersion.page_id == page.id)
                .order_by(PageVersion.number)
            )
        ]


def test_the_first_pass_records_every_page_with_its_version_author_and_body(
    gov: Governed,
) -> None:
    site = gov.site
    runbook = site.add_page(
        gov.remote_space, "Runbook", "<p>Restart.</p>", author=gov.author
    )
    site.clock.advance(minutes=1)
    site.edit_page(
        runbook, body="<p>Restart twice.</p>", author=gov.author, message="more"
    )

    report = gov.sync()

    assert report.errors == []
    assert _versions(gov, runbook.id) == [
        (2, gov.author.account_id, "<p>Restart twice.</p>")
    ]
    page = gov.page(runbook.id)
    assert (page.title, page.current_version, page.space_id) == (
        "Runbook",
        2,
        gov.space_id,
    )
    assert report.pages_seen >= 2  # the space's home page and the runbook


def test_a_pass_with_nothing_changed_records_nothing_and_costs_one_call(
    gov: Governed,
) -> None:
    gov.site.add_pages(gov.remote_space, 30)
    first = gov.sync()
    gov.site.clock.advance(hours=1)

    again = gov.sync()

    assert first.recorded.pages_found == 31
    assert again.recorded.versions == 0
    assert again.calls.made == 1
    with gov.db.read() as s:
        assert s.scalar(select(func.count()).select_from(PageVersion)) == 31


def test_an_edit_is_recorded_once_as_the_next_version_with_origin_system(
    gov: Governed,
) -> None:
    page = gov.site.add_page(gov.remote_space, "Policy", "<p>a</p>", author=gov.author)
    gov.sync()
    gov.site.clock.advance(minutes=3)
    gov.site.edit_page(page, body="<p>b</p>", author=gov.author)

    gov.sync()
    gov.sync()

    assert [n for n, _, _ in _versions(gov, page.id)] == [1, 2]
    with gov.db.read() as s:
        edited = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "page.edited")
        ).all()
    assert [(e.origin, e.actor_id, e.details["authorAccount"]) for e in edited] == [
        ("system", None, gov.author.account_id)
    ]
