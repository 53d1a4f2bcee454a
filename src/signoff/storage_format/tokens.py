"""Markup patterns shared by sanitising and normalising: tags, comments, CDATA."""

import re

VOID_ELEMENTS = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen",
        "link", "meta", "param", "source", "track", "wbr",
    }
)  # fmt: skip

# One token of raw input: a CDATA section, a comment, or a tag with quoted, unquoted
# or bare attributes. Matching whole comments and tags keeps the rewrite below from
# touching a CDATA marker or "/>" inside them. Linear time on hostile input: an
# unterminated section runs to the end in one match, no tag spans a raw "<" (invalid
# in XML attributes anyway), and possessive quantifiers never backtrack.
ATTR = r"""[^\s"'<>/=]++(?:\s*+=\s*+(?:"[^"<]*+"|'[^'<]*+'|[^\s"'=<>`]++))?+"""
CDATA = r"<!\[CDATA\[(?P<cdata>.*?)(?P<cdata_end>\]\]>|\Z)"
COMMENT = r"<!--.*?(?P<comment_end>-->|\Z)"
START_TAG = (
    rf"<(?P<name>[A-Za-z][^\s/<>]*+)(?P<attrs>(?:\s++{ATTR})*+)\s*+(?P<slash>/?)>"
)
XHTML_TOKEN = re.compile(f"{CDATA}|{COMMENT}|{START_TAG}", re.DOTALL)
# Normalising also needs end tags and declarations; anything else is text.
MARKUP_TOKEN = re.compile(
    rf"{CDATA}|{COMMENT}|<[!?][^<>]*+>|</(?P<end>[A-Za-z][^\s/<>]*+)[^<>]*+>"
    rf"|{START_TAG}",
    re.DOTALL,
)
ATTR_PARTS = re.compile(
    r"""([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"<]*)"|'([^'<]*)'|([^\s"'=<>`]+)))?"""
)
