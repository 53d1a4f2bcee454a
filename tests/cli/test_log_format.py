"""A command refuses an unknown `SIGNOFF_LOG_FORMAT` at once, naming the setting,
before it touches the database."""

from __future__ import annotations

from pathlib import Path

from .support import signoff


def test_an_unknown_log_format_stops_a_command_with_one_clear_line(
    tmp_path: Path,
) -> None:
    database = tmp_path / "signoff.db"
    result = signoff(
        f"sqlite:///{database}",
        tmp_path / "data",
        "db",
        "upgrade",
        env={"SIGNOFF_LOG_FORMAT": "xml"},
    )
    assert result.exit_code == 2
    assert "SIGNOFF_LOG_FORMAT must be text or json, not 'xml'" in result.output
    assert "Traceback" not in result.output
    assert not database.exists()
