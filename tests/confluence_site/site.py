"""One Confluence Cloud site in memory, and the hooks tests use to change it.

Tests call the hooks from their own thread while the server answers from another;
every hook and every request takes `site.lock`. The hooks do what a person in
Confluence's editor or admin screens would do (edit, trash, move, restrict, revoke).
"""

from __future__ import annotations

import heapq
import itertools
import random
import threading
import uuid
from datetime import datetime, timedelta

from confluence_site.clock import SiteClock
from confluence_site.faults import Faults, RequestLog
from confluence_site.index import PageIndex
from confluence_site.records import (
    ApiToken,
    BearerToken,
    Comment,
    ContentProperty,
    Group,
    Label,
    Page,
    PageStatus,
    Space,
    User,
    Version,
)

# Every granular and classic scope an operation here asks for: a bearer token made
# without a scope list gets them all.
ALL_SCOPES = frozenset(
    {
        "read:space:confluence",
        "read:page:confluence",
        "write:page:confluence",
        "read:comment:confluence",
        "write:comment:confluence",
        "read:user:confluence",
        "read:label:confluence",
        "write:label:confluence",
        "read:content-details:confluence",
        "read:confluence-user",
        "search:confluence",
        "write:confluence-content",
        "read:confluence-groups",
        "read:group:confluence",
    }
)


class ConfluenceSite:
    """The site's state. Read its dicts only while holding `lock`."""

    def __init__(
        self,
        *,
        name: str = "acme",
        cloud_id: str | None = None,
        seed: int = 0,
        clock: SiteClock | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self._rng = random.Random(seed)
        self.name = name
        self.cloud_id = cloud_id or str(
            uuid.UUID(int=self._rng.getrandbits(128), version=4)
        )
        self.clock = clock or SiteClock()
        self.faults = Faults()
        self.log = RequestLog()
        self.users: dict[str, User] = {}
        self.api_tokens: list[ApiToken] = []
        self.bearer_tokens: dict[str, BearerToken] = {}
        self.spaces: dict[str, Space] = {}
        self.pages: dict[str, Page] = {}
        self.comments: dict[str, Comment] = {}
        self.properties: dict[str, ContentProperty] = {}
        self.groups: dict[str, Group] = {}
        self._properties_by_key: dict[tuple[str, str], ContentProperty] = {}
        self.index = PageIndex()
        self.listing_lag = timedelta(0)
        self._pending: list[tuple[datetime, int, str, int]] = []
        self._content_ids = itertools.count(1_081_345)
        self._space_ids = itertools.count(196_609)
        self._label_ids = itertools.count(3_014_657)
        self._seq = itertools.count()
        self._label_ids_by_name: dict[str, str] = {}
        self.owner = self.add_user("Site Admin", email="admin@example.com")

    # People and credentials

    def add_user(
        self,
        display_name: str,
        *,
        email: str | None = None,
        account_id: str | None = None,
        hex_id: bool = False,
        email_visible: bool = True,
        time_zone: str = "UTC",
        licensed: bool = True,
    ) -> User:
        """A person; the account id takes one of the two real shapes: `557058:<uuid>`,
        or 24 hex digits with `hex_id`."""
        with self.lock:
            if account_id is None:
                account_id = self._new_account_id(hex_id)
            slug = display_name.lower().replace(" ", ".")
            user = User(
                account_id=account_id,
                email=email or f"{slug}@example.com",
                display_name=display_name,
                public_name=display_name.split(" ")[0],
                email_visible=email_visible,
                time_zone=time_zone,
                licensed=licensed,
            )
            self.users[account_id] = user
            return user

    def add_api_token(
        self,
        user: User,
        *,
        token: str | None = None,
        scopes: frozenset[str] | None = None,
    ) -> ApiToken:
        """An API token for HTTP Basic `email:token`; with `scopes` it is a scoped
        token, which only the gateway form accepts."""
        with self.lock:
            made = ApiToken(user.email, token or self._secret("ATATT"), scopes)
            self.api_tokens.append(made)
            return made

    def add_bearer_token(
        self,
        user: User,
        *,
        token: str | None = None,
        scopes: frozenset[str] | None = None,
    ) -> BearerToken:
        with self.lock:
            made = BearerToken(
                token or self._secret("eyJ"),
                user.account_id,
                ALL_SCOPES if scopes is None else scopes,
            )
            self.bearer_tokens[made.token] = made
            return made

    def revoke(self, credential: ApiToken | BearerToken) -> None:
        with self.lock:
            credential.revoked = True

    def user_of(self, credential: ApiToken | BearerToken) -> User | None:
        with self.lock:
            if isinstance(credential, BearerToken):
                return self.users.get(credential.account_id)
            return next(
                (u for u in self.users.values() if u.email == credential.email), None
            )

    # Groups, as a site admin manages them in Atlassian Administration

    def add_group(self, name: str, members: tuple[User, ...] = ()) -> Group:
        """A group with a UUID id; names are unique on a site (case aside)."""
        with self.lock:
            if any(g.name.lower() == name.lower() for g in self.groups.values()):
                raise ValueError(f"group {name!r} already exists")
            group = Group(
                id=str(uuid.UUID(int=self._rng.getrandbits(128), version=4)),
                name=name,
                member_ids=[m.account_id for m in members],
            )
            self.groups[group.id] = group
            return group

    def add_to_group(self, group: Group, user: User) -> None:
        with self.lock:
            if user.account_id not in group.member_ids:
                group.member_ids.append(user.account_id)

    def remove_from_group(self, group: Group, user: User) -> None:
        with self.lock:
            if user.account_id in group.member_ids:
                group.member_ids.remove(user.account_id)

    def delete_group(self, group: Group) -> None:
        with self.lock:
            self.groups.pop(group.id, None)

    # Spaces and pages

    def add_space(
        self,
        key: str,
        name: str | None = None,
        *,
        author: User | None = None,
        homepage: bool = True,
    ) -> Space:
        """A space; like Confluence, it comes with a home page unless told otherwise."""
        with self.lock:
            creator = author or self.owner
            space = Space(
                str(next(self._space_ids)),
                key,
                name or key.title(),
                creator.account_id,
                self.clock.now(),
            )
            self.spaces[space.id] = space
            if homepage:
                home = self._new_page(
                    space, f"{space.name} Home", "<p></p>", None, creator, ""
                )
                space.homepage_id = home.id
            return space

    def add_page(
        self,
        space: Space,
        title: str,
        body: str = "<p></p>",
        *,
        parent: Page | None = None,
        author: User | None = None,
        message: str = "",
    ) -> Page:
        """A new page (version 1), under `parent` or else the space's home page."""
        with self.lock:
            parent_id = parent.id if parent is not None else space.homepage_id
            return self._new_page(
                space, title, body, parent_id, author or self.owner, message
            )

    def add_pages(
        self, space: Space, count: int, *, title: str = "Page {n}"
    ) -> list[Page]:
        """Many pages at once (for listing tests); `title` is formatted with `n`."""
        with self.lock:
            return [
                self.add_page(space, title.format(n=n)) for n in range(1, count + 1)
            ]

    def edit_page(
        self,
        page: Page | str,
        *,
        body: str | None = None,
        title: str | None = None,
        author: User | None = None,
        minor: bool = False,
        message: str = "",
    ) -> Version:
        """A new version, dated by the site clock: it moves the page's modified date."""
        with self.lock:
            found = self.page(page)
            last = found.current
            version = Version(
                number=last.number + 1,
                author_id=(author or self.owner).account_id,
                created_at=self.clock.now(),
                message=message,
                minor_edit=minor,
                title=last.title if title is None else title,
                body=last.body if body is None else body,
            )
            self.index.discard(found)
            found.versions.append(version)
            self.index.add(found)
            self._schedule_listing(found)
            return version

    def trash_page(self, page: Page | str) -> None:
        self._set_status(page, PageStatus.TRASHED)

    def delete_page(self, page: Page | str) -> None:
        """Deleted for good (purged from the trash): only `status=deleted` finds it."""
        self._set_status(page, PageStatus.DELETED)

    def archive_page(self, page: Page | str) -> None:
        self._set_status(page, PageStatus.ARCHIVED)

    def restore_page(self, page: Page | str) -> None:
        self._set_status(page, PageStatus.CURRENT)

    def move_page(
        self,
        page: Page | str,
        *,
        parent: Page | None = None,
        space: Space | None = None,
    ) -> None:
        """Under another parent, or under another space's home page; its
        descendants come along, as in Confluence. No new version is made."""
        with self.lock:
            found = self.page(page)
            target = space or self.spaces[parent.space_id if parent else found.space_id]
            moving = [found, *self._descendants(found)]
            for each in moving:
                self.index.discard(each)
                each.space_id = target.id
                self.index.add(each)
            found.parent_id = parent.id if parent is not None else target.homepage_id

    def restrict_page(
        self, page: Page | str, *, hidden_from: User | ApiToken | BearerToken
    ) -> None:
        """A view restriction that leaves out this person (and every credential of
        theirs); it covers the page's descendants too, as in Confluence."""
        with self.lock:
            user = (
                hidden_from
                if isinstance(hidden_from, User)
                else self.user_of(hidden_from)
            )
            assert user is not None
            self.page(page).hidden_from.add(user.account_id)

    def unrestrict_page(self, page: Page | str) -> None:
        with self.lock:
            self.page(page).hidden_from.clear()

    def add_label(self, page: Page | str, name: str) -> Label:
        with self.lock:
            found = self.page(page)
            label = self.label_named(name)
            if label not in found.labels:
                found.labels.append(label)
            return label

    def set_property(
        self, page: Page | str, key: str, value: object, *, author: User | None = None
    ) -> ContentProperty:
        """Creates the property or writes its next version: another writer at work."""
        with self.lock:
            found = self.page(page)
            existing = self.property_by_key(found.id, key)
            actor = (author or self.owner).account_id
            if existing is not None:
                existing.value, existing.version = value, existing.version + 1
                existing.author_id, existing.created_at = actor, self.clock.now()
                return existing
            return self.new_property(found, key, value, actor)

    def set_listing_lag(self, seconds: float) -> None:
        """Edits reach the modified-date listings and search this late (site clock)."""
        with self.lock:
            self.listing_lag = timedelta(seconds=seconds)

    # Reading, for tests and for the handlers (hold the lock)

    def page(self, page: Page | str) -> Page:
        with self.lock:
            return self.pages[page if isinstance(page, str) else page.id]

    def comments_on(self, page: Page | str) -> list[Comment]:
        with self.lock:
            page_id = self.page(page).id
            return [c for c in self.comments.values() if c.page_id == page_id]

    def mentions_on(self, page: Page | str) -> list[str]:
        """Account ids mentioned (`ri:account-id`) in the page's comments, in order."""
        return [m for c in self.comments_on(page) for m in c.mentions]

    def property_by_key(self, page_id: str, key: str) -> ContentProperty | None:
        with self.lock:
            return self._properties_by_key.get((page_id, key))

    def properties_of(self, page_id: str) -> list[ContentProperty]:
        with self.lock:
            return [
                p for (pid, _), p in self._properties_by_key.items() if pid == page_id
            ]

    def label_named(self, name: str) -> Label:
        with self.lock:
            label_id = self._label_ids_by_name.get(name)
            if label_id is None:
                label_id = self._label_ids_by_name[name] = str(next(self._label_ids))
            return Label(label_id, name)

    def new_content_id(self) -> str:
        return str(next(self._content_ids))

    def new_property(
        self, page: Page, key: str, value: object, author_id: str
    ) -> ContentProperty:
        made = ContentProperty(
            self.new_content_id(), page.id, key, value, 1, author_id, self.clock.now()
        )
        self.properties[made.id] = made
        self._properties_by_key[(page.id, key)] = made
        return made

    def rekey_property(self, found: ContentProperty, key: str) -> None:
        del self._properties_by_key[(found.page_id, found.key)]
        found.key = key
        self._properties_by_key[(found.page_id, key)] = found

    def drop_property(self, found: ContentProperty) -> None:
        del self.properties[found.id]
        del self._properties_by_key[(found.page_id, found.key)]

    def catch_up_listing(self) -> None:
        """Lets the modified-date listing show every edit whose lag has passed."""
        now = self.clock.now()
        while self._pending and self._pending[0][0] <= now:
            _, _, page_id, number = heapq.heappop(self._pending)
            page = self.pages.get(page_id)
            if page is not None and number > page.listed_version:
                self.index.discard(page)
                page.listed_version = number
                self.index.add(page)

    # Internals

    def _new_page(
        self,
        space: Space,
        title: str,
        body: str,
        parent_id: str | None,
        author: User,
        message: str,
    ) -> Page:
        now = self.clock.now()
        page = Page(
            id=self.new_content_id(),
            space_id=space.id,
            parent_id=parent_id,
            author_id=author.account_id,
            created_at=now,
            position=len(self.pages) + 1,
        )
        page.versions.append(
            Version(1, author.account_id, now, message, False, title, body)
        )
        self.pages[page.id] = page
        self.index.add(page)
        self._schedule_listing(page)
        return page

    def _descendants(self, page: Page) -> list[Page]:
        children: dict[str, list[Page]] = {}
        for each in self.pages.values():
            if each.parent_id is not None:
                children.setdefault(each.parent_id, []).append(each)
        found: list[Page] = []
        waiting = list(children.get(page.id, []))
        while waiting:
            child = waiting.pop()
            found.append(child)
            waiting += children.get(child.id, [])
        return found

    def _schedule_listing(self, page: Page) -> None:
        visible_at = page.current.created_at + self.listing_lag
        heapq.heappush(
            self._pending, (visible_at, next(self._seq), page.id, page.current.number)
        )
        self.catch_up_listing()

    def _set_status(self, page: Page | str, status: PageStatus) -> None:
        with self.lock:
            self.page(page).status = status

    def _new_account_id(self, hex_id: bool) -> str:
        if hex_id:
            return f"{self._rng.getrandbits(96):024x}"
        return f"557058:{uuid.UUID(int=self._rng.getrandbits(128), version=4)}"

    def _secret(self, prefix: str) -> str:
        return prefix + f"{self._rng.getrandbits(160):040x}"
