"""Page bodies of the built-in page store: sanitising, normalising and hashing.

Bodies are Confluence storage format (XHTML with ``ac:`` and ``ri:`` elements). They are
sanitised with nh3 on the way in, and hashed in a normalised form so that an approval
names exactly the content it covered, whatever a no-op re-save does to the markup.
"""

import hashlib
import html
import json
import re
import unicodedata
from typing import NamedTuple

import nh3

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
_VOID_ELEMENTS = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen",
        "link", "meta", "param", "source", "track", "wbr",
    }
)  # fmt: skip

_URL_IGNORED = re.compile(r"[\t\n\r]")  # browsers delete these anywhere in a URL
_C0_AND_SPACE = "".join(chr(code) for code in range(0x21))
_URL_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_SURROGATE = re.compile(r"[\ud800-\udfff]")

# One token of raw input: a CDATA section, a comment, or a tag with quoted, unquoted
# or bare attributes. Matching whole comments and tags keeps the rewrite below from
# touching a CDATA marker or "/>" inside them. Linear time on hostile input: an
# unterminated section runs to the end in one match, no tag spans a raw "<" (invalid
# in XML attributes anyway), and possessive quantifiers never backtrack.
_ATTR = r"""[^\s"'<>/=]++(?:\s*+=\s*+(?:"[^"<]*+"|'[^'<]*+'|[^\s"'=<>`]++))?+"""
_CDATA = r"<!\[CDATA\[(?P<cdata>.*?)(?P<cdata_end>\]\]>|\Z)"
_COMMENT = r"<!--.*?(?P<comment_end>-->|\Z)"
_START_TAG = (
    rf"<(?P<name>[A-Za-z][^\s/<>]*+)(?P<attrs>(?:\s++{_ATTR})*+)\s*+(?P<slash>/?)>"
)
_XHTML_TOKEN = re.compile(f"{_CDATA}|{_COMMENT}|{_START_TAG}", re.DOTALL)
# Normalising also needs end tags and declarations; anything else is text.
_MARKUP_TOKEN = re.compile(
    rf"{_CDATA}|{_COMMENT}|<[!?][^<>]*+>|</(?P<end>[A-Za-z][^\s/<>]*+)[^<>]*+>"
    rf"|{_START_TAG}",
    re.DOTALL,
)
_ATTR_PARTS = re.compile(
    r"""([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"<]*)"|'([^'<]*)'|([^\s"'=<>`]+)))?"""
)

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
    if name is None or not token["slash"] or name.lower() in _VOID_ELEMENTS:
        return token[0]
    return f"<{name}{token['attrs']}></{name}>"


def _xhtml_as_html(body: str) -> str:
    """Rewrite the two XHTML spellings that an HTML parser reads differently.

    html5ever (inside nh3) parses HTML, not XML: it reads ``<ri:page .../>`` as an open
    tag, so the siblings that follow become its children, and it reads a CDATA section
    as a bogus comment, so a code macro would lose its code. Escaped text is the same
    XML content as CDATA. nh3 still sees the result, so this only affects fidelity.
    """
    return _XHTML_TOKEN.sub(_xhtml_token_as_html, body)


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


# Whitespace touching these tags never renders, so it is formatting, not content.
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "col",
        "colgroup", "dd", "details", "div", "dl", "dt", "figcaption", "figure",
        "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
        "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td",
        "tfoot", "th", "thead", "tr", "ul", "ac:parameter", "ac:rich-text-body",
        "ac:plain-text-body", "ac:task-list", "ac:task", "ac:task-id",
        "ac:task-status", "ac:task-body", "ac:layout", "ac:layout-section",
        "ac:layout-cell",
    }
)  # fmt: skip
# Whitespace inside these is content: code indentation, preformatted text.
_VERBATIM_TAGS = frozenset({"pre", "ac:plain-text-body", "ac:plain-text-link-body"})
_HTML_WHITESPACE = re.compile(r"[ \t\n\f]+")


def _escape(text: str, *, quote: bool = True) -> str:
    # A carriage return that survived line-ending unification came from "&#13;".
    return html.escape(text, quote=quote).replace("\r", "&#13;")


class _Token(NamedTuple):
    markup: str
    tag: str = ""
    is_text: bool = False
    is_block: bool = False
    verbatim: bool = False


class _Canonicaliser:
    """Collect tags in one spelling and text as decoded strings, dropping comments.

    A linear tokeniser rather than ``html.parser``, which takes quadratic time on
    runs of unclosed tags in the Python versions we support.
    """

    def __init__(self) -> None:
        self.tokens: list[_Token] = []
        self._verbatim_depth = 0

    def feed(self, body: str) -> None:
        position = 0
        for token in _MARKUP_TOKEN.finditer(body):
            self._text(html.unescape(body[position : token.start()]))
            position = token.end()
            if token["cdata_end"]:
                self._text(token["cdata"])
            elif "" in (token["cdata_end"], token["comment_end"]):
                self._text(token[0])  # unterminated: kept, so what follows counts
            elif token["end"] is not None:
                self._end(token["end"].lower())
            elif token["name"] is not None:
                self._start(token["name"].lower(), token["attrs"])
                if token["slash"] and token["name"].lower() not in _VOID_ELEMENTS:
                    self._end(token["name"].lower())
        self._text(html.unescape(body[position:]))

    def _start(self, tag: str, attrs: str) -> None:
        first: dict[str, str] = {}
        for name, double, single, bare in _ATTR_PARTS.findall(attrs):
            # An HTML parser keeps the first of duplicate attributes.
            first.setdefault(name.lower(), html.unescape(double or single or bare))
        spelled = "".join(
            f' {name}="{_escape(value)}"' for name, value in sorted(first.items())
        )
        self.tokens.append(
            _Token(f"<{tag}{spelled}>", tag, is_block=tag in _BLOCK_TAGS)
        )
        if tag in _VERBATIM_TAGS:
            self._verbatim_depth += 1

    def _end(self, tag: str) -> None:
        if tag in _VERBATIM_TAGS and self._verbatim_depth:
            self._verbatim_depth -= 1
        self.tokens.append(_Token(f"</{tag}>", is_block=tag in _BLOCK_TAGS))

    def _text(self, data: str) -> None:
        if self.tokens and self.tokens[-1].tag == "pre":
            data = data.removeprefix("\n")  # HTML ignores one newline after <pre>
        if not data:
            return
        if self.tokens and self.tokens[-1].is_text:
            data = self.tokens.pop().markup + data
        verbatim = self._verbatim_depth > 0
        self.tokens.append(_Token(data, is_text=True, verbatim=verbatim))


def _canonical_text(tokens: list[_Token], index: int) -> str:
    text = tokens[index].markup
    if tokens[index].verbatim:
        if index and tokens[index - 1].tag == "pre" and text.startswith("\n"):
            text = "\n" + text  # written back, so the normal form parses to itself
        return _escape(text, quote=False)
    text = _HTML_WHITESPACE.sub(" ", text)
    if index == 0 or tokens[index - 1].is_block:
        text = text.lstrip(" ")
    if index == len(tokens) - 1 or tokens[index + 1].is_block:
        text = text.rstrip(" ")
    return _escape(text, quote=False)


def normalise_body(body: str) -> str:
    """Return one spelling of the body, for deciding whether content changed.

    Equal for differences a re-save may make without changing what readers see: line
    endings, runs of whitespace, indentation between blocks, attribute order and
    quoting, ``<br>`` spelling, ``<x/>`` against ``<x></x>``, CDATA against escaped
    text, character references, comments. Whitespace inside ``pre`` and plain-text
    macro bodies is kept, and so is a single space between inline elements.
    """
    unified = body.replace("\r\n", "\n").replace("\r", "\n")
    canonicaliser = _Canonicaliser()
    canonicaliser.feed(unified)
    tokens = canonicaliser.tokens
    return "".join(
        _canonical_text(tokens, index) if token.is_text else token.markup
        for index, token in enumerate(tokens)
    )


def content_hash(title: str, body: str) -> str:
    """Return the hex SHA-256 that identifies what readers of a version see.

    The title is included because a retitle changes what readers see.
    """
    canonical = json.dumps(
        [title.strip(), normalise_body(body)], ensure_ascii=False, separators=(",", ":")
    )
    # surrogatepass: a lone surrogate from a JSON client must hash, not crash.
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def plain_text(value: str, *, max_length: int) -> str:
    """Return a plain-text field without control characters, trimmed.

    Newlines and tabs are kept; lone surrogates go too, since they cannot be stored.
    Raises ``ValueError`` when the cleaned value is longer than ``max_length``.
    """
    cleaned = "".join(
        char
        for char in value
        if char in "\n\t" or unicodedata.category(char) not in {"Cc", "Cs"}
    ).strip()
    if len(cleaned) > max_length:
        raise ValueError(
            f"text is {len(cleaned)} characters long; at most {max_length} are allowed"
        )
    return cleaned


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
