"""The built-in page store, `/wiki/api/v2`, in Confluence Cloud v2 shapes."""

from __future__ import annotations

from dataclasses import dataclass

from signoff.client.connection import Connection, Json
from signoff.client.errors import ApiError, ClientError

BASE = "/wiki/api/v2"
APPROVAL_PROPERTY = "signoff-approval"


@dataclass(frozen=True)
class StoredPage:
    """A page as the store holds it now: what sync compares its files with."""

    page_id: str
    title: str
    version: int
    body: str

    @classmethod
    def from_json(cls, page: Json) -> StoredPage:
        storage = (page.get("body") or {}).get("storage") or {}
        return cls(
            page_id=str(page["id"]),
            title=str(page.get("title", "")),
            version=int((page.get("version") or {}).get("number", 0)),
            body=str(storage.get("value", "")),
        )


class PageStore:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def space_id(self, key: str) -> str:
        """The id of the space with this key, among the caller's spaces."""
        answer = self.connection.get(f"{BASE}/spaces", {"keys": key})
        for space in answer.get("results") or []:
            if str(space.get("key")) == key:
                return str(space["id"])
        raise ClientError(f"No space with key {key!r} that this token can see.")

    def page(self, page_id: str) -> StoredPage | None:
        """The page with its storage body, or None when the store has no such page."""
        try:
            answer = self.connection.get(
                f"{BASE}/pages/{page_id}", {"body-format": "storage"}
            )
        except ApiError as error:
            if error.status == 404:
                return None
            raise
        return StoredPage.from_json(answer)

    def page_titled(self, space_id: str, title: str) -> StoredPage | None:
        answer = self.connection.get(
            f"{BASE}/spaces/{space_id}/pages",
            {"title": title, "body-format": "storage"},
        )
        for page in answer.get("results") or []:
            if page.get("title") == title:
                return StoredPage.from_json(page)
        return None

    def create_page(self, space_id: str, title: str, body: str) -> StoredPage:
        answer = self.connection.post(
            f"{BASE}/pages",
            {
                "spaceId": space_id,
                "title": title,
                "body": {"representation": "storage", "value": body},
            },
        )
        return StoredPage.from_json(answer)

    def update_page(
        self, page_id: str, *, number: int, title: str, body: str, message: str
    ) -> StoredPage:
        answer = self.connection.put(
            f"{BASE}/pages/{page_id}",
            {
                "title": title,
                "version": {"number": number, "message": message},
                "body": {"representation": "storage", "value": body},
            },
        )
        return StoredPage.from_json(answer)

    def approval(self, page_id: str) -> Json | None:
        """The value of the page's `signoff-approval` content property (CONTRACT
        section 9), or None when no review was ever asked for."""
        answer = self.connection.get(
            f"{BASE}/pages/{page_id}/properties", {"key": APPROVAL_PROPERTY}
        )
        for found in answer.get("results") or []:
            value = found.get("value")
            if found.get("key") == APPROVAL_PROPERTY and isinstance(value, dict):
                return value
        return None
