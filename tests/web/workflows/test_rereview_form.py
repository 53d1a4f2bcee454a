"""The workflow form's `Re-review every (days)` field: saved as `rereview_days`, shown
again when editing and in the list, cleared when left blank, and refused with the
form shown again when it is not a whole number from 1 to 3,650."""

from __future__ import annotations

from web.conftest import World

from .test_workflows_pages import BASE, post_form, two_steps, visible, workflows

FIELD = 'id="rereview_days" name="rereview_days" value="{}"'


def test_a_workflow_saves_its_rereview_period_and_shows_it(world: World) -> None:
    saved = post_form(
        world, "admin", BASE + "/new", two_steps(world, rereview_days="30")
    )

    assert saved.status_code == 303
    created = workflows(world)[-1]
    assert created.rereview_days == 30
    assert "Re-review every 30 days" in visible(world.browser("admin").get(BASE).text)
    edit_form = world.browser("admin").get(f"{BASE}/{created.id}/edit").text
    assert FIELD.format("30") in edit_form


def test_a_blank_period_on_edit_stops_the_rereviews(world: World) -> None:
    post_form(world, "admin", BASE + "/new", two_steps(world, rereview_days="30"))
    created = workflows(world)[-1]

    saved = post_form(
        world, "admin", f"{BASE}/{created.id}/edit", two_steps(world, rereview_days="")
    )

    assert saved.status_code == 303
    assert workflows(world)[-1].rereview_days is None


def test_a_period_out_of_range_or_not_a_number_is_refused_and_kept(
    world: World,
) -> None:
    before = len(workflows(world))
    for typed, message in (
        ("0", "rereviewDays must be from 1 to 3650."),
        ("3651", "rereviewDays must be from 1 to 3650."),
        ("yearly", "Re-review every (days) must be a whole number."),
    ):
        refused = post_form(
            world, "admin", BASE + "/new", two_steps(world, rereview_days=typed)
        )
        assert refused.status_code == 400, typed
        assert message in visible(refused.text), typed
        assert FIELD.format(typed) in refused.text, typed
    assert len(workflows(world)) == before
