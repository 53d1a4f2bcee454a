"""An `email.send` payload as a mail: subject, plain text and HTML from Jinja2
templates (`email_templates/`). HTML is autoescaped, so a page title or a comment
can never add markup; links are built from the site's `base_url`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).parent / "email_templates"
KINDS = (
    "approval_requested",
    "approval_reminder",
    "decision_made",
    "request_completed",
    "approval_stale",
    "approval_expired",
    "review_overridden",
    "rereview_reminder",
)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def subject_of(payload: dict[str, Any]) -> str:
    page, template = payload["page"], payload["template"]
    title, what = page["title"], f"(version {page['version']})"
    if template == "approval_requested":
        line = f"Approval requested: {title} {what}"
    elif template == "decision_made":
        verb = "approved" if payload.get("decision") == "approve" else "rejected"
        actor = payload.get("actor") or "An approver"
        line = f"{actor} {verb} {title} {what}"
    elif template == "approval_reminder":
        when = "Overdue" if payload.get("overdue") else "Due soon"
        line = f"{when}: your approval of {title} {what}"
    elif template == "rereview_reminder":
        line = f"Re-review due soon: {title} {what}"
    elif template == "approval_expired":
        line = f"Approval expired: {title} {what} needs a new review"
    elif template == "review_overridden":
        line = f"Overridden: {title} {what} was {payload.get('outcome')}"
    elif template == "request_completed":
        outcome = str(payload.get("outcome", "")).capitalize()
        line = f"{outcome}: {title} {what}"
    else:
        line = (
            f"Approval stale: {title} is now at version {payload.get('currentVersion')}"
        )
    # A header is one line, whatever a title holds.
    return " ".join(f"[{payload['space']['key']}] {line}".split())


def render(env: Environment, payload: dict[str, Any], base_url: str) -> Rendered:
    template = payload["template"]
    if template not in KINDS:
        raise ValueError(f"no email template {template!r}")
    change_set = payload.get("changeSet")
    change = payload.get("change")
    subject = subject_of(payload)
    context = {
        "subject": subject,
        "to": payload["to"],
        "role": payload.get("role"),
        "page": payload["page"],
        "space": payload["space"],
        "actor": payload.get("actor"),
        "step": payload.get("step"),
        "decision": payload.get("decision"),
        "comment": payload.get("comment") or "",
        "outcome": payload.get("outcome"),
        "reason": payload.get("reason") or "",
        "current_version": payload.get("currentVersion"),
        "due_at": payload.get("dueAt"),
        "overdue": payload.get("overdue"),
        "change_set": change_set,
        "change": change,
        "change_link": base_url + change["path"] if change else None,
        "link": base_url + payload["page"]["path"],
        "change_set_link": base_url + change_set["path"] if change_set else None,
        "account_link": base_url + "/account",
    }
    return Rendered(
        subject=subject,
        text=env.get_template(f"{template}.txt").render(context),
        html=env.get_template(f"{template}.html").render(context),
    )
