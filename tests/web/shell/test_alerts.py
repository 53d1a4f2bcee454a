"""One alert style: every error, notice and success message of every screen is
drawn by the `_alert.html` partial, so each looks and reads the same."""

from __future__ import annotations

import re

import pytest

from signoff.web.templating import TEMPLATES_DIR
from web.conftest import Web

PARTIAL = "_alert.html"
# Markup only the partial may write: the old per-screen classes and live roles.
STRAY = re.compile(
    r'class="(?:flash|error|notice)\b|class="[^"]*\b(?:flash|error|notice)"|'
    r'role="alert"'
)
TEMPLATES = sorted(
    path.name for path in TEMPLATES_DIR.glob("*.html") if path.name != PARTIAL
)


@pytest.mark.parametrize("name", TEMPLATES)
def test_no_template_draws_its_own_alert(name: str) -> None:
    text = (TEMPLATES_DIR / name).read_text(encoding="utf-8")
    assert not STRAY.findall(text), f"{name} draws an alert without {PARTIAL}"


def test_every_template_that_shows_an_alert_imports_the_partial() -> None:
    for name in TEMPLATES:
        text = (TEMPLATES_DIR / name).read_text(encoding="utf-8")
        if re.search(r"\balert(?:_box)?\(", text):
            assert f'{{% from "{PARTIAL}" import' in text, name


def test_a_refusal_on_the_page_is_drawn_as_an_error_alert(web: Web) -> None:
    refused = web.post("viewer", web.page_url + "/submit")
    assert '<p class="alert alert-error" role="alert">' in getattr(refused, "text", "")


def test_a_saved_preference_is_drawn_as_a_success_alert(web: Web) -> None:
    text = web.browsers["editor"].get("/account?saved=preferences").text
    assert '<p class="alert alert-success" role="status">' in text


def test_the_error_page_draws_an_error_alert(web: Web) -> None:
    text = web.browsers["editor"].get("/spaces/NOPE").text
    assert '<p class="alert alert-error" role="alert">' in text
