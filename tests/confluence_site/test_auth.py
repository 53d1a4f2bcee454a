"""Credentials and base forms: Basic on the site, bearer and scoped tokens on the
gateway, scope refusals, revoked tokens, unlicensed users, and the tenant endpoints."""

from __future__ import annotations

import httpx
import pytest

from confluence_site.conformance import assert_shape
from confluence_site.support import World

PAGES = "/api/v2/pages"


def test_a_wrong_token_is_refused_with_a_plain_text_401(world: World) -> None:
    answer = httpx.get(world.running.site_url + PAGES, auth=(world.token.email, "nope"))
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("text/plain")


def test_no_credentials_at_all_is_a_401(world: World) -> None:
    assert httpx.get(world.running.site_url + PAGES).status_code == 401


def test_a_bearer_token_is_refused_on_the_site_form(world: World) -> None:
    headers = {"Authorization": f"Bearer {world.bearer.token}"}
    answer = httpx.get(world.running.site_url + PAGES, headers=headers)
    assert answer.status_code == 401


def test_a_bearer_token_is_accepted_on_the_gateway_form(
    world: World, gateway: httpx.Client
) -> None:
    answer = gateway.get(f"{PAGES}/{world.page.id}")
    assert answer.status_code == 200
    assert answer.json()["_links"]["base"] == world.running.site_url


def test_a_classic_token_works_on_both_forms(world: World) -> None:
    auth = (world.token.email, world.token.token)
    for base in (world.running.site_url, world.running.gateway_url):
        assert httpx.get(base + PAGES, auth=auth).status_code == 200


def test_a_scoped_token_is_refused_on_the_site_form_and_accepted_on_the_gateway(
    world: World,
) -> None:
    scoped = world.site.add_api_token(
        world.ada, scopes=frozenset({"read:page:confluence"})
    )
    auth = (scoped.email, scoped.token)
    assert httpx.get(world.running.site_url + PAGES, auth=auth).status_code == 401
    assert httpx.get(world.running.gateway_url + PAGES, auth=auth).status_code == 200


@pytest.mark.parametrize("kind", ["bearer", "scoped-api-token"])
def test_a_token_without_the_scope_gets_the_gateway_scope_refusal(
    world: World, kind: str
) -> None:
    scopes = frozenset({"read:space:confluence"})
    if kind == "bearer":
        token = world.site.add_bearer_token(world.ada, scopes=scopes)
        answer = httpx.get(
            world.running.gateway_url + PAGES,
            headers={"Authorization": f"Bearer {token.token}"},
        )
    else:
        scoped = world.site.add_api_token(world.ada, scopes=scopes)
        answer = httpx.get(
            world.running.gateway_url + PAGES, auth=(scoped.email, scoped.token)
        )
    assert answer.status_code == 401
    assert answer.json() == {
        "code": 401,
        "message": "Unauthorized; scope does not match",
    }
    assert answer.headers["x-failure-category"] == "FAILURE_CLIENT_SCOPE_CHECK"
    assert_shape("gatewayError", answer.json())


def test_a_revoked_token_is_refused(world: World, client: httpx.Client) -> None:
    assert client.get(PAGES).status_code == 200
    world.site.revoke(world.token)
    assert client.get(PAGES).status_code == 401


def test_a_revoked_bearer_token_is_refused(world: World, gateway: httpx.Client) -> None:
    world.site.revoke(world.bearer)
    answer = gateway.get(PAGES)
    assert answer.status_code == 401
    assert_shape("gatewayError", answer.json())


def test_a_user_without_confluence_gets_403(world: World) -> None:
    guest = world.site.add_user("No Licence", licensed=False)
    token = world.site.add_api_token(guest)
    answer = httpx.get(world.running.site_url + PAGES, auth=(token.email, token.token))
    assert answer.status_code == 403
    assert_shape("notLicensed", answer.json())


def test_tenant_info_names_the_cloud_id_without_credentials(world: World) -> None:
    answer = httpx.get(world.running.root + "/_edge/tenant_info")
    assert_shape("tenantInfo", answer.json())
    assert answer.json() == {"cloudId": world.site.cloud_id}


def test_accessible_resources_lists_this_site_for_a_bearer_token(
    world: World,
) -> None:
    headers = {"Authorization": f"Bearer {world.bearer.token}"}
    answer = httpx.get(
        world.running.root + "/oauth/token/accessible-resources", headers=headers
    )
    body = answer.json()
    assert_shape("accessibleResources", body)
    assert [(r["id"], r["url"]) for r in body] == [
        (world.site.cloud_id, world.running.root)
    ]


def test_an_unknown_cloud_id_is_not_found(world: World) -> None:
    url = f"{world.running.root}/ex/confluence/not-this-site/wiki{PAGES}"
    answer = httpx.get(url, headers={"Authorization": f"Bearer {world.bearer.token}"})
    assert answer.status_code == 404
