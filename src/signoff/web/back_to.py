"""Where a page action sends the person back to after it is done, when the form says.

The change-set review page decides pages through the page actions and asks to come
back to its own address (`next`). Only a change set's own screens qualify, matched
whole, so no form can turn a decision into a redirect to another site or page.
"""

from __future__ import annotations

import re

_CHANGE_SET_SCREEN = re.compile(
    r"/changesets/[0-9]{1,18}(?:/review)?"
    r"(?:\?[A-Za-z0-9=&_-]{0,200})?"
    r"(?:#[A-Za-z0-9_-]{1,100})?"
)


def change_set_return(value: str) -> str | None:
    """`value` when it is one of a change set's screens on this site (with query and
    anchor), else None: never another host, scheme, `..` or control character."""
    return value if _CHANGE_SET_SCREEN.fullmatch(value) else None
