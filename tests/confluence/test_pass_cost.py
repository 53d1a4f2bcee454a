"""What a pass costs in calls to the site: bounded by what changed, not by the
space's size (the figures are printed in docs/performance.md)."""

from __future__ import annotations

import pytest

from confluence.governed import Governed

PAGES, CHANGED = 10_000, 100


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_pass_over_ten_thousand_pages_costs_calls_by_what_changed(
    gov: Governed,
) -> None:
    pages = gov.site.add_pages(gov.remote_space, PAGES - 1)
    gov.site.clock.advance(days=30)
    pages.append(gov.site.add_page(gov.remote_space, "Newest", "<p>new</p>"))
    first = gov.sync()
    gov.site.clock.advance(hours=1)
    for page in pages[:: PAGES // CHANGED]:
        gov.site.edit_page(page, body="<p>changed</p>", author=gov.author)
    gov.site.clock.advance(minutes=30)

    changed = gov.sync()
    gov.site.clock.advance(minutes=30)
    steady = gov.sync()

    # The first pass lists everything, 250 a call; later ones only what changed
    # since the watermark (less the overlap), plus the call that finds the end.
    assert first.recorded.pages_found == PAGES + 1
    assert first.calls.made == -(-(PAGES + 1) // 250)
    assert changed.recorded.versions == CHANGED
    assert changed.calls.made == 1
    assert steady.recorded.versions == 0 and steady.calls.made == 1
