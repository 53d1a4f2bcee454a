"""Content sources: where a page's versions and bodies come from.

Every page names its source (`Page.source`, with `Page.external_id` for the page's
id there). The engine reaches a page's content only through `source_of(page)`, a
`ContentSource`, so reviews, staleness and status work the same whatever holds the
page. The built-in store (`builtin`) is the first source.
"""

from signoff.connectors.registry import source_of
from signoff.connectors.source import ContentSource

__all__ = ["ContentSource", "source_of"]
