"""The installed `signoff` script as a pipeline runs it: a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import Site

SIGNOFF = Path(sys.executable).with_name("signoff")


def run(
    site: Site | None, *args: str, url: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNOFF_")}
    if site is not None:
        env |= {"SIGNOFF_URL": site.url, "SIGNOFF_TOKEN": site.tokens["bob"]}
    if url is not None:
        env |= {"SIGNOFF_URL": url, "SIGNOFF_TOKEN": "sgnp_x"}
    return subprocess.run(
        [str(SIGNOFF), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_the_script_syncs_submits_and_reports_errors(
    site: Site, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "intro.md").write_text("---\ntitle: Intro\n---\nHello.\n")

    synced = run(
        site, "sync", str(docs), "--space", site.space_key, "--submit", "--json"
    )
    assert synced.returncode == 0, synced.stderr
    printed = json.loads(synced.stdout)
    assert printed["changeSet"]["pageRefs"][0]["title"] == "Intro"
    assert printed["submit"]["submittedCount"] == 1

    missing = run(site, "page", "status", "999999")
    assert missing.returncode == 1
    assert missing.stdout == ""
    assert missing.stderr.strip().splitlines() == [missing.stderr.strip()]
    assert missing.stderr.startswith("error: ")
    assert missing.stderr.strip().endswith("(HTTP 404)")


def test_the_script_says_in_one_line_when_no_server_answers(tmp_path: Path) -> None:
    from live_server import free_port

    url = f"http://127.0.0.1:{free_port()}"
    result = run(None, "changeset", "status", "1", url=url)

    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: cannot reach {url}: [Errno 111] Connection refused"
    )
    assert "Traceback" not in result.stderr

    usage = run(None, "page", "submit", "1")
    assert usage.returncode == 2
    assert (
        usage.stderr.strip() == "error: no server given: pass --url or set SIGNOFF_URL."
    )
