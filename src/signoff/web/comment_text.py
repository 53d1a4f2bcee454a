"""Comments as people type and read them in the browser.

People write plain text and name each other as `@username`; the stored comment is
storage format (the same as comments made over the API), with each name of a member
of the space turned into a mention. Shown back, mentions read as `@Display Name`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from html import escape

from sqlalchemy.orm import Session

from signoff.queries.inbox import display_names, members_by_username, page_comments
from signoff.storage_format.mentions import mentioned_accounts, with_mentions_named

_AT_NAME = re.compile(r"(?<![\w@.])@([A-Za-z0-9][A-Za-z0-9._-]{0,99})")


def comment_markup(session: Session, space_id: int, text: str) -> str:
    """Plain text to storage format: paragraphs, line breaks, and mentions of the
    space's members (an unknown `@name` stays as typed)."""
    wanted = {name.rstrip(".") for name in _AT_NAME.findall(text)}
    accounts = members_by_username(session, space_id, wanted)

    def line_markup(line: str) -> str:
        out, last = [], 0
        for match in _AT_NAME.finditer(line):
            name = match.group(1).rstrip(".")
            if name not in accounts:
                continue
            out.append(escape(line[last : match.start()]))
            out.append(
                f'<ac:link><ri:user ri:account-id="{escape(accounts[name])}" />'
                "</ac:link>"
            )
            last = match.start() + 1 + len(name)
        out.append(escape(line[last:]))
        return "".join(out)

    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join(
        "<p>" + "<br />".join(line_markup(line) for line in p.splitlines()) + "</p>"
        for p in paragraphs
    )


@dataclass(frozen=True)
class ShownComment:
    id: int
    depth: int
    author: str
    html: str
    """Sanitised when stored; mentions replaced by names here."""
    created_at: datetime


def shown_comments(session: Session, page_id: int) -> list[ShownComment]:
    comments = page_comments(session, page_id)
    names = display_names(
        session, {a for c in comments for a in mentioned_accounts(c.body)}
    )
    depth: dict[int, int] = {}
    shown = []
    for comment in comments:
        level = 0 if comment.parent_id is None else depth.get(comment.parent_id, 0) + 1
        depth[comment.id] = level
        shown.append(
            ShownComment(
                comment.id,
                min(level, 3),
                comment.author or "Signoff",
                with_mentions_named(comment.body, names, as_html=True),
                comment.created_at,
            )
        )
    return shown
