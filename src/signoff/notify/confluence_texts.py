"""The comments Signoff writes on Confluence pages, in Confluence's storage format.

A submission opens a footer comment that mentions the approvers asked (those with a
mapped Atlassian account; the others are named in plain text) and, for a change
set, gives its title, summary and links; every later event of the review is one
reply in that thread. Everything that comes from people (names, step names,
comments, titles, summaries, URLs) is XML-escaped here, so no input can add markup,
a macro or a mention of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from html import escape
from urllib.parse import urlsplit

from signoff.notify.confluence_review import ChangeSetFacts, Person, ReviewEvent

# Characters XML 1.0 cannot hold at all, not even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def comment_markup(event: ReviewEvent) -> str | None:
    """The comment (or reply) the event writes; None for an event that writes none."""
    text = _TEXTS.get(event.event)
    if text is None:
        return None
    return text(event) + _review_link(event)


def xml_text(value: str) -> str:
    """`value` as text in storage format: escaped, characters XML forbids dropped."""
    return escape(_NOT_XML.sub("", value), quote=True)


def mention(account_id: str) -> str:
    return f'<ac:link><ri:user ri:account-id="{xml_text(account_id)}" /></ac:link>'


def _submitted(event: ReviewEvent) -> str:
    parts = [
        f"<p>{_name(event.actor, 'Someone')} requested approval of version "
        f"{event.version} in Signoff.</p>",
        f"<p>Step {_quoted(event.step)} asks {_asked(event.approvers)}.</p>",
    ]
    if event.change is not None:
        base, summary = event.change
        url = f"{event.review_url}/compare?from={base}&to={event.version}"
        parts.append(
            f"<p>What changed since version {base}: {xml_text(summary)}. "
            f'<a href="{xml_text(url)}">See the changes in Signoff</a></p>'
        )
    if event.change_set is not None:
        parts.append(_change_set(event.change_set))
    return "".join(parts)


def _step_started(event: ReviewEvent) -> str:
    return (
        f"<p>Step {_quoted(event.step)} is next: it asks {_asked(event.approvers)}.</p>"
    )


def _decided(event: ReviewEvent) -> str:
    verb = "rejected" if event.decision == "reject" else "approved"
    text = (
        f"<p>{_name(event.actor, 'An approver')} {verb} version {event.version} "
        f"at step {_quoted(event.step)}.</p>"
    )
    if event.comment.strip():
        text += f"<p>{_multiline(event.comment)}</p>"
    return text


def _approved(event: ReviewEvent) -> str:
    return f"<p>The review is complete: version {event.version} is approved.</p>"


def _rejected(event: ReviewEvent) -> str:
    return f"<p>The review is complete: version {event.version} was rejected.</p>"


def _cancelled(event: ReviewEvent) -> str:
    return (
        f"<p>{_name(event.actor, 'The submitter')} withdrew the review of version "
        f"{event.version}.</p>"
    )


def _superseded(event: ReviewEvent) -> str:
    return (
        f"<p>Version {_number(event.current_version)} was saved during the review: "
        f"this review of version {event.version} is superseded. The new version "
        "needs a review of its own.</p>"
    )


def _stale(event: ReviewEvent) -> str:
    return (
        f"<p>Version {_number(event.current_version)} changed the approved content: "
        f"the approval of version {event.version} is stale.</p>"
    )


def _expired(event: ReviewEvent) -> str:
    return (
        f"<p>The approval of version {event.version} expired; the page needs a new "
        "review.</p>"
    )


def _overridden(event: ReviewEvent) -> str:
    outcome = "approved" if event.decision == "approve" else "rejected"
    return (
        f"<p>{_name(event.actor, 'A space admin')} overrode the review: version "
        f"{event.version} is {outcome}, without waiting for its approvers.</p>"
        f"<p>Reason: {_multiline(event.comment)}</p>"
    )


def _reset(event: ReviewEvent) -> str:
    return (
        f"<p>{_name(event.actor, 'A space admin')} reset the review of version "
        f"{event.version}: the page is a draft again.</p>"
    )


_TEXTS: dict[str, Callable[[ReviewEvent], str]] = {
    "approval.submitted": _submitted,
    "approval.step_started": _step_started,
    "approval.decided": _decided,
    "approval.approved": _approved,
    "approval.rejected": _rejected,
    "approval.cancelled": _cancelled,
    "approval.superseded": _superseded,
    "approval.stale": _stale,
    "approval.expired": _expired,
    "approval.reset": _reset,
    "approval.overridden": _overridden,
}


def _asked(people: Iterable[Person]) -> str:
    """Mentions of the people with an account, the others by name."""
    named = [
        mention(person.account_id) if person.account_id else xml_text(person.name)
        for person in people
    ]
    return ", ".join(named) if named else "no approver who may decide"


def _change_set(change_set: ChangeSetFacts) -> str:
    parts = [
        f"<p>Change set: <strong>{xml_text(change_set.title)}</strong> "
        f'(<a href="{xml_text(change_set.signoff_url)}">open it in Signoff</a>)</p>'
    ]
    if change_set.summary.strip():
        parts.append(f"<p>{_multiline(change_set.summary)}</p>")
    url = change_set.reference_url
    if url and urlsplit(url).scheme in ("http", "https"):
        parts.append(f'<p>Reference: <a href="{xml_text(url)}">{xml_text(url)}</a></p>')
    return "".join(parts)


def _review_link(event: ReviewEvent) -> str:
    return (
        f'<p><a href="{xml_text(event.review_url)}">Open the review in Signoff</a></p>'
    )


def _name(person: Person | None, otherwise: str) -> str:
    return xml_text(person.name) if person is not None else otherwise


def _quoted(name: str | None) -> str:
    return f"'{xml_text(name)}'" if name else "(unnamed)"


def _number(value: int | None) -> str:
    return str(value) if value is not None else "a newer one"


def _multiline(text: str) -> str:
    return "<br />".join(xml_text(line) for line in text.strip().splitlines())
