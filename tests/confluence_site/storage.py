"""Confluence storage format, as far as the site needs it: refuse a body that is not
well-formed XHTML (Confluence answers 400 for those), and read the people it mentions.
"""

from __future__ import annotations

import html.entities
import xml.etree.ElementTree as ET

from confluence_site.errors import BadRequest

AC = "http://atlassian.com/content"
RI = "http://atlassian.com/resource/identifier"
ACCOUNT_ID = f"{{{RI}}}account-id"
USER = f"{{{RI}}}user"


def parse_storage(value: str) -> ET.Element:
    """The body as a tree under one root; HTML's named entities are allowed."""
    parser = ET.XMLParser()  # noqa: S314 - a test client's own request body
    for name, codepoint in html.entities.name2codepoint.items():
        parser.entity[name] = chr(codepoint)
    wrapped = f'<root xmlns:ac="{AC}" xmlns:ri="{RI}">{value}</root>'
    try:
        parser.feed(wrapped)
        return parser.close()
    except ET.ParseError as error:
        raise BadRequest(f"Error parsing xhtml: {error}") from error


def mentioned_account_ids(value: str) -> tuple[str, ...]:
    """Every `<ri:user ri:account-id="...">` in document order."""
    tree = parse_storage(value)
    return tuple(
        element.attrib[ACCOUNT_ID]
        for element in tree.iter(USER)
        if ACCOUNT_ID in element.attrib
    )
