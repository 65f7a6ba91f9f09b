"""Building a running bot from settings and credentials.

`vcop serve`, `vcop demo`, the end-to-end tests and the benchmarks all start
the bot through `build_bot`, so they exercise the same wiring.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from pydantic import SecretStr
from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot import anonymity
from bot.action_service import ActionService
from bot.backups import BackupService
from bot.clock import Clock
from bot.config import Settings, SlackCredentials
from bot.deadline_service import DeadlineService
from bot.errors import PanelError
from bot.event_log import EventLog
from bot.health import database_writable
from bot.meeting_states import MeetingStates
from bot.panel import PanelServices
from bot.scheduler import DeadlineScheduler
from bot.trend_service import TrendService
from handlers.app import create_app
from handlers.notifier import SlackNotifier
from handlers.pacing import Pace
from handlers.progress import ProgressUpdater
from handlers.publisher import MeetingPublisher
from handlers.redaction import install_redaction
from handlers.runtime import BackgroundRunner, SlackRuntime, run_inline
from handlers.slack_client import make_client
from storage.repo import Repository

logger = logging.getLogger(__name__)

#: How often case messages Slack has not confirmed are sent again.
RESYNC_EVERY = dt.timedelta(minutes=5)
RESYNC_JOB = "resync-messages"
#: How often changes made on the command line (an extension) are announced and re-armed.
CATCH_UP_EVERY = dt.timedelta(minutes=1)
CATCH_UP_JOB = "announce-changes"
BACKUP_JOB = "daily-backup"


@dataclass
class Bot:
    runtime: SlackRuntime
    app: App
    runner: BackgroundRunner | None = None
    #: Whether auth.test passed at start-up (None: not checked, as in tests).
    slack_auth: bool | None = None

    def start(self) -> None:
        anonymity.warm_up()
        self.runtime.progress.start()
        self.runtime.scheduler.start()
        try:  # messages a previous run could not bring up to date
            self.runtime.publisher.resync()
        except Exception:
            logger.exception("could not re-send case messages at start-up; the job retries")

    def stop(self) -> None:
        """Stop the scheduler (letting a running job finish), after-ack work, then the db."""
        self.runtime.scheduler.shutdown(wait=True)
        if self.runner is not None:
            self.runner.shutdown()
        self.runtime.progress.stop()
        self.runtime.service.close()

    def check_slack_auth(self) -> bool:
        """auth.test once at start-up; /healthz reports the result."""
        try:
            found = self.runtime.publisher.client.auth_test()
        except SlackApiError as exc:
            logger.error("Slack refused the bot token: %s", exc.response.get("error"))
            self.slack_auth = False
        except OSError as exc:
            logger.error("could not reach Slack to check the bot token: %s", exc)
            self.slack_auth = False
        else:
            logger.info("Slack auth ok: %s as %s", found.get("team"), found.get("user"))
            self.slack_auth = True
        return self.slack_auth

    def health(self) -> tuple[bool, dict[str, Any]]:
        """What /healthz answers: every check true, or 503 naming the one that is not."""
        service = self.runtime.service
        checks = {
            "database_writable": database_writable(service.repo, service.clock),
            "scheduler_running": self.runtime.scheduler.running,
            "slack_auth": self.slack_auth is True,
        }
        return all(checks.values()), checks


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def build_bot(
    settings: Settings,
    credentials: SlackCredentials,
    *,
    clock: Clock | None = None,
    inline_after_ack: bool = False,
    progress_min_gap: float = 3.0,
    scheduler_paused: bool = False,
    pace: Pace | None = None,
    socket_mode: bool = False,
) -> Bot:
    """Wire storage, services, the Slack client and the Bolt app together.

    Listeners run to completion before Bolt answers (process_before_response),
    so a vote is acked only after its commit, in the thread that committed it.
    Slow work after an ack (posting cases, uploads) goes to a background pool,
    or runs inline when ``inline_after_ack`` (tests and the demo, which want
    to read the result as soon as the request returns). ``scheduler_paused``
    keeps APScheduler from firing on wall-clock time when a manual clock
    drives the deadlines (tests call ``scheduler.run_due()`` instead). ``pace``
    spaces posts to a channel; Slack's rate unless told otherwise.
    With ``socket_mode`` the app serves Socket Mode envelopes, which are not
    signed: SLACK_SIGNING_SECRET is then neither needed nor used.
    """
    bot_token = _secret(credentials.bot_token)
    signing_secret = None if socket_mode else _secret(credentials.signing_secret)
    missing = [
        name
        for name, value in (
            ("SLACK_BOT_TOKEN", bot_token),
            ("SLACK_APP_TOKEN", _secret(credentials.app_token) if socket_mode else "-"),
            ("SLACK_SIGNING_SECRET", "-" if socket_mode else signing_secret),
        )
        if not value
    ]
    if missing:
        raise PanelError(f"{' and '.join(missing)} must be set")
    install_redaction(
        [bot_token, _secret(credentials.signing_secret), _secret(credentials.app_token)]
    )
    service = PanelServices(settings, Repository(settings.storage.database), clock)
    client = make_client(bot_token, credentials.api_url)
    publisher = MeetingPublisher(service, client, pace)
    progress = ProgressUpdater(publisher.refresh_case, min_gap=progress_min_gap)
    deadlines = DeadlineService(service)
    actions = ActionService(service)
    notifier = SlackNotifier(service, publisher, progress)
    states = MeetingStates(service, deadlines, notifier)
    scheduler = DeadlineScheduler(
        deadlines, notifier, states, paused=scheduler_paused, actions=actions
    )
    states.rearm_with(scheduler.sync)
    scheduler.add_housekeeping(
        RESYNC_JOB, publisher.resync, IntervalTrigger(seconds=RESYNC_EVERY.total_seconds())
    )
    scheduler.add_housekeeping(
        CATCH_UP_JOB, states.catch_up, IntervalTrigger(seconds=CATCH_UP_EVERY.total_seconds())
    )
    backups = settings.storage.backups
    if backups is not None:
        scheduler.add_housekeeping(
            BACKUP_JOB,
            BackupService(settings, clock).take_daily,
            CronTrigger(
                hour=backups.at.hour, minute=backups.at.minute, timezone=settings.voting.zone
            ),
        )
    runner = None if inline_after_ack else BackgroundRunner()
    runtime = SlackRuntime(
        service=service,
        publisher=publisher,
        progress=progress,
        deadlines=deadlines,
        scheduler=scheduler,
        events=EventLog(service.repo, service.clock),
        trends=TrendService(settings, service.repo, clock),
        actions=actions,
        states=states,
        after_ack=run_inline if runner is None else runner,
    )
    app = create_app(runtime, client, signing_secret)
    return Bot(runtime=runtime, app=app, runner=runner)
