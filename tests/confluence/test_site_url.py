"""A site's address as a person copies it: both base forms, and nothing else."""

from __future__ import annotations

import pytest

from signoff.connectors.confluence.site_url import SiteUrl, next_cursor, parse_site_url
from signoff.domain.errors import BadInput

CLOUD = "1324a887-45db-1bf4-1e99-ef0ff456d421"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://acme.atlassian.net/wiki", SiteUrl("https://acme.atlassian.net/wiki")),
        (
            " https://acme.atlassian.net/wiki/ ",
            SiteUrl("https://acme.atlassian.net/wiki"),
        ),
        ("https://acme.atlassian.net", SiteUrl("https://acme.atlassian.net/wiki")),
        (
            f"https://api.atlassian.com/ex/confluence/{CLOUD}/wiki",
            SiteUrl(f"https://api.atlassian.com/ex/confluence/{CLOUD}/wiki", CLOUD),
        ),
        ("http://127.0.0.1:8099/wiki", SiteUrl("http://127.0.0.1:8099/wiki")),
    ],
)
def test_both_base_forms_are_read(text: str, expected: SiteUrl) -> None:
    assert parse_site_url(text) == expected


def test_api_paths_are_appended_to_the_base() -> None:
    gateway = parse_site_url(f"https://api.atlassian.com/ex/confluence/{CLOUD}/wiki")
    assert gateway.is_gateway
    assert gateway.api("/api/v2/pages/42") == (
        f"https://api.atlassian.com/ex/confluence/{CLOUD}/wiki/api/v2/pages/42"
    )
    with pytest.raises(ValueError, match="relative to the wiki base"):
        gateway.api("/wiki/api/v2/pages")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("acme.atlassian.net/wiki", "must be the wiki's address"),
        ("ftp://acme.atlassian.net/wiki", "must be the wiki's address"),
        ("https://me:token@acme.atlassian.net/wiki", "must not carry credentials"),
        ("https://acme.atlassian.net/wiki?x=1", "must not carry credentials"),
        ("https://acme.atlassian.net/wiki/spaces/DOCS", "must end in /wiki"),
        ("https://acme.atlassian.net/confluence", "must end in /wiki"),
    ],
)
def test_anything_else_is_refused_saying_what_to_give(text: str, error: str) -> None:
    with pytest.raises(BadInput, match=error):
        parse_site_url(text)


@pytest.mark.parametrize(
    ("link", "cursor"),
    [
        ("/wiki/api/v2/pages?limit=250&cursor=eyJpZCI6MX0%3D", "eyJpZCI6MX0="),
        ("/wiki/api/v2/spaces/7/pages?cursor=abc&sort=-modified-date", "abc"),
        ("/rest/api/search?cql=type%3Dpage&cursor=raNDoM", "raNDoM"),
        ("/wiki/api/v2/pages?limit=25", None),
        ("", None),
        (None, None),
    ],
)
def test_the_cursor_is_read_from_next_whatever_its_prefix(
    link: str | None, cursor: str | None
) -> None:
    assert next_cursor(link) == cursor
