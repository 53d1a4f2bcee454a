"""User mentions in a storage-format body: who is mentioned, and the body with names."""

import html
import re

# A user mention in storage format, as stored after sanitising:
# <ac:link><ri:user ri:account-id="..."></ri:user></ac:link> (or self-closed).
MENTION = re.compile(
    r'<ac:link>\s*<ri:user\b[^>]*\bri:account-id="([^"]+)"[^>]*?'
    r"(?:/>|>\s*</ri:user>)\s*</ac:link>"
)


def mentioned_accounts(body: str) -> set[str]:
    """The account ids a body mentions."""
    return set(MENTION.findall(body))


def with_mentions_named(body: str, names: dict[str, str], *, as_html: bool) -> str:
    """The body with each mention replaced by `@Name` (a span when `as_html`)."""

    def named(match: re.Match[str]) -> str:
        name = "@" + names.get(match.group(1), "someone")
        if not as_html:
            return name
        return f'<span class="mention">{html.escape(name)}</span>'

    return MENTION.sub(named, body)
