"""The UI's words for the fields the engine's refusals name, and refusals led by them.

The engine names a field as the REST API's JSON does (`expiresDays`), which is right
there; a form shows the same refusal with the field named as its label says
("Expires in (days)"). Every UI form that shows a refusal goes through `for_people`.
"""

from __future__ import annotations

from signoff.domain.errors import BadInput, SignoffError
from signoff.web.refusals import Refusal, refusal

LABELS = {
    "expiresDays": "Expires in (days)",
    "referenceUrl": "Reference link",
    "members": "People to ask",
    "quorumSize": "Approvals needed",
    "title": "Title",
    "expiryDate": "Last day",
}


def for_people(error: SignoffError) -> Refusal:
    """The refusal's status and sentence, its field named by the form's label: a
    sentence led by the field's JSON name (`referenceUrl must ...`, `title: ...`)
    is led by the label instead."""
    shown = refusal(error)
    name = error.field if isinstance(error, BadInput) else None
    if name is None or name not in LABELS:
        return shown
    for lead in (f"{name}: ", f"{name} "):
        if shown.sentence.startswith(lead):
            label = LABELS[name] + lead.removeprefix(name)
            return Refusal(shown.status, label + shown.sentence.removeprefix(lead))
    return shown
