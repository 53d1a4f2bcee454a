"""Pages about to be submitted are read from the site first, so a review covers
the version people saved in Confluence, not the one the last pass saw."""

from __future__ import annotations

from confluence.governed import Governed
from factories import make_page, make_space, make_user
from signoff.actions.confluence.refresh import refresh_pages


def test_an_edit_since_the_last_pass_is_recorded_before_submitting(
    gov: Governed,
) -> None:
    remote = gov.site.add_page(
        gov.remote_space, "Policy", "<p>a</p>", author=gov.author
    )
    gov.sync()
    gov.site.clock.advance(minutes=2)
    gov.site.edit_page(remote, body="<p>b</p>", author=gov.author)
    page = gov.page(remote.id)

    done = refresh_pages(gov.db, gov.reach, [page.id], clock=gov.clock)

    assert done.skipped == []
    assert done.recorded.versions == 1
    assert gov.page(remote.id).current_version == 2
    assert gov.site.log.count("GET", "/api/v2/pages") == 1


def test_built_in_pages_cost_no_call(gov: Governed) -> None:
    with gov.db.write() as s:
        ann = make_user(s, "ann")
        space = make_space(s, "OWN", admin=ann)
        own = make_page(s, space, ann)
        own_id = own.id
    calls = gov.site.log.count()

    done = refresh_pages(gov.db, gov.reach, [own_id], clock=gov.clock)

    assert done.recorded.versions == 0
    assert gov.site.log.count() == calls


def test_a_held_site_is_not_waited_for(gov: Governed) -> None:
    remote = gov.site.add_page(
        gov.remote_space, "Policy", "<p>a</p>", author=gov.author
    )
    gov.sync()
    gov.site.faults.rate_limit(1, retry_after=3600)
    gov.sync()  # takes the 429 and holds the site
    calls = gov.site.log.count()
    page = gov.page(remote.id)

    done = refresh_pages(gov.db, gov.reach, [page.id], clock=gov.clock)

    assert done.skipped and "acme" in done.skipped[0]
    assert gov.site.log.count() == calls
