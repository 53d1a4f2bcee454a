"""`signoff api enable|disable`: the site setting changes and the change is audited."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from signoff.actions.site import API_ENABLED
from signoff.db.models import AuditEvent, SiteSetting
from signoff.db.session import Database

from .support import json_out, signoff


def api_setting(db: Database) -> object:
    with db.read() as session:
        setting = session.get(SiteSetting, API_ENABLED)
        return None if setting is None else setting.value


def audit_actions(db: Database) -> list[str]:
    with db.read() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_api_enable_switches_the_site_setting_on_and_audits_it(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    result = signoff(db_url, tmp_path, "api", "enable", "--json")

    assert result.exit_code == 0, result.output
    assert json_out(result) == {"apiEnabled": True, "changed": True}
    assert api_setting(db) is True
    assert audit_actions(db) == ["site.api_enabled"]


def test_api_disable_after_enable_switches_it_off_and_audits_both(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    assert signoff(db_url, tmp_path, "api", "enable").exit_code == 0

    result = signoff(db_url, tmp_path, "api", "disable")

    assert result.exit_code == 0, result.output
    assert "The REST API is disabled." in result.stdout
    assert api_setting(db) is False
    assert audit_actions(db) == ["site.api_enabled", "site.api_disabled"]


def test_switching_to_the_current_state_changes_and_audits_nothing(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    assert signoff(db_url, tmp_path, "api", "enable").exit_code == 0

    result = signoff(db_url, tmp_path, "api", "enable", "--json")

    assert json_out(result) == {"apiEnabled": True, "changed": False}
    assert audit_actions(db) == ["site.api_enabled"]
