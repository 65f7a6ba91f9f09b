"""`vcop doctor` against the local Slack workspace, healthy and with each fault planted.

The real `vcop` executable runs with the tokens in its environment and
SLACK_API_URL pointing at the simulated Web API; the database is a real file
with a meeting imported and planned. Each test plants one fault the way it
happens in real life and checks the one line that names it, and exit 1.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import CoreData

from bot.config import load_settings
from bot.deadline_service import DeadlineService
from bot.panel import PanelServices
from handlers.slack_sim import DEFAULT_APP_TOKEN, DEFAULT_BOT_TOKEN, WebApiServer, Workspace
from storage.repo import Repository

CHECKS = ["config", "database", "tokens", "scopes", "channel", "members", "jobs"]


@dataclass
class DoctorSetup:
    tmp: Path
    config: Path
    db: Path
    workspace: Workspace
    api: WebApiServer
    meeting: str

    def run(self, **env: str) -> tuple[int, dict[str, str]]:
        """Exit code and each check's line, by check name."""
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("VCOP_", "SLACK_"))}
        environment |= {
            "VCOP_CONFIG": str(self.config),
            "VCOP_DB": str(self.db),
            "SLACK_API_URL": self.api.base_url,
            "SLACK_BOT_TOKEN": DEFAULT_BOT_TOKEN,
            "SLACK_SIGNING_SECRET": "a-signing-secret",
            "VCOP_SLACK_TIMEOUT_S": "5",
        } | env
        done = subprocess.run(
            [CoreData.VCOP, "doctor"],
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.stderr == "", done.stderr
        lines = done.stdout.splitlines()
        by_name = {line[5:].split(":", 1)[0]: line for line in lines}
        assert list(by_name) == CHECKS, done.stdout
        return done.returncode, by_name

    def sql(self, statement: str, params: tuple[Any, ...] = ()) -> None:
        conn = sqlite3.connect(self.db, isolation_level=None)
        try:
            conn.execute(statement, params)
        finally:
            conn.close()


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[DoctorSetup]:
    config = CoreData.write_config(tmp_path)
    db = tmp_path / "vcop.db"
    settings = load_settings(config, env={"VCOP_DB": str(db)})
    year = dt.date.today().year + 1
    doc = CoreData.meeting_doc(
        meeting_id=f"{year}-03-burglary",
        date=f"{year}-03-20",
        voting_closes=f"{year}-03-18T17:00:00+00:00",
    )
    panel = PanelServices(settings, Repository(db))
    meeting = panel.meetings.import_meeting(
        CoreData.write_file(tmp_path, doc, "meeting.yaml")
    ).meeting.id
    DeadlineService(panel).plan(meeting)
    panel.repo.close()
    workspace = Workspace()
    workspace.add_channel(settings.panel.channel, "vcop-panel")
    for user in {*settings.panel.members, *settings.panel.chair, *settings.panel.secretariat}:
        workspace.add_user(user, user.lower())
    with WebApiServer(workspace) as api:
        yield DoctorSetup(tmp_path, config, db, workspace, api, meeting)


def _ok(lines: dict[str, str], *names: str) -> bool:
    return all(lines[name].startswith("ok   ") for name in names)


def test_a_healthy_installation_passes_every_check_one_line_each(setup: DoctorSetup) -> None:
    code, lines = setup.run()
    assert code == 0, lines
    assert _ok(lines, *CHECKS)
    assert lines["database"] == f"ok   database: {setup.db}: integrity ok, migrations current, WAL"
    assert "bot token works" in lines["tokens"] and "SLACK_SIGNING_SECRET (HTTP)" in lines["tokens"]
    assert lines["channel"] == "ok   channel: the bot is a member of C0PANEL001"
    assert lines["members"] == "ok   members: all 7 people in app.yaml exist in Slack"
    assert lines["jobs"].startswith("ok   jobs: 4 pending (next: reminder of ")
    assert DEFAULT_BOT_TOKEN not in "\n".join(lines.values())


def test_a_bad_config_fails_naming_the_key_and_skips_what_needs_it(setup: DoctorSetup) -> None:
    raw = yaml.safe_load(setup.config.read_text())
    raw["voting"]["quorum"] = 9
    setup.config.write_text(yaml.safe_dump(raw))
    code, lines = setup.run()
    assert code == 1
    assert lines["config"].startswith(f"FAIL config: {setup.config}: voting.quorum: 9 is more")
    assert all(lines[name].startswith("skip ") for name in ("database", "channel", "jobs"))


def test_unapplied_migrations_fail_the_database_check(setup: DoctorSetup) -> None:
    setup.sql("delete from _sqlite_migrations where name = 'm005_operations'")
    code, lines = setup.run()
    assert code == 1
    assert "1 migrations not applied (m005_operations)" in lines["database"]
    assert lines["database"].startswith("FAIL ") and lines["jobs"].startswith("skip ")


def test_a_database_not_in_wal_mode_fails_the_database_check(setup: DoctorSetup) -> None:
    setup.sql("PRAGMA journal_mode = DELETE")
    code, lines = setup.run()
    assert code == 1
    assert "journal mode is delete, not WAL" in lines["database"]


def test_a_corrupt_database_fails_its_integrity_check(setup: DoctorSetup) -> None:
    setup.sql("PRAGMA journal_mode = DELETE")
    conn = sqlite3.connect(setup.db)
    root = conn.execute("select rootpage from sqlite_master where name = 'cases'").fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with setup.db.open("r+b") as raw:  # scribble over the cases table's page
        raw.seek((root - 1) * page_size + 8)
        raw.write(b"\xff" * 64)
    code, lines = setup.run()
    assert code == 1
    assert lines["database"].startswith(f"FAIL database: {setup.db}: integrity check failed")
    assert "vcop restore" in lines["database"]


def test_a_refused_bot_token_fails_the_tokens_check(setup: DoctorSetup) -> None:
    code, lines = setup.run(SLACK_BOT_TOKEN="xoxb-revoked")
    assert code == 1
    assert lines["tokens"] == (
        "FAIL tokens: Slack refused SLACK_BOT_TOKEN (invalid_auth): copy the Bot User "
        "OAuth Token again from the app's OAuth & Permissions page"
    )
    assert all(lines[name].startswith("skip ") for name in ("scopes", "channel", "members"))
    assert "xoxb-revoked" not in "\n".join(lines.values())


def test_a_refused_app_token_fails_the_tokens_check(setup: DoctorSetup) -> None:
    code, lines = setup.run(SLACK_APP_TOKEN="xapp-1-A0SIM00001-revoked")
    assert code == 1
    assert lines["tokens"].startswith(
        "FAIL tokens: the bot token works, but Slack refused SLACK_APP_TOKEN (invalid_auth): "
    )
    assert "xapp-1-A0SIM00001-revoked" not in "\n".join(lines.values())
    code, lines = setup.run(SLACK_APP_TOKEN=DEFAULT_APP_TOKEN)
    assert code == 0
    assert "SLACK_APP_TOKEN (Socket Mode) and SLACK_SIGNING_SECRET (HTTP) set" in lines["tokens"]


def test_a_scope_the_manifest_needs_but_the_token_lacks_fails_the_scopes_check(
    setup: DoctorSetup,
) -> None:
    setup.workspace.scopes.remove("channels:read")
    code, lines = setup.run()
    assert code == 1
    assert lines["scopes"].startswith("FAIL scopes: the bot token lacks channels:read, which")
    assert "missing_scope" in lines["channel"]


def test_a_bot_that_is_not_in_the_panel_channel_fails_the_channel_check(
    setup: DoctorSetup,
) -> None:
    setup.workspace.leave_channel("C0PANEL001", setup.workspace.bot_user_id)
    code, lines = setup.run()
    assert code == 1
    assert lines["channel"] == (
        "FAIL channel: the bot is not a member of C0PANEL001: "
        "invite it there with `/invite @VCoP Panel`"
    )


def test_a_member_id_slack_does_not_know_fails_the_members_check(tmp_path: Path) -> None:
    config = CoreData.write_config(tmp_path)
    settings = load_settings(config, env={})
    workspace = Workspace()
    workspace.add_channel(settings.panel.channel, "vcop-panel")
    known = {*settings.panel.members, *settings.panel.chair, *settings.panel.secretariat}
    for user in sorted(known - {"U0CPS0001"}):
        workspace.add_user(user, user.lower())
    with WebApiServer(workspace) as api:
        setup = DoctorSetup(tmp_path, config, tmp_path / "vcop.db", workspace, api, "")
        code, lines = setup.run()
    assert code == 1
    assert lines["members"] == (
        "FAIL members: panel.members U0CPS0001: no such user in this workspace "
        "(copy each member ID from their Slack profile)"
    )
    assert (
        lines["database"].startswith("ok   database:") and "does not exist yet" in lines["database"]
    )


def test_overdue_schedules_and_owed_case_messages_fail_the_jobs_check(
    setup: DoctorSetup,
) -> None:
    setup.sql(
        "update schedules set due_at = ? where kind = 'reminder'",
        ((dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)).isoformat(),),
    )
    setup.sql(
        "insert into posts (meeting_id, case_ref, channel, ts, desired_digest) "
        "values (?, 'BG-01', 'C0PANEL001', '1.000001', 'abc')",
        (setup.meeting,),
    )
    code, lines = setup.run()
    assert code == 1
    assert lines["jobs"].startswith("FAIL jobs: 3 scheduled reminders or closes are overdue")
    assert "is `vcop serve` running?" in lines["jobs"]
    assert "1 case messages do not yet show what they should (BG-01)" in lines["jobs"]
