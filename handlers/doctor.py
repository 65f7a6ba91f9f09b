"""`vcop doctor`: is this installation ready to run a panel? One line per check.

Each check says what it looked at and, when it fails, what to do. The checks
only read: the database is opened read-only (a doctor that migrated the file
it examines would hide the problem it was asked about), and Slack is asked
with read-only methods (auth.test, conversations.members, users.info).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import installation
from bot.clock import Clock, SystemClock
from bot.config import ConfigError, Settings, SlackCredentials, config_path, load_settings
from bot.errors import PanelError
from handlers.slack_client import make_client

logger = logging.getLogger(__name__)

#: A pending schedule this late means no bot is running to send it.
OVERDUE_AFTER = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    skipped: bool = False

    def line(self) -> str:
        mark = "skip" if self.skipped else ("ok  " if self.ok else "FAIL")
        detail = " ".join(self.detail.split())  # one line, whatever SQLite or Slack said
        return f"{mark} {self.name}: {detail}"


def _skip(name: str, why: str) -> Check:
    return Check(name, True, why, skipped=True)


def _slack_error(exc: SlackApiError) -> str:
    return str(exc.response.get("error", "unknown error"))


class Doctor:
    """Runs every check in order; later checks are skipped when what they need failed."""

    def __init__(
        self,
        credentials: SlackCredentials,
        config: Path | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.credentials = credentials
        self.config = config or config_path()
        self.clock = clock or SystemClock()
        self.settings: Settings | None = None
        self.client: WebClient | None = None
        self.bot_user: str | None = None
        self.database_current = False

    def run(self) -> Iterator[Check]:
        yield self.check_config()
        yield self.check_database()
        yield from self.check_tokens()
        yield self.check_channel()
        yield self.check_members()
        yield self.check_jobs()

    # Config and database -----------------------------------------------------------

    def check_config(self) -> Check:
        try:
            self.settings = load_settings(self.config)
        except ConfigError as exc:
            return Check("config", False, f"{self.config}: " + "; ".join(exc.problems))
        panel = self.settings.panel
        return Check(
            "config",
            True,
            f"{self.config} is valid: {len(panel.members)} members, "
            f"chair {', '.join(panel.chair)}, channel {panel.channel}",
        )

    def check_database(self) -> Check:
        if self.settings is None:
            return _skip("database", "needs a valid config")
        path = installation.database_path(self.settings)
        try:
            found = installation.inspect(self.settings)
        except (PanelError, OSError) as exc:
            return Check("database", False, f"cannot open it: {exc}")
        if found is None:
            return Check(
                "database",
                True,
                f"{path} does not exist yet; the first `vcop meeting import` or "
                "`vcop serve` creates it",
            )
        problems = []
        if not found.intact:
            problems.append(
                f"integrity check failed ({'; '.join(found.integrity[:3])}): "
                "restore the latest backup with `vcop restore`"
            )
        if found.pending_migrations:
            problems.append(
                f"{len(found.pending_migrations)} migrations not applied "
                f"({', '.join(found.pending_migrations)}): they run when `vcop serve` starts"
            )
        if found.journal_mode.lower() != "wal":
            problems.append(
                f"journal mode is {found.journal_mode}, not WAL: `vcop serve` sets it at start"
            )
        if problems:
            return Check("database", False, f"{path}: " + "; ".join(problems))
        self.database_current = True
        return Check("database", True, f"{path}: integrity ok, migrations current, WAL")

    # Slack ---------------------------------------------------------------------------

    def check_tokens(self) -> Iterator[Check]:
        token = self.credentials.bot_token
        if token is None:
            yield Check("tokens", False, "SLACK_BOT_TOKEN is not set in the environment")
            yield _skip("scopes", "needs the bot token")
            return
        client = make_client(token.get_secret_value(), self.credentials.api_url)
        try:
            found = client.auth_test()
        except SlackApiError as exc:
            yield Check(
                "tokens",
                False,
                f"Slack refused SLACK_BOT_TOKEN ({_slack_error(exc)}): copy the Bot User "
                "OAuth Token again from the app's OAuth & Permissions page",
            )
            yield _skip("scopes", "needs a working bot token")
            return
        except OSError as exc:
            yield Check("tokens", False, f"could not reach Slack to check the token: {exc}")
            yield _skip("scopes", "needs Slack")
            return
        self.client = client
        self.bot_user = str(found.get("user_id"))
        transports = []
        app_token = self.credentials.app_token
        if app_token is not None:
            refused = self._app_token_problem(client, app_token.get_secret_value())
            if refused:
                yield Check("tokens", False, refused)
                yield self._check_scopes(found.headers)
                return
            transports.append("SLACK_APP_TOKEN (Socket Mode)")
        if self.credentials.signing_secret is not None:
            transports.append("SLACK_SIGNING_SECRET (HTTP)")
        if not transports:
            yield Check(
                "tokens",
                False,
                "the bot token works, but neither SLACK_APP_TOKEN (Socket Mode) nor "
                "SLACK_SIGNING_SECRET (HTTP) is set",
            )
        else:
            yield Check(
                "tokens",
                True,
                f"bot token works (workspace {found.get('team')}, bot user {self.bot_user}); "
                f"{' and '.join(transports)} set",
            )
        yield self._check_scopes(found.headers)

    @staticmethod
    def _app_token_problem(client: WebClient, app_token: str) -> str | None:
        """apps.connections.open with the app-level token: a URL back means it works.

        The URL is only handed out, never connected to, so a running bot is undisturbed.
        """
        try:
            client.apps_connections_open(app_token=app_token)
        except SlackApiError as exc:
            return (
                f"the bot token works, but Slack refused SLACK_APP_TOKEN ({_slack_error(exc)}): "
                "create an app-level token with the connections:write scope under Basic "
                "Information → App-Level Tokens"
            )
        except OSError as exc:
            return f"could not reach Slack to check SLACK_APP_TOKEN: {exc}"
        return None

    def _check_scopes(self, headers: dict[str, Any]) -> Check:
        granted_header = next(
            (str(v) for k, v in headers.items() if k.lower() == "x-oauth-scopes"), None
        )
        manifest = self.settings.slack.manifest if self.settings else {}
        needed = list(manifest.get("oauth_config", {}).get("scopes", {}).get("bot", []))
        if granted_header is None:
            return Check("scopes", False, "Slack did not say which scopes the token has")
        granted = {scope.strip() for scope in granted_header.split(",") if scope.strip()}
        missing = [scope for scope in needed if scope not in granted]
        if missing:
            return Check(
                "scopes",
                False,
                f"the bot token lacks {', '.join(missing)}, which the manifest needs: "
                "add them (`vcop manifest`) and reinstall the app to the workspace",
            )
        return Check(
            "scopes", True, f"the token has every scope the manifest needs ({len(needed)})"
        )

    def check_channel(self) -> Check:
        if self.settings is None or self.client is None:
            return _skip("channel", "needs a valid config and a working bot token")
        channel = self.settings.panel.channel
        members: list[str] = []
        cursor: str | None = None
        try:
            while True:
                page = self.client.conversations_members(channel=channel, cursor=cursor, limit=200)
                members.extend(page.get("members") or [])
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    break
        except SlackApiError as exc:
            error = _slack_error(exc)
            if error == "channel_not_found":
                return Check(
                    "channel",
                    False,
                    f"panel.channel {channel} was not found: copy the channel ID from its "
                    "details (a private channel also needs the bot invited first)",
                )
            return Check("channel", False, f"could not list {channel}'s members: {error}")
        if self.bot_user not in members:
            return Check(
                "channel",
                False,
                f"the bot is not a member of {channel}: invite it there with `/invite @VCoP Panel`",
            )
        return Check("channel", True, f"the bot is a member of {channel}")

    def check_members(self) -> Check:
        if self.settings is None or self.client is None:
            return _skip("members", "needs a valid config and a working bot token")
        panel = self.settings.panel
        people = [
            *(f"panel.chair {u}" for u in panel.chair),
            *(f"panel.secretariat {u}" for u in panel.secretariat),
            *(f"panel.members {u}" for u in panel.members),
        ]
        problems = []
        checked: dict[str, str | None] = {}
        for entry in people:
            user = entry.rsplit(" ", 1)[1]
            if user not in checked:
                checked[user] = self._user_problem(user)
            if checked[user]:
                problems.append(f"{entry}: {checked[user]}")
        if problems:
            return Check(
                "members",
                False,
                "; ".join(problems) + " (copy each member ID from their Slack profile)",
            )
        return Check("members", True, f"all {len(checked)} people in app.yaml exist in Slack")

    def _user_problem(self, user: str) -> str | None:
        assert self.client is not None
        try:
            found = self.client.users_info(user=user)["user"]
        except SlackApiError as exc:
            error = _slack_error(exc)
            return "no such user in this workspace" if error == "user_not_found" else error
        if found.get("deleted"):
            return "the account is deactivated"
        if found.get("is_bot"):
            return "that is a bot, not a person"
        return None

    # Scheduled jobs ------------------------------------------------------------------

    def check_jobs(self) -> Check:
        if self.settings is None or not self.database_current:
            if self.settings is not None and not installation.database_path(self.settings).exists():
                return Check("jobs", True, "no database yet, so nothing is scheduled")
            return _skip("jobs", "needs a valid config and a current database")
        settings = self.settings
        report = installation.jobs(settings, self.clock)
        now = self.clock.now()

        def local(moment: dt.datetime) -> str:
            return f"{moment.astimezone(settings.voting.zone):%Y-%m-%d %H:%M}"

        problems = []
        overdue = [s for s in report.pending if now - s.due_at > OVERDUE_AFTER]
        if overdue:
            first = overdue[0]
            problems.append(
                f"{len(overdue)} scheduled reminders or closes are overdue (the first, "
                f"{first.kind.value} of {first.meeting_id}, was due {local(first.due_at)}): "
                "is `vcop serve` running?"
            )
        if report.owed_messages:
            refs = ", ".join(ref for _, ref in report.owed_messages[:5])
            problems.append(
                f"{len(report.owed_messages)} case messages do not yet show what they should "
                f"({refs}): the running bot retries every 5 minutes"
            )
        backups = settings.storage.backups
        backup_note = "daily backups off (storage.backups)"
        if backups is not None:
            backup_note = (
                f"daily backup at {backups.at:%H:%M}, "
                f"{len(report.daily_backups)} kept of {backups.keep}"
            )
            newest = report.newest_backup_at
            if newest is not None and now - newest > dt.timedelta(days=2):
                problems.append(
                    f"the newest daily backup is {(now - newest).days} days old "
                    f"({report.daily_backups[-1]}): is `vcop serve` running?"
                )
        if problems:
            return Check("jobs", False, "; ".join(problems))
        first_due = report.pending[0] if report.pending else None
        upcoming = (
            f"next: {first_due.kind.value} of {first_due.meeting_id} at {local(first_due.due_at)}"
            if first_due
            else "no reminders or closes pending"
        )
        return Check("jobs", True, f"{len(report.pending)} pending ({upcoming}); {backup_note}")


def run_doctor(credentials: SlackCredentials, write: Any) -> int:
    """Print one line per check; 1 if any failed, else 0."""
    failed = False
    for check in Doctor(credentials).run():
        write(check.line())
        failed = failed or not check.ok
    return 1 if failed else 0
