"""`signoff confluence sync` delivers the writes back that are due after its pass,
and counts them in `writesBack`."""

from __future__ import annotations

from pathlib import Path

from cli.support import json_out, signoff
from confluence.governed import SITE_KEY, Governed
from confluence.write_scene import write_scene


def test_sync_delivers_the_due_writes_back_and_counts_them(
    gov: Governed, db_url: str, tmp_path: Path
) -> None:
    scene = write_scene(gov, tmp_path)
    scene.submit()
    scene.fan_out()
    assert scene.comments() == []
    port = gov.running.root.rsplit(":", 1)[1]
    env = {
        "SIGNOFF_SECRET_KEY": SITE_KEY,
        "SIGNOFF_CONFLUENCE_ALLOW": f"127.0.0.1:{port}",
    }

    result = signoff(
        db_url, tmp_path, "confluence", "sync", "--site", "acme", "--json", env=env
    )

    assert result.exit_code == 0, result.output
    assert json_out(result)["writesBack"] == 1
    assert len(scene.comments()) == 1
    again = signoff(db_url, tmp_path, "confluence", "sync", "--json", env=env)
    assert json_out(again)["writesBack"] == 0
