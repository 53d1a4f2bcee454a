"""The path template of the route that answered a request (`/pages/{page_id}`), for
metrics labels and log lines.

Never the raw path: templates are as few as the routes, however many pages or
hostile URLs are asked for. Routers included under a prefix answer with the route
as declared, so the full template is looked up from FastAPI's route contexts.
"""

from __future__ import annotations

from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

UNMATCHED = "unmatched"  # a path no route answers


class RouteTemplates:
    """Templates of an application's routes, read from its route list on first use
    (when every route has been added)."""

    def __init__(self, routes: list[BaseRoute]) -> None:
        self.routes = routes
        self._by_route: dict[int, str] | None = None

    def _table(self) -> dict[int, str]:
        if self._by_route is None:
            self._by_route = {
                id(context.original_route): context.path_format
                for context in iter_route_contexts(self.routes)
                if context.path_format
            }
        return self._by_route

    def of(self, asked: Scope, scope: Scope, status: int) -> str:
        """The template of the route the router chose (`scope` after the call);
        else, unless nothing matched (404), of the route `asked` (the scope as it
        arrived) was addressed to: a request refused before routing (too large,
        cross-site), or a mount, which the router does not record."""
        route = scope.get("route")
        if route is not None:
            template = self._table().get(id(route)) or getattr(route, "path_format", "")
            return template if isinstance(template, str) and template else UNMATCHED
        if status == 404:
            return UNMATCHED
        for context in iter_route_contexts(self.routes):
            if context.matches(asked)[0] is not Match.NONE and context.path_format:
                return str(context.path_format)
        return UNMATCHED


def as_asked(scope: Scope) -> Scope:
    """What matching a route reads of a request, kept before routing rewrites the
    scope (a mount moves its prefix into `root_path`)."""
    return {
        "type": scope["type"],
        "method": scope.get("method", ""),
        "path": scope.get("path", ""),
        "root_path": scope.get("root_path", ""),
        "headers": scope.get("headers", []),
    }
