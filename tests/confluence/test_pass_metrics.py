"""Polling passes are counted per site and outcome once their outcome is committed:
a pass that reaches the site counts `ok`, one the site refuses counts `failed`."""

from __future__ import annotations

from prometheus_client import REGISTRY

from confluence.governed import Governed
from signoff.api.committed import count_committed_facts


def passes(site: str, outcome: str) -> float:
    labels = {"site": site, "outcome": outcome}
    return REGISTRY.get_sample_value("signoff_confluence_passes_total", labels) or 0.0


def test_passes_count_by_site_and_outcome(gov: Governed) -> None:
    count_committed_facts()
    ok, failed = passes("acme", "ok"), passes("acme", "failed")

    gov.site.add_pages(gov.remote_space, 1)
    gov.sync()
    after_ok = (passes("acme", "ok"), passes("acme", "failed"))
    for token in gov.site.api_tokens:
        gov.site.revoke(token)
    gov.sync()
    after_failure = (passes("acme", "ok"), passes("acme", "failed"))

    assert after_ok == (ok + 1, failed)
    assert after_failure == (ok + 1, failed + 1)
