"""What the fixtures hand a test: the running site, one person and their tokens."""

from __future__ import annotations

from dataclasses import dataclass

from confluence_site import ConfluenceSite, RunningSite
from confluence_site.records import ApiToken, BearerToken, Page, Space, User


@dataclass
class World:
    running: RunningSite
    ada: User
    token: ApiToken
    bearer: BearerToken
    space: Space
    page: Page

    @property
    def site(self) -> ConfluenceSite:
        return self.running.site
