"""The workflow form's `Allow overrides` box: on for a new workflow, saved as
`allow_override`, shown again when editing, and named in the list when off."""

from __future__ import annotations

from web.conftest import World

from .test_workflows_pages import BASE, post_form, two_steps, visible, workflows

BOX = 'name="allow_override" value="1"'


def test_a_new_workflow_allows_overrides_unless_the_box_is_cleared(
    world: World,
) -> None:
    form = world.browser("admin").get(BASE + "/new").text
    assert f"{BOX} checked> Allow overrides" in form

    kept = post_form(
        world, "admin", BASE + "/new", two_steps(world, allow_override="1")
    )
    assert kept.status_code == 303
    assert workflows(world)[-1].allow_override is True

    cleared = post_form(
        world, "admin", BASE + "/new", two_steps(world, name="No overrides")
    )
    assert cleared.status_code == 303
    strict = workflows(world)[-1]
    assert (strict.name, strict.allow_override) == ("No overrides", False)
    assert "Overrides not allowed" in visible(world.browser("admin").get(BASE).text)
    edit_form = world.browser("admin").get(f"{BASE}/{strict.id}/edit").text
    assert f"{BOX}> Allow overrides" in edit_form


def test_an_edit_turns_overrides_back_on(world: World) -> None:
    post_form(world, "admin", BASE + "/new", two_steps(world))
    created = workflows(world)[-1]
    assert created.allow_override is False

    saved = post_form(
        world,
        "admin",
        f"{BASE}/{created.id}/edit",
        two_steps(world, allow_override="1"),
    )

    assert saved.status_code == 303
    assert workflows(world)[-1].allow_override is True
    assert f"{BOX} checked> Allow overrides" in (
        world.browser("admin").get(f"{BASE}/{created.id}/edit").text
    )
