"""The workflow editor's form: posted fields to a definition, a workflow to fields.

Steps arrive as numbered field groups (`step-0-name`, `step-0-approver`, ...) so the
form works without scripts: `Add a step` posts the form back with one more blank group,
a ticked `Remove this step` drops its group, and wholly blank groups are ignored.
Numbers are checked here for their shape only; what makes a definition sound (a quorum
no larger than the approvers named, at least one step) is the domain's rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from signoff.db.models import Workflow
from signoff.domain.errors import BadInput
from signoff.domain.states import Rule, StaleOn
from signoff.domain.workflows import MAX_STEPS, StepDefinition
from signoff.web.forms import FormValues, first

RULE_LABELS = {
    Rule.all.value: "All must approve",
    Rule.any.value: "Any one approves",
    Rule.quorum.value: "A quorum approves",
}
STALE_ON_LABELS = {
    StaleOn.content.value: "A change of content",
    StaleOn.version.value: "Any new version",
}
_STEP_FIELD = re.compile(r"steps\[(\d+)\][. ]?")


@dataclass
class StepFields:
    """One step as the form shows it: text as typed, ids as ticked."""

    name: str = ""
    approver_ids: set[int] = field(default_factory=set)
    group_ids: set[int] = field(default_factory=set)
    rule: str = Rule.all.value
    quorum: str = ""
    min_rejections: str = "1"
    due_days: str = ""

    def is_blank(self) -> bool:
        return not (self.name.strip() or self.approver_ids or self.group_ids)


@dataclass
class WorkflowFields:
    name: str = ""
    steps: list[StepFields] = field(default_factory=lambda: [StepFields()])
    expire_on_edit: bool = True
    stale_on: str = StaleOn.content.value
    allow_self_approval: bool = False
    valid_for_days: str = ""
    rereview_days: str = ""
    notify_requests: bool = True
    notify_status: bool = True
    allow_override: bool = True

    @classmethod
    def from_workflow(cls, workflow: Workflow) -> WorkflowFields:
        return cls(
            name=workflow.name,
            steps=[
                StepFields(
                    name=step.name,
                    approver_ids=set(step.approver_ids),
                    group_ids=set(step.group_ids),
                    rule=step.rule,
                    quorum="" if step.quorum is None else str(step.quorum),
                    min_rejections=str(step.min_rejections),
                    due_days="" if step.due_days is None else str(step.due_days),
                )
                for step in workflow.steps
            ],
            expire_on_edit=workflow.expire_on_edit,
            stale_on=workflow.stale_on,
            allow_self_approval=workflow.allow_self_approval,
            valid_for_days=(
                "" if workflow.valid_for_days is None else str(workflow.valid_for_days)
            ),
            rereview_days=(
                "" if workflow.rereview_days is None else str(workflow.rereview_days)
            ),
            notify_requests=workflow.notify_requests,
            notify_status=workflow.notify_status,
            allow_override=workflow.allow_override,
        )

    @classmethod
    def from_form(cls, form: FormValues) -> WorkflowFields:
        """Whatever was posted, kept as typed so a refused form shows it again."""
        steps = []
        for index in range(_step_count(form)):
            prefix = f"step-{index}-"
            if first(form, prefix + "remove"):
                continue
            steps.append(
                StepFields(
                    name=first(form, prefix + "name"),
                    approver_ids=_ids(form.get(prefix + "approver", [])),
                    group_ids=_ids(form.get(prefix + "group", [])),
                    rule=first(form, prefix + "rule") or Rule.all.value,
                    quorum=first(form, prefix + "quorum").strip(),
                    min_rejections=first(form, prefix + "min_rejections").strip(),
                    due_days=first(form, prefix + "due_days").strip(),
                )
            )
        return cls(
            name=first(form, "name"),
            steps=steps,
            expire_on_edit=bool(first(form, "expire_on_edit")),
            stale_on=first(form, "stale_on") or StaleOn.content.value,
            allow_self_approval=bool(first(form, "allow_self_approval")),
            valid_for_days=first(form, "valid_for_days").strip(),
            rereview_days=first(form, "rereview_days").strip(),
            # Unticked boxes are not posted at all: absent means off.
            notify_requests=bool(first(form, "notify_requests")),
            notify_status=bool(first(form, "notify_status")),
            allow_override=bool(first(form, "allow_override")),
        )

    def compact(self) -> WorkflowFields:
        """Blank steps dropped, so the steps shown are numbered as errors name them."""
        self.steps = [step for step in self.steps if not step.is_blank()]
        if not self.steps:
            self.steps = [StepFields()]
        return self

    def with_blank_step(self) -> WorkflowFields:
        if len(self.steps) < MAX_STEPS:
            self.steps.append(StepFields())
        return self

    def definition(self) -> list[StepDefinition]:
        """The steps that are filled in, numbered as the person sees them."""
        filled = [step for step in self.steps if not step.is_blank()]
        return [_step(step, number) for number, step in enumerate(filled, start=1)]

    def stale_on_value(self) -> StaleOn:
        if self.stale_on not in STALE_ON_LABELS:
            raise BadInput("Choose what makes an approval stale.", field="stale_on")
        return StaleOn(self.stale_on)

    def valid_for(self) -> int | None:
        return _whole(self.valid_for_days, "Approvals stay valid for (days)")

    def rereview_every(self) -> int | None:
        return _whole(self.rereview_days, "Re-review every (days)")


def readable(error: BadInput) -> str:
    """The domain names steps `steps[0]`; people count them from 1."""
    return _STEP_FIELD.sub(
        lambda found: f"Step {int(found.group(1)) + 1}: ", error.message, count=1
    )


def _step_count(form: FormValues) -> int:
    raw = first(form, "step_count")
    if not raw.isascii() or not raw.isdigit():
        return 1
    return min(int(raw), MAX_STEPS + 1)


def _ids(values: list[str]) -> set[int]:
    ids = set()
    for value in values:
        if not value.isascii() or not value.isdigit() or len(value) > 18:
            raise BadInput("Choose approvers and groups from the lists.")
        ids.add(int(value))
    return ids


def _whole(value: str, label: str) -> int | None:
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 6:
        raise BadInput(f"{label} must be a whole number.")
    return int(value)


def _step(step: StepFields, number: int) -> StepDefinition:
    if step.rule not in RULE_LABELS:
        raise BadInput(f"Step {number}: choose a rule.")
    rule = Rule(step.rule)
    min_rejections = _whole(step.min_rejections, f"Step {number}: rejections")
    return StepDefinition(
        name=step.name,
        approver_ids=tuple(sorted(step.approver_ids)),
        group_ids=tuple(sorted(step.group_ids)),
        rule=rule,
        # The quorum box is ignored unless the rule asks for one.
        quorum=(
            _whole(step.quorum, f"Step {number}: quorum")
            if rule is Rule.quorum
            else None
        ),
        min_rejections=1 if min_rejections is None else min_rejections,
        due_days=_whole(step.due_days, f"Step {number}: due in (days)"),
    )
