"""The UI's words for the fields the engine's refusals name, and refusals led by them.

The engine names a field as the REST API's JSON does (`expiresDays`), which is right
there; a form shows the same refusal with the field named as its label says
("Expires in (days)"). Every UI form that shows a refusal goes through `for_people`.
"""

from __future__ import annotations

from collections.abc import Mapping

from signoff.domain.errors import BadInput, SignoffError
from signoff.web.refusals import Refusal, refusal

# The labels a field has on every form that shows it.
LABELS = {
    "expiresDays": "Expires in (days)",
    "referenceUrl": "Reference link",
    "members": "People to ask",
    "quorumSize": "Approvals needed",
    "title": "Title",
    "expiryDate": "Last day",
}
# Fields whose label depends on the form: pass the form's table to `for_people`.
PAGE_EDITOR = {"body": "Body", "message": "Change message", "format": "Format"}
COMMENT_BOX = {"body": "Comment", "comment": "Comment"}
REJECT_FORM = {"comment": "Reason for rejecting"}
OVERRIDE_FORM = {"reason": "Reason for the override"}


def for_people(error: SignoffError, form: Mapping[str, str] | None = None) -> Refusal:
    """The refusal's status and sentence, its field named by the form's label: a
    sentence led by the field's JSON name (`referenceUrl must ...`, `title: ...`)
    is led by the label instead, and any other sentence about a labelled field is
    led by `Label: `, so the person knows which box to correct. `form` holds the
    labels of this form's own fields, which win over the shared ones."""
    shown = refusal(error)
    name = error.field if isinstance(error, BadInput) else None
    labels = {**LABELS, **(form or {})}
    if name is None or name not in labels:
        return shown
    label = labels[name]
    for lead in (f"{name}: ", f"{name} "):
        if shown.sentence.startswith(lead):
            rest = lead.removeprefix(name) + shown.sentence.removeprefix(lead)
            return Refusal(shown.status, label + rest)
    if shown.sentence.startswith(label):
        return shown
    return Refusal(shown.status, f"{label}: {shown.sentence}")
