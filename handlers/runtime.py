"""What every listener needs, injected into Bolt's context by one middleware.

Listeners stay module-level functions (as in Slack's starter template) and
reach the panel's services through ``context``; nothing is global, so a test
can run several bots side by side.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from slack_bolt import BoltContext

from bot.action_service import ActionService
from bot.deadline_service import DeadlineService
from bot.event_log import EventLog
from bot.meeting_states import MeetingStates
from bot.panel import PanelServices
from bot.scheduler import DeadlineScheduler
from bot.trend_service import TrendService
from handlers.progress import ProgressUpdater
from handlers.publisher import MeetingPublisher

CONTEXT_KEY = "vcop_runtime"
logger = logging.getLogger(__name__)

Task = Callable[[], None]


def run_inline(task: Task) -> None:
    """Run after-ack work at once: deterministic, for tests and the demo."""
    task()


class BackgroundRunner:
    """Run after-ack work on a small pool, so a slow Slack call never delays an ack."""

    def __init__(self, workers: int = 4) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vcop-after-ack")

    def __call__(self, task: Task) -> None:
        self._pool.submit(self._guarded, task)

    @staticmethod
    def _guarded(task: Task) -> None:
        try:
            task()
        except Exception:
            logger.exception("background task failed")

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)


@dataclass
class SlackRuntime:
    service: PanelServices
    publisher: MeetingPublisher
    progress: ProgressUpdater
    deadlines: DeadlineService
    scheduler: DeadlineScheduler
    events: EventLog
    trends: TrendService
    actions: ActionService
    #: The one route for opening, closing, extending, re-listing and purging.
    states: MeetingStates
    after_ack: Callable[[Task], None] = run_inline


def runtime_of(context: BoltContext) -> SlackRuntime:
    runtime = context.get(CONTEXT_KEY)
    if not isinstance(runtime, SlackRuntime):
        raise RuntimeError("the vcop runtime middleware is not installed")
    return runtime
