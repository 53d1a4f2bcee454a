"""Page bodies: sanitising keeps storage format and loses every script vector.

Normalising and hashing treat a no-op re-save as no change and any real edit as one.
"""

import re
from collections.abc import Callable
from html.parser import HTMLParser

import pytest

from corpora import XSS_VECTORS_FILE
from signoff.storage_format.normalise import content_hash, normalise_body
from signoff.storage_format.sanitise import sanitise_body


def _xss_vectors() -> list[object]:
    lines = XSS_VECTORS_FILE.read_text(encoding="utf-8").splitlines()
    return [
        pytest.param(line, id=f"line{number}")
        for number, line in enumerate(lines, start=1)
        if line.strip() and not line.startswith("#")
    ]


XSS_VECTORS = _xss_vectors()

EMBEDDING_TAGS = {
    "script", "style", "iframe", "frame", "object", "embed", "applet", "svg", "math",
    "base", "meta", "link", "form", "input", "button", "template", "body",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "ri:value", "action", "formaction", "data", "xlink:href",
    "background", "poster", "srcdoc",
}  # fmt: skip
SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:")
RAW_HTML_MACROS = {"html", "html-include", "widget", "iframe", "script"}


class _Elements(HTMLParser):
    """Start tags of a body, with decoded attribute values, as a browser reads them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {name: value or "" for name, value in attrs}))


def elements(body: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Elements()
    parser.feed(body)
    parser.close()
    return parser.found


def url_scheme_text(value: str) -> str:
    return re.sub(r"[\t\n\r]", "", value).strip("".join(map(chr, range(33)))).lower()


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_sanitised_vector_has_no_script_or_embedding_element(vector: str) -> None:
    sanitised = sanitise_body(vector)
    assert "<script" not in sanitised.lower()
    assert not {tag for tag, _ in elements(sanitised)} & EMBEDDING_TAGS


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_sanitised_vector_has_no_event_handler_or_style(vector: str) -> None:
    for tag, attrs in elements(sanitise_body(vector)):
        assert not [name for name in attrs if name.startswith("on")], tag
        assert "style" not in attrs, tag


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_sanitised_vector_has_no_script_url(vector: str) -> None:
    for tag, attrs in elements(sanitise_body(vector)):
        for name in attrs.keys() & URL_ATTRIBUTES:
            assert not url_scheme_text(attrs[name]).startswith(SCRIPT_SCHEMES), tag


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_sanitised_vector_has_no_raw_html_macro(vector: str) -> None:
    for tag, attrs in elements(sanitise_body(vector)):
        if tag == "ac:structured-macro":
            assert attrs.get("ac:name", "").lower() not in RAW_HTML_MACROS


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_sanitising_vector_twice_changes_nothing(vector: str) -> None:
    once = sanitise_body(vector)
    assert sanitise_body(once) == once


INFO_MACRO = (
    '<ac:structured-macro ac:name="info" ac:schema-version="1">'
    '<ac:parameter ac:name="title">Heads up</ac:parameter>'
    "<ac:rich-text-body><p>Read <strong>this</strong> first.</p></ac:rich-text-body>"
    "</ac:structured-macro>"
)
TASK_LIST = (
    "<ac:task-list><ac:task><ac:task-id>1</ac:task-id>"
    "<ac:task-status>incomplete</ac:task-status>"
    "<ac:task-body>Review <em>intro</em></ac:task-body></ac:task></ac:task-list>"
)
TABLE = (
    '<table><tbody><tr><th scope="col">Step</th><th>Owner</th></tr>'
    '<tr><td colspan="2">Draft</td></tr></tbody></table>'
)


@pytest.mark.parametrize(
    "body", [INFO_MACRO, TASK_LIST, TABLE], ids=["info-macro", "task-list", "table"]
)
def test_legitimate_storage_markup_survives_unchanged(body: str) -> None:
    assert sanitise_body(body) == body


def test_code_macro_keeps_its_code_as_escaped_text_instead_of_cdata() -> None:
    body = (
        '<ac:structured-macro ac:name="code">'
        "<ac:plain-text-body><![CDATA[if a < b:\n    print(1)]]></ac:plain-text-body>"
        "</ac:structured-macro>"
    )
    assert sanitise_body(body) == (
        '<ac:structured-macro ac:name="code">'
        "<ac:plain-text-body>if a &lt; b:\n    print(1)</ac:plain-text-body>"
        "</ac:structured-macro>"
    )


def test_code_macro_showing_a_script_tag_keeps_it_as_inert_text() -> None:
    body = (
        '<ac:structured-macro ac:name="code"><ac:plain-text-body>'
        "<![CDATA[<script>alert(1)</script>]]></ac:plain-text-body></ac:structured-macro>"
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in sanitise_body(body)


def test_sanitising_storage_page_is_a_no_op_re_save() -> None:
    body = (
        f"{INFO_MACRO}\n<p>See <ac:link><ri:page ri:content-title='Notes' />"
        "<ac:plain-text-link-body><![CDATA[the notes]]></ac:plain-text-link-body>"
        f"</ac:link>.<br /></p>\n{TASK_LIST}\n{TABLE}"
    )
    assert normalise_body(sanitise_body(body)) == normalise_body(body)


def test_self_closed_page_link_does_not_swallow_the_link_text() -> None:
    body = (
        '<ac:link><ri:page ri:content-title="Notes" ri:space-key="DOC"/>'
        "<ac:plain-text-link-body><![CDATA[the notes]]></ac:plain-text-link-body>"
        "</ac:link>"
    )
    assert sanitise_body(body) == (
        '<ac:link><ri:page ri:content-title="Notes" ri:space-key="DOC"></ri:page>'
        "<ac:plain-text-link-body>the notes</ac:plain-text-link-body></ac:link>"
    )


def test_attached_image_keeps_its_attachment() -> None:
    body = '<ac:image ac:width="300"><ri:attachment ri:filename="a.png"/></ac:image>'
    assert sanitise_body(body) == (
        '<ac:image ac:width="300"><ri:attachment ri:filename="a.png">'
        "</ri:attachment></ac:image>"
    )


def test_self_closed_emoticon_leaves_following_text_outside_it() -> None:
    body = '<p><ac:emoticon ac:name="tick"/> done</p>'
    assert sanitise_body(body) == (
        '<p><ac:emoticon ac:name="tick"></ac:emoticon> done</p>'
    )


def test_upper_case_storage_tags_are_lower_cased_and_kept() -> None:
    body = '<AC:Structured-Macro AC:NAME="note"></AC:Structured-Macro>'
    assert sanitise_body(body) == (
        '<ac:structured-macro ac:name="note"></ac:structured-macro>'
    )


def test_https_link_keeps_its_href_and_gains_noopener() -> None:
    body = '<a href="https://example.test/x" target="_blank">x</a>'
    assert sanitise_body(body) == (
        '<a href="https://example.test/x" rel="noopener noreferrer">x</a>'
    )


@pytest.mark.parametrize(
    "href", ["/wiki/page", "#section", "page?x=1", "mailto:docs@example.test"]
)
def test_relative_and_mailto_links_are_kept(href: str) -> None:
    assert f'href="{href}"' in sanitise_body(f'<a href="{href}">x</a>')


def test_web_link_in_storage_format_keeps_an_https_url() -> None:
    body = '<ac:link><ri:url ri:value="https://example.test/"/></ac:link>'
    assert 'ri:value="https://example.test/"' in sanitise_body(body)


@pytest.mark.parametrize("name", sorted(RAW_HTML_MACROS | {"HTML", " Widget "}))
def test_raw_html_macro_is_dropped_with_its_content(name: str) -> None:
    body = (
        f'<p>before</p><ac:structured-macro ac:name="{name}">'
        '<ac:parameter ac:name="url">https://example.test/</ac:parameter>'
        "<ac:plain-text-body><![CDATA[<b>raw</b>]]></ac:plain-text-body>"
        "</ac:structured-macro><p>after</p>"
    )
    assert sanitise_body(body) == "<p>before</p><p>after</p>"


def test_raw_html_macro_nested_in_an_info_macro_is_dropped_alone() -> None:
    body = (
        '<ac:structured-macro ac:name="info"><ac:rich-text-body><p>keep</p>'
        '<ac:structured-macro ac:name="html"><ac:plain-text-body>'
        "<![CDATA[<i>x</i>]]></ac:plain-text-body></ac:structured-macro>"
        "<p>also</p></ac:rich-text-body></ac:structured-macro>"
    )
    assert sanitise_body(body) == (
        '<ac:structured-macro ac:name="info"><ac:rich-text-body><p>keep</p>'
        "<p>also</p></ac:rich-text-body></ac:structured-macro>"
    )


def test_leading_newline_in_preformatted_text_survives_re_sanitising() -> None:
    once = sanitise_body("<pre>\n\nindented</pre>")
    assert sanitise_body(once) == once == "<pre>\n\nindented</pre>"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param("<p>Hello   world</p>", "<p>Hello world</p>", id="spaces"),
        pytest.param("<p>\n  Hello\n  world\n</p>", "<p>Hello world</p>", id="wrap"),
        pytest.param(
            "<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>",
            "<ul><li>a</li><li>b</li></ul>",
            id="indentation",
        ),
        pytest.param("  <p>x</p>\n\n", "<p>x</p>", id="outer-whitespace"),
        pytest.param(
            '<ac:structured-macro ac:schema-version="1" ac:name="info">'
            "</ac:structured-macro>",
            "<ac:structured-macro ac:name='info' ac:schema-version=\"1\">"
            "</ac:structured-macro>",
            id="attribute-order-and-quotes",
        ),
        pytest.param("<p>a<br>b</p>", "<p>a<br/>b</p>", id="br-slash"),
        pytest.param("<p>a<br />b</p>", "<p>a<BR>b</p>", id="br-space-and-case"),
        pytest.param("<pre>a\r\nb\rc</pre>", "<pre>a\nb\nc</pre>", id="line-endings"),
        pytest.param(
            '<ri:page ri:content-title="X"/>',
            '<ri:page ri:content-title="X"></ri:page>',
            id="self-closed-element",
        ),
        pytest.param(
            "<ac:plain-text-body><![CDATA[a < b]]></ac:plain-text-body>",
            "<ac:plain-text-body>a &lt; b</ac:plain-text-body>",
            id="cdata",
        ),
        pytest.param("<p>it&#39;s &amp; more</p>", "<p>it's &amp; more</p>", id="refs"),
        pytest.param("<p>x<!-- note --></p>", "<p>x</p>", id="comment"),
    ],
)
def test_no_op_re_saves_normalise_equal(first: str, second: str) -> None:
    assert normalise_body(first) == normalise_body(second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param("<p>Hello world</p>", "<p>Hello there</p>", id="word"),
        pytest.param("<p>a</p>", "<p>a</p><p>b</p>", id="added-paragraph"),
        pytest.param("<p>a</p><p>b</p>", "<p>a b</p>", id="merged-paragraphs"),
        pytest.param("<b>a</b>", "<i>a</i>", id="tag"),
        pytest.param(
            '<a href="https://a.test/">x</a>',
            '<a href="https://b.test/">x</a>',
            id="attribute-value",
        ),
        pytest.param(
            '<ac:parameter ac:name="title">Old</ac:parameter>',
            '<ac:parameter ac:name="title">New</ac:parameter>',
            id="macro-parameter",
        ),
        pytest.param("<b>a</b> <i>b</i>", "<b>a</b><i>b</i>", id="inline-space"),
        pytest.param(
            "<ac:plain-text-body>if x:\n    y()</ac:plain-text-body>",
            "<ac:plain-text-body>if x:\n  y()</ac:plain-text-body>",
            id="code-indentation",
        ),
        pytest.param("<p>a&nbsp;b</p>", "<p>a b</p>", id="non-breaking-space"),
    ],
)
def test_real_changes_normalise_differently(first: str, second: str) -> None:
    assert normalise_body(first) != normalise_body(second)


@pytest.mark.parametrize(
    "body",
    [INFO_MACRO, TABLE, "<pre>\n\nx</pre>", "<p> a  <b>b</b> </p>\r\n<hr/>"],
)
def test_normalising_twice_changes_nothing(body: str) -> None:
    once = normalise_body(body)
    assert normalise_body(once) == once


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_normalising_a_hostile_body_twice_changes_nothing(vector: str) -> None:
    once = normalise_body(vector)
    assert normalise_body(once) == once


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param("<p>a < b</p>", "<p>a &lt; b</p>", id="stray-angle-bracket"),
        pytest.param('<p a="1" a="2">x</p>', '<p a="1">x</p>', id="duplicate-attr"),
        pytest.param("<!DOCTYPE html><p>x</p>", "<p>x</p>", id="doctype"),
    ],
)
def test_markup_quirks_normalise_as_a_browser_reads_them(
    first: str, second: str
) -> None:
    assert normalise_body(first) == normalise_body(second)


def test_text_after_an_unterminated_comment_still_counts() -> None:
    assert normalise_body("<p>x</p><!--a") != normalise_body("<p>x</p><!--b")


@pytest.mark.parametrize(
    "hostile",
    ["<a " * 50_000, '<a b="' * 50_000, "<![CDATA[" * 20_000, "<!--" * 50_000],
    ids=["unclosed-tags", "unclosed-quotes", "unclosed-cdata", "unclosed-comments"],
)
@pytest.mark.parametrize(
    "process", [sanitise_body, normalise_body], ids=["sanitise", "normalise"]
)
def test_hostile_unclosed_markup_is_processed_to_bounded_output(
    process: Callable[[str], str], hostile: str
) -> None:
    # The scanners are written to stay linear on such input; a quadratic regression
    # shows as minutes in this test (tests do not time things: `signoff bench` does).
    assert len(process(hostile)) <= len(hostile) * 2


def test_content_hash_is_hex_sha256() -> None:
    assert re.fullmatch(r"[0-9a-f]{64}", content_hash("Title", "<p>x</p>"))


def test_content_hash_ignores_a_no_op_re_save() -> None:
    saved = content_hash("Release plan", '<p a="1" b="2">Ship  it<br/></p>')
    resaved = content_hash(" Release plan\n", '<p b="2" a="1">\nShip it<br></p>\r\n')
    assert saved == resaved


def test_content_hash_changes_with_the_title() -> None:
    assert content_hash("Plan", "<p>x</p>") != content_hash("Plan v2", "<p>x</p>")


def test_content_hash_changes_with_the_body() -> None:
    assert content_hash("Plan", "<p>x</p>") != content_hash("Plan", "<p>y</p>")


def test_content_hash_keeps_title_and_body_apart() -> None:
    assert content_hash("ab", "<p>c</p>") != content_hash("a", "b<p>c</p>")
