"""Confluence storage format, the page bodies every content source speaks.

Bodies are XHTML with ``ac:`` and ``ri:`` elements. `sanitise` cleans what people
send (with nh3) on the way in; `normalise` writes a body in one canonical spelling
and hashes it, so that an approval names exactly the content it covered whatever a
no-op re-save does to the markup; `mentions` finds and names user mentions.
`tokens` holds the markup patterns the first two share.
"""
