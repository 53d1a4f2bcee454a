"""Sanitise a storage-format body on its way in: nh3 keeps only safe markup.

Confluence's own elements (``ac:``, ``ri:``) are kept; raw-HTML macros, scripts,
event handlers and unsafe URLs go. Sanitising twice changes nothing.
"""

import html
import re

import nh3

from signoff.storage_format.tokens import VOID_ELEMENTS, XHTML_TOKEN

_HTML_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col",
        "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em",
        "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
        "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small",
        "span", "strike", "strong", "sub", "summary", "sup", "table", "tbody", "td",
        "tfoot", "th", "thead", "time", "tr", "tt", "u", "ul", "var", "wbr",
    }
)  # fmt: skip

# Confluence storage elements that only describe content. The layout, placeholder and
# inline-comment elements are not script vectors and are common in real pages.
_CONFLUENCE_TAGS = frozenset(
    {
        "ac:structured-macro", "ac:parameter", "ac:rich-text-body",
        "ac:plain-text-body", "ac:link", "ac:image", "ac:link-body",
        "ac:plain-text-link-body", "ac:task-list", "ac:task", "ac:task-id",
        "ac:task-status", "ac:task-body", "ac:emoticon", "ac:layout",
        "ac:layout-section", "ac:layout-cell", "ac:placeholder",
        "ac:inline-comment-marker", "ri:page", "ri:attachment", "ri:url", "ri:user",
        "ri:space",
    }
)  # fmt: skip

_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start", "type"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
    "time": {"datetime"},
    "ac:structured-macro": {"ac:name", "ac:schema-version", "ac:macro-id"},
    "ac:parameter": {"ac:name"},
    "ac:link": {"ac:anchor", "ac:card-appearance"},
    "ac:image": {
        "ac:align", "ac:border", "ac:alt", "ac:title", "ac:width", "ac:height",
        "ac:thumbnail", "ac:layout", "ac:original-width", "ac:original-height",
    },
    "ac:emoticon": {
        "ac:name", "ac:emoji-shortname", "ac:emoji-id", "ac:emoji-fallback",
    },
    "ac:layout-section": {"ac:type", "ac:breakout-mode"},
    "ac:inline-comment-marker": {"ac:ref"},
    "ri:page": {"ri:content-title", "ri:space-key", "ri:version-at-save"},
    "ri:attachment": {"ri:filename", "ri:version-at-save"},
    "ri:url": {"ri:value"},
    "ri:user": {"ri:account-id", "ri:userkey"},
    "ri:space": {"ri:space-key"},
}  # fmt: skip

# Removed with everything inside: their content is code or foreign markup, not prose.
_CLEAN_CONTENT_TAGS = frozenset(
    {
        "script", "style", "iframe", "frame", "frameset", "object", "embed",
        "applet", "svg", "math", "template", "noscript", "noembed", "noframes",
        "title",
    }
)  # fmt: skip

_URL_SCHEMES = frozenset({"http", "https", "mailto"})
_URL_ATTRIBUTES = frozenset({"href", "src", "ri:value"})
_RAW_HTML_MACROS = frozenset({"html", "html-include", "widget", "iframe", "script"})
_URL_IGNORED = re.compile(r"[\t\n\r]")  # browsers delete these anywhere in a URL
_C0_AND_SPACE = "".join(chr(code) for code in range(0x21))
_URL_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_SURROGATE = re.compile(r"[\ud800-\udfff]")

# In nh3's output every "<" starts a tag: text and attribute values are escaped.
_MACRO_TAG = re.compile(r"<(?P<end>/?)ac:structured-macro(?P<attrs>(?:\s[^<>]*)?)>")
_MACRO_NAME = re.compile(r'\sac:name="([^"]*)"')
_PRE_START = re.compile(r"(<pre[^<>]*>)\n")


def _is_safe_url(value: str) -> bool:
    url = _URL_IGNORED.sub("", value).strip(_C0_AND_SPACE)
    scheme = _URL_SCHEME.match(url)
    return scheme is None or scheme[1].lower() in _URL_SCHEMES


def _filter_attribute(element: str, attribute: str, value: str) -> str | None:
    # nh3 checks schemes on href and src itself; ri:value is a URL it does not know.
    if attribute in _URL_ATTRIBUTES and not _is_safe_url(value):
        return None
    return value


_CLEANER = nh3.Cleaner(
    tags=_HTML_TAGS | _CONFLUENCE_TAGS,
    clean_content_tags=_CLEAN_CONTENT_TAGS,
    attributes=_ATTRIBUTES,
    attribute_filter=_filter_attribute,
    url_schemes=_URL_SCHEMES,
)


def _xhtml_token_as_html(token: re.Match[str]) -> str:
    if (cdata := token["cdata"]) is not None:
        return html.escape(cdata) if token["cdata_end"] else token[0]
    name = token["name"]
    if name is None or not token["slash"] or name.lower() in VOID_ELEMENTS:
        return token[0]
    return f"<{name}{token['attrs']}></{name}>"


def _xhtml_as_html(body: str) -> str:
    """Rewrite the two XHTML spellings that an HTML parser reads differently.

    html5ever (inside nh3) parses HTML, not XML: it reads ``<ri:page .../>`` as an open
    tag, so the siblings that follow become its children, and it reads a CDATA section
    as a bogus comment, so a code macro would lose its code. Escaped text is the same
    XML content as CDATA. nh3 still sees the result, so this only affects fidelity.
    """
    return XHTML_TOKEN.sub(_xhtml_token_as_html, body)


def _is_raw_html_macro(attrs: str) -> bool:
    name = _MACRO_NAME.search(attrs)
    return name is not None and html.unescape(name[1]).strip().lower() in (
        _RAW_HTML_MACROS
    )


def _drop_raw_html_macros(cleaned: str) -> str:
    """Remove macros that run raw HTML or scripts, with everything inside them.

    nh3 allows or strips tags by name only and cannot drop an element for an attribute
    value, so this walks nh3's own well-formed output, where macro tags balance.
    """
    kept: list[str] = []
    start = depth = 0
    for tag in _MACRO_TAG.finditer(cleaned):
        if depth:
            depth += -1 if tag["end"] else 1
            if not depth:
                start = tag.end()
        elif not tag["end"] and _is_raw_html_macro(tag["attrs"]):
            kept.append(cleaned[start : tag.start()])
            depth = 1
    if not depth:
        kept.append(cleaned[start:])
    return "".join(kept)


def sanitise_body(body: str) -> str:
    """Return the body with every script vector removed and storage markup kept.

    Idempotent, so a sanitised body stored and sanitised again is unchanged.
    """
    cleaned = _CLEANER.clean(_xhtml_as_html(_SURROGATE.sub("\ufffd", body)))
    without_macros = _drop_raw_html_macros(cleaned)
    if without_macros != cleaned:
        cleaned = _CLEANER.clean(without_macros)  # nh3 stays the last word on safety
    # An HTML parser drops one newline right after <pre>, and html5ever's serialiser
    # does not write it back, so a leading newline would vanish on every re-sanitise.
    return _PRE_START.sub("\\1\n\n", cleaned)
