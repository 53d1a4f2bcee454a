"""The mapping file: which page each file became, so later syncs update it.

It lives in the synced folder (`.signoff.json`), one section per space key, so a
folder may be synced into several spaces. For each file key it records the page id
and two digests: `sourceDigest`, of the title and body the client sent, and
`storedDigest`, of the title and body the store answered with (after sanitising).
A file whose source digest is unchanged, on a page whose stored digest is unchanged,
needs no new version; comparing digests of each side with itself is exact, where
comparing the source with the sanitised copy could only be approximate.
`ungathered` marks a page written by a sync that ended before its change set was
created, so the next sync still gathers it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from signoff.client.errors import BadDocument

FILE_NAME = ".signoff.json"
FORMAT = 1


@dataclass
class Entry:
    page_id: str
    path: str
    source_digest: str
    stored_digest: str
    version: int
    ungathered: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            **({"ungathered": True} if self.ungathered else {}),
            "pageId": self.page_id,
            "path": self.path,
            "sourceDigest": self.source_digest,
            "storedDigest": self.stored_digest,
            "version": self.version,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Entry:
        return cls(
            page_id=str(value["pageId"]),
            path=str(value.get("path", "")),
            source_digest=str(value.get("sourceDigest", "")),
            stored_digest=str(value.get("storedDigest", "")),
            version=int(value.get("version", 0)),
            ungathered=bool(value.get("ungathered", False)),
        )


@dataclass
class SpaceMapping:
    space_id: str
    pages: dict[str, Entry] = field(default_factory=dict)


@dataclass
class Mapping:
    spaces: dict[str, SpaceMapping] = field(default_factory=dict)

    def space(self, key: str, space_id: str) -> SpaceMapping:
        """This space's section; a section recorded for another space id restarts."""
        known = self.spaces.get(key)
        if known is None or known.space_id != space_id:
            known = self.spaces[key] = SpaceMapping(space_id)
        return known

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "spaces": {
                key: {
                    "spaceId": section.space_id,
                    "pages": {
                        name: entry.to_json()
                        for name, entry in sorted(section.pages.items())
                    },
                }
                for key, section in sorted(self.spaces.items())
            },
        }


def load(folder: Path) -> Mapping:
    path = folder / FILE_NAME
    if not path.exists():
        return Mapping()
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
        return Mapping(
            {
                key: SpaceMapping(
                    str(section["spaceId"]),
                    {
                        name: Entry.from_json(entry)
                        for name, entry in section.get("pages", {}).items()
                    },
                )
                for key, section in value.get("spaces", {}).items()
            }
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise BadDocument(f"{path} is not a Signoff mapping file: {error}") from None


def save(folder: Path, mapping: Mapping) -> None:
    """Write beside the target and rename, so a crash never leaves half a file."""
    text = json.dumps(mapping.to_json(), indent=2, ensure_ascii=False) + "\n"
    handle, temporary = tempfile.mkstemp(prefix=FILE_NAME, dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, folder / FILE_NAME)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
