"""B5/B7: the XSS corpus through every field a person controls, read back everywhere.

Every vector is stored through the actions or the UI's forms, then the screens that
show those fields are opened in Debian's Chromium with hooks installed before any
page script could run: `alert`/`confirm`/`prompt`/`print` record their calls, dialogs
and console messages are collected, CSP violations are reported, and after load the
live DOM is searched for injected scripts, frames, `on*` attributes and URLs of any
scheme but http, https and mailto. Each screen must also show the vectors as text,
so a field that never reached the screen cannot pass by being absent.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select

from browser import chromium_browser
from factories import by, later
from live_server import live_server
from oauth.support import Clock
from reliability.figures import record
from reliability.xss_world import (
    KEY,
    READERS,
    VECTOR_COUNT,
    VECTORS_FILE,
    XssWorld,
    build,
    comment_in_the_ui,
    load_vectors,
    stored_values,
)
from signoff.actions.changesets import do_create_change_set
from signoff.api.app import create_app
from signoff.config import Settings
from signoff.db.models import Comment, PageVersion, Space, User
from signoff.db.session import Database
from signoff.domain.errors import BadInput
from signoff.queries.audit import FORMULA_START
from signoff.web.routes import web_routers
from signoff.web.sessions import SESSION_COOKIE

pytestmark = pytest.mark.slow


@dataclass
class Site:
    base: str
    db: Database
    world: XssWorld


@pytest.fixture(scope="module")
def site(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("xss")
    (folder / "signoff.db").write_bytes(sqlite_template.read_bytes())
    app = create_app(
        Settings(
            data_dir=folder / "data", database_url=f"sqlite:///{folder / 'signoff.db'}"
        )
    )
    app.state.clock = Clock(later(60))
    db: Database = app.state.db
    world = build(db, load_vectors())
    with live_server(app) as base:
        comment_in_the_ui(base, world)
        yield Site(base, db, world)
    db.dispose()


def test_the_corpus_file_loads_every_vector() -> None:
    lines = VECTORS_FILE.read_text(encoding="utf-8").removesuffix("\n").split("\n")
    vectors = load_vectors()

    assert len(vectors) == VECTOR_COUNT
    assert len(vectors) == len([line for line in lines if line.strip()])
    assert len(set(vectors)) == len(vectors)
    assert "<img src=x onerror\t=alert(1)>" in vectors  # the tab survives


# Installed before any page script: the dialog functions record instead of opening,
# and a blocked inline script or handler reports the CSP violation it caused.
HOOKS = """
(() => {
  const report = (kind, detail) => {
    try { window.__xssReport(kind, String(detail)); } catch (e) {}
  };
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    const hook = (...args) => { report(name, args.join(" ")); return null; };
    Object.defineProperty(window, name, { value: hook, configurable: false });
  }
  document.addEventListener("securitypolicyviolation", (e) =>
    report("csp " + e.violatedDirective, e.blockedURI + " " + e.sample), true);
})();
"""

# After load: what user content must never become in the live DOM.
INSPECT = """
(wanted) => {
  const found = [];
  const urlAttributes = ["href", "src", "action", "formaction", "xlink:href", "data",
    "background", "poster", "srcdoc", "srcset", "ping", "cite", "longdesc"];
  const ownIcon = document.head.querySelector("link[rel=icon]");
  const forbidden = ["IFRAME", "FRAME", "FRAMESET", "OBJECT", "EMBED", "APPLET",
    "BASE", "STYLE", "NOSCRIPT"];
  for (const el of document.querySelectorAll("*")) {
    const tag = el.tagName.toUpperCase();
    if (tag === "SCRIPT" && !(el.src || "").startsWith(location.origin + "/static/"))
      found.push("script element: " + el.outerHTML.slice(0, 120));
    if (forbidden.includes(tag)) found.push("element: " + el.outerHTML.slice(0, 120));
    if ((tag === "META" || tag === "LINK") && !document.head.contains(el))
      found.push("element in body: " + el.outerHTML.slice(0, 120));
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith("on")) found.push("handler " + tag + " " + name);
      if (name === "style") found.push("style attribute on " + tag);
      if (urlAttributes.includes(name) && el !== ownIcon) {
        const url = attr.value.replace(/[\\u0000-\\u0020]/g, "").toLowerCase();
        const scheme = /^([a-z][a-z0-9+.-]*):/.exec(url);
        if (scheme && !["http", "https", "mailto"].includes(scheme[1]))
          found.push("url " + tag + " " + name + "=" + attr.value.slice(0, 80));
      }
    }
  }
  const texts = {};
  for (const selector of wanted) {
    const [css, attribute] = selector.split("@");
    texts[selector] = [...document.querySelectorAll(css)].map((el) =>
      attribute ? el.getAttribute(attribute) || "" :
      (el.value !== undefined && el.tagName !== "LI" && el.tagName !== "OPTION"
        ? el.value : el.textContent).trim());
  }
  return { found, texts, frames: window.frames.length };
}
"""


@dataclass(frozen=True)
class Check:
    """A field a screen shows: the elements that hold it, and whether each value is
    an element's whole text or part of one."""

    field: str
    selector: str
    whole: bool = True


@dataclass(frozen=True)
class Screen:
    name: str
    user: str
    path: str
    checks: tuple[Check, ...]
    follow_next: bool = False


def screens(world: XssWorld) -> list[Screen]:
    corpus = f"/spaces/{KEY}/pages/{world.corpus_id}"
    workflow = f"/spaces/{KEY}/workflows/{world.workflow_ids[0]}"
    corpus_set = f"/changesets/{world.corpus_set_id}"
    audit = f"/audit?space={KEY}&action="
    title_links = Check("page title", "td a[href*='/pages/']")
    return [
        Screen(
            "page view",
            "writer",
            corpus,
            (
                Check("page body", ".page-body", whole=False),
                Check("storage-format comment", ".comment-body", whole=False),
                Check("typed comment with mention", ".comment-body"),
                Check("display name", ".comment-meta strong"),
                Check("review comment", ".decisions li", whole=False),
            ),
        ),
        *(
            screen
            for page_id in world.body_page_ids[1:]
            for screen in (
                Screen(
                    "page view",
                    "writer",
                    f"/spaces/{KEY}/pages/{page_id}",
                    (Check("page body", ".page-body", whole=False),),
                ),
                Screen(
                    "page edit form",
                    "writer",
                    f"/spaces/{KEY}/pages/{page_id}/edit",
                    (Check("page body", "textarea#body", whole=False),),
                ),
            )
        ),
        Screen(
            "page edit form",
            "writer",
            corpus + "/edit",
            (Check("page body", "textarea#body", whole=False),),
        ),
        Screen(
            "version history",
            "writer",
            f"/spaces/{KEY}/pages/{world.history_id}",
            (
                Check("version title", "table.grid tbody td:nth-child(2)"),
                Check("version message", "table.grid tbody td:nth-child(5)"),
            ),
        ),
        Screen(
            "space page",
            "writer",  # an admin's view adds a picker of every workflow per row
            f"/spaces/{KEY}",
            (title_links, Check("workflow name", "tbody td:nth-child(3)")),
        ),
        Screen(
            "queue",
            "boss",
            "/queue?tab=pending",
            (
                title_links,
                Check("workflow name", "td[data-label=Workflow]"),
                Check("step name", "td[data-label=Step]", whole=False),
                Check("display name", "td[data-label='Submitted by']"),
                Check("change-set title", "select[name=changeset] option"),
            ),
            follow_next=True,
        ),
        Screen(
            "change sets",
            "writer",
            "/changesets",
            (
                Check("change-set title", "td a[href^='/changesets/']"),
                Check("change-set reference URL", "td[data-label=Reference] a@href"),
            ),
        ),
        Screen(
            "change-set detail",
            "writer",
            corpus_set,
            (
                title_links,
                Check("change-set summary", "p.summary", whole=False),
            ),
        ),
        Screen(
            "change-set edit form",
            "writer",
            corpus_set + "/edit",
            (
                Check("change-set summary", "textarea#summary", whole=False),
                Check("page title", "label.check", whole=False),
            ),
        ),
        Screen(
            "workflows",
            "boss",
            f"/spaces/{KEY}/workflows",
            (
                Check("workflow name", "td[data-label=Workflow] strong"),
                Check("step name", "ol.steps li strong"),
                Check("display name", "ol.steps li", whole=False),
            ),
        ),
        Screen(
            "workflow form",
            "boss",
            workflow + "/edit",
            (Check("display name", "label.check", whole=False),),
        ),
        Screen(
            "workflow pages",
            "boss",
            workflow + "/pages",
            (
                Check("page title", "label.check", whole=False),
                Check("workflow name", "h1, label.check .muted", whole=False),
            ),
        ),
        *(
            Screen(
                "inbox",
                reader,
                "/inbox",
                (Check("display name", "ul.inbox li", whole=False),),
            )
            for reader in READERS
        ),
        Screen(
            "audit: pages",
            "boss",
            audit + "page.created",
            (
                Check("page title", "td[data-label=Page] a"),
                Check("display name", "td[data-label=Actor]"),
            ),
            follow_next=True,
        ),
        Screen(
            "audit chooser",
            "boss",
            "/audit",
            (Check("space name", "main li a", whole=False),),
        ),
        Screen(
            "analytics chooser",
            "boss",
            "/analytics",
            (Check("space name", "main li a", whole=False),),
        ),
        Screen(
            "analytics",
            "boss",
            f"/analytics/{KEY}",
            (Check("workflow name", "td[data-label=Workflow]"),),
        ),
        Screen("spaces", "boss", "/spaces", (Check("space name", "td"),)),
        Screen("account", "boss", "/account", (Check("token name", "td"),)),
        Screen(
            "new change set",
            "boss",
            "/changesets/new",
            (Check("space name", "select#space option", whole=False),),
        ),
    ]


@dataclass
class Findings:
    fired: list[str] = field(default_factory=list)  # hooks called, dialogs, logs
    injected: list[str] = field(default_factory=list)  # markup that got through
    shown: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    loads: int = 0


class Tabs:
    """One hooked Chromium tab per person, signed in by their session cookie."""

    def __init__(self, browser: Any, site: Site, findings: Findings) -> None:
        self.browser, self.site, self.findings = browser, site, findings
        self.tabs: dict[str, Any] = {}

    def tab(self, user: str) -> Any:
        if user not in self.tabs:
            context = self.browser.new_context()
            context.add_cookies(
                [
                    {
                        "name": SESSION_COOKIE,
                        "value": self.site.world.secrets[user],
                        "url": self.site.base,
                    }
                ]
            )
            fired, injected = self.findings.fired, self.findings.injected
            context.expose_function(
                "__xssReport",
                lambda kind, detail: (
                    injected if kind.startswith("csp") else fired
                ).append(f"{user}: {kind} {detail}"),
            )
            context.add_init_script(HOOKS)
            page = context.new_page()
            page.on("dialog", self._dialog)
            page.on("console", lambda m: self._console(user, m))
            self.tabs[user] = page
        return self.tabs[user]

    def _dialog(self, dialog: Any) -> None:
        self.findings.fired.append(f"dialog {dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _console(self, user: str, message: Any) -> None:
        text = str(message.text)
        if text.startswith("Failed to load resource"):
            return  # an <img src=x> left as a harmless relative link
        bucket = self.findings.injected if "Refused" in text else self.findings.fired
        bucket.append(f"{user}: console {message.type}: {text[:200]}")

    def visit(self, screen: Screen) -> dict[str, list[str]]:
        """Load the screen (and its further cursor pages); return each selector's
        texts and note what user content became in the DOM."""
        page = self.tab(screen.user)
        selectors = [check.selector for check in screen.checks]
        texts: dict[str, list[str]] = {selector: [] for selector in selectors}
        path: str | None = screen.path
        while path:
            response = page.goto(self.site.base + path)
            assert response is not None and response.status == 200, path
            self.findings.loads += 1
            result = page.evaluate(INSPECT, selectors)
            self.findings.injected += [f"{screen.name}: {f}" for f in result["found"]]
            if result["frames"]:
                self.findings.injected.append(
                    f"{screen.name}: {result['frames']} frames"
                )
            for selector, values in result["texts"].items():
                texts[selector] += values
            more = page.query_selector("a.next") if screen.follow_next else None
            path = more.get_attribute("href") if more else None
        return texts


def shown_indexes(values: list[str], texts: list[str], *, whole: bool) -> set[int]:
    if whole:
        present = set(texts)
        return {i for i, value in enumerate(values) if value in present}
    return {i for i, value in enumerate(values) if any(value in t for t in texts)}


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with chromium_browser() as browser:
        yield browser


@pytest.fixture(scope="module")
def findings(site: Site, chromium: Any) -> Findings:
    """Every screen of the world, each opened once, with what it showed and did."""
    stored = stored_values(site.db, site.world)
    seen = Findings()
    tabs = Tabs(chromium, site, seen)
    for screen in screens(site.world):
        texts = tabs.visit(screen)
        for check in screen.checks:
            indexes = shown_indexes(
                stored[check.field], texts[check.selector], whole=check.whole
            )
            seen.shown.setdefault((screen.name, check.field), set()).update(indexes)
    for tab in tabs.tabs.values():
        tab.context.close()
    return seen


def test_no_vector_runs_or_injects_markup_on_any_screen(
    site: Site, findings: Findings
) -> None:
    fields: dict[str, set[int]] = {}
    for (_, name), indexes in findings.shown.items():
        fields.setdefault(name, set()).update(indexes)
    record("XSS vectors tried", sum(len(indexes) for indexes in fields.values()))
    record("scripts fired", len(findings.fired))

    assert findings.fired == []
    assert findings.injected == []
    assert set(fields) == set(stored_values(site.db, site.world))


def test_every_screen_shows_every_vector_of_its_fields_as_text(
    findings: Findings,
) -> None:
    short = {
        f"{screen}: {name}": VECTOR_COUNT - len(indexes)
        for (screen, name), indexes in findings.shown.items()
        if len(indexes) != VECTOR_COUNT
    }

    assert short == {}


def test_the_hooks_catch_a_page_that_does_inject(chromium: Any) -> None:
    """The detector itself, on a page built to fail: every trap must spring."""
    hostile = (
        "data:text/html,<script>alert(1)</script><img src=x onerror=alert(2)>"
        "<a href='javascript:alert(3)'>x</a><iframe srcdoc='<b>x</b>'></iframe>"
    )
    fired: list[str] = []
    context = chromium.new_context()
    try:
        context.expose_function("__xssReport", lambda kind, _: fired.append(kind))
        context.add_init_script(HOOKS)
        page = context.new_page()
        page.goto(hostile)
        page.wait_for_function("document.images[0].complete")
        result = page.evaluate(INSPECT, [])
    finally:
        context.close()

    assert fired[0] == "alert"
    assert [f.split(" ")[0] for f in result["found"]] == [
        "script",
        "handler",
        "url",
        "element:",
    ]
    assert result["frames"] == 1


class _Markup(HTMLParser):
    """Every element and attribute of stored HTML, as a browser's tokenizer sees it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]


FORBIDDEN = {"script", "iframe", "object", "embed", "style", "frame", "applet", "base"}
URL_NAMES = {"href", "src", "action", "formaction", "xlink:href", "ri:value", "data"}
SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")  # as a browser reads one
SAFE_SCHEMES = ("http", "https", "mailto")


def unsafe_parts(body: str) -> list[str]:
    markup = _Markup()
    markup.feed(body)
    markup.close()
    found = [f"<{tag}>" for tag in markup.tags if tag in FORBIDDEN]
    for tag, name, value in markup.attributes:
        if name.startswith("on") or name == "style":
            found.append(f"{tag} {name}")
        scheme = SCHEME.match("".join(ch for ch in value if ord(ch) > 0x20))
        if name in URL_NAMES and scheme and scheme[1].lower() not in SAFE_SCHEMES:
            found.append(f"{tag} {name}={value}")
    return found


def test_stored_bodies_reparse_without_any_script_vector(site: Site) -> None:
    with site.db.read() as session:
        bodies = list(session.scalars(select(PageVersion.body)))
        bodies += list(session.scalars(select(Comment.body)))

    unsafe = {body[:80]: parts for body in bodies if (parts := unsafe_parts(body))}

    assert len(bodies) > 4 * VECTOR_COUNT  # versions, comments, decisions' replies
    assert unsafe == {}


def test_the_reparse_check_finds_what_it_looks_for() -> None:
    assert unsafe_parts(
        '<p onclick="x"><a href=" JaVa&#115;cript:x">a</a><svg><script></script>'
        '<img src="data:text/html,x" style="x"><a href="/rel:ok">b</a></svg></p>'
    ) == [
        "<script>",
        "p onclick",
        "a href= JaVascript:x",
        "img src=data:text/html,x",
        "img style",
    ]


def test_a_change_set_link_refuses_every_vector(site: Site) -> None:
    refused = 0
    for vector in site.world.vectors:
        with pytest.raises(BadInput), site.db.write() as session:
            space = session.scalar(select(Space).where(Space.key == KEY))
            writer = session.scalar(select(User).where(User.username == "writer"))
            assert space is not None and writer is not None
            do_create_change_set(
                session, space, title="Link", reference_url=vector, **by(writer)
            )
        refused += 1

    assert refused == VECTOR_COUNT


def _export(site: Site, fmt: str) -> httpx.Response:
    with httpx.Client(
        base_url=site.base, cookies={SESSION_COOKIE: site.world.secrets["boss"]}
    ) as client:
        page = client.get("/audit", params={"space": KEY}).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token is not None
        response = client.post(
            "/audit/export",
            data={"csrf_token": token.group(1), "space": KEY, "format": fmt},
        )
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"].startswith("attachment;")
    return response


def test_the_audit_jsonl_export_holds_the_vectors_as_data(site: Site) -> None:
    response = _export(site, "jsonl")
    events = [json.loads(line) for line in response.text.splitlines()]
    stored = stored_values(site.db, site.world)

    assert response.headers["content-type"].startswith("application/x-ndjson")
    assert {e["actorName"] for e in events} >= set(stored["display name"])
    texts = "\n".join(e["text"] for e in events)
    assert all(title in texts for title in stored["page title"])
    assert all(name in texts for name in stored["workflow name"])


def test_the_audit_csv_export_quotes_vectors_and_neutralises_formulas(
    site: Site,
) -> None:
    response = _export(site, "csv")
    header, *rows = list(csv.reader(io.StringIO(response.text)))
    cells = [cell for row in rows for cell in row]
    names = {row[header.index("actorName")] for row in rows}
    stored = stored_values(site.db, site.world)
    formulas = [n for n in stored["display name"] if n.startswith(FORMULA_START)]

    assert response.headers["content-type"].startswith("text/csv")
    assert formulas  # the corpus ends with spreadsheet formulas
    assert [c for c in cells if c.startswith(FORMULA_START)] == []
    assert names >= {"'" + n if n in formulas else n for n in stored["display name"]}


def ui_get_paths(world: XssWorld) -> dict[str, str]:
    """Each GET route of the UI, with the world's ids in its placeholders."""
    values = {
        "{key}": KEY,
        "{page_id}": str(world.corpus_id),
        "{workflow_id}": str(world.workflow_ids[0]),
        "{change_set_id}": str(world.corpus_set_id),
        "{webhook_id}": "999999",  # none exists: the 404 page carries them too
        "{number}": "1",
    }
    paths = {}
    for router in web_routers():
        for route in router.routes:
            if isinstance(route, APIRoute) and "GET" in (route.methods or ()):
                path = route.path
                for placeholder, value in values.items():
                    path = path.replace(placeholder, value)
                assert "{" not in path, route.path
                paths[route.path] = path
    return paths


def test_every_ui_page_carries_the_security_headers(site: Site) -> None:
    paths = ui_get_paths(site.world)
    bad: dict[str, str] = {}
    with httpx.Client(base_url=site.base) as anonymous:
        responses = {"/login (signed out)": anonymous.get("/login")}
    for user in ("boss", "root"):
        with httpx.Client(
            base_url=site.base, cookies={SESSION_COOKIE: site.world.secrets[user]}
        ) as client:
            for route, path in paths.items():
                responses[f"{route} ({user})"] = client.get(path + f"?space={KEY}")
    for name, response in responses.items():
        policy = response.headers.get("content-security-policy", "")
        csp = {
            name: value
            for name, _, value in (p.strip().partition(" ") for p in policy.split(";"))
        }
        script = csp.get("script-src", csp.get("default-src", ""))
        if (
            response.status_code >= 500
            or "unsafe-inline" in script
            or "unsafe-eval" in script
            or script.split() != ["'self'"]
            or response.headers.get("x-content-type-options") != "nosniff"
            or (
                csp.get("frame-ancestors") != "'none'"
                and response.headers.get("x-frame-options") != "DENY"
            )
            or not response.headers.get("referrer-policy")
        ):
            bad[name] = f"{response.status_code} {dict(response.headers)}"

    assert len(paths) >= 24
    assert bad == {}
