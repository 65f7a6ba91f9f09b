"""Vote acknowledgement latency and Web API economy: the bot against a bare Bolt app.

Why: Slack shows "This app responded with an error" when an interaction is not
acknowledged within 3 s, and just before a meeting the whole panel votes at
once. The floor is what Bolt itself costs on the same server stack, so the
bot is measured side by side with a Bolt app that only acks, in one run:

* the bot runs as it does in production, as a subprocess
  ``vcop serve --http`` (waitress, signatures verified, votes acked after their
  commit, progress lines coalesced with ``min_gap`` 3 s) against the local
  Slack workspace (``SLACK_API_URL``), so its peak memory (VmHWM) is its own;
* the bare app is a subprocess too (this script with ``--serve-bare``): the same
  Bolt settings, signing secret and waitress server, one listener that acks;
* this process plays Slack: the simulated Web API (with Slack's published
  rate limits enforced, so any 429 is counted) and the load generator, which
  sends signed ``view_submission`` payloads built from real vote modals the
  bot opened (12 rights each and a few hundred characters of notes).

Patterns: *steady* is open-loop arrivals (a scheduler thread hands each
request to a pool at its planned time, so a slow answer never delays the next
arrival, and latency counts from the planned time), in blocks that alternate
between the two apps; *burst* is N submissions released at one instant, on
connections opened beforehand, in rounds that alternate too. Then *economy*
spreads 50 votes over 10 s and counts every Web API call the bot makes for
them, waiting for the coalesced progress updates to land.

Run from the repository root::

    .venv/bin/python tests/benchmarks/bench_latency.py            # full size, about 2 minutes
    .venv/bin/python tests/benchmarks/bench_latency.py --quick    # a few seconds
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import http.client
import json
import logging
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml
from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.config import Settings, load_settings
from bot.models import VoteOption
from handlers import ids
from handlers.server import EVENTS_PATH
from handlers.slack_sim import (
    DEFAULT_BOT_TOKEN,
    SimulatedSlack,
    WebApiServer,
    Workspace,
    sign_request,
)
from handlers.slack_sim.models import ViewRecord
from handlers.slack_sim.payloads import build_submission_state, user_ref, view_submission_payload

logger = logging.getLogger("bench_latency")

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_MEETING = ROOT / "bot" / "data" / "sample_meeting.yaml"
SLACK_ACK_DEADLINE_S = 3.0
PROGRESS_MIN_GAP_S = 3.0  # the production default of build_bot, used by `vcop serve`
FORM = "application/x-www-form-urlencoded"

# Targets from issue 6.
STEADY_P99_MS = 100.0
STEADY_P50_RATIO = 1.5
BURST_P99_RATIO = 1.5
PEAK_RSS_MB = 150.0
CALLS_PER_VOTE = 1.0

_NOTE_SENTENCES = (
    "The OIC made contact within the required timescale and recorded the victim's preferences.",
    "Written confirmation of the crime report was sent with the victims' information leaflet.",
    "There is no record that the needs assessment considered enhanced rights eligibility.",
    "The Witness Care Unit gave the hearing date within one working day of receiving it.",
    "Bail conditions were varied and the victim was not told for eight working days.",
    "Special measures were discussed early and the application was granted before trial.",
    "The VPS was explained but there is no record of the victim's wish to read it aloud.",
    "Referral to the support service was made on the day of the report, which is good practice.",
    "Updates were given by phone only; written updates would have helped this victim.",
    "The Victim Contact Scheme referral was made promptly and the victim opted in.",
    "The file shows a long gap between charge and the first update from the CPS.",
    "Information on the Victims' Right to Review was not given when the case was dropped.",
)


# -- configuration -------------------------------------------------------------------------


def member_ids(count: int) -> list[str]:
    """Synthetic Slack member ids (``U`` + digits), valid for ``SlackUserId``."""
    return [f"U0BENCH{n:04d}" for n in range(1, count + 1)]


def write_config(folder: Path, members: int) -> tuple[Path, Settings]:
    """The shipped app.yaml with ``members`` generated members, validated by pydantic."""
    raw = yaml.safe_load((ROOT / "app.yaml").read_text(encoding="utf-8"))
    raw["panel"]["members"] = member_ids(members)
    raw["storage"]["database"] = str(folder / "bench.db")
    path = folder / "app.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    settings = load_settings(path, env={})
    return path, settings


def write_meeting(folder: Path, cases: int | None = None) -> tuple[Path, str]:
    """The sample meeting moved a year ahead, so voting is open for the system clock;
    ``cases`` keeps only the first few of its six cases."""
    raw = yaml.safe_load(SAMPLE_MEETING.read_text(encoding="utf-8"))
    raw["cases"] = raw["cases"][:cases]
    today = dt.datetime.now(dt.UTC).date()
    closes = dt.datetime.combine(today + dt.timedelta(days=365), dt.time(17), tzinfo=dt.UTC)
    meeting_id = f"{closes.year}-bench-stalking"
    raw["meeting"]["id"] = meeting_id
    raw["meeting"]["voting_closes"] = closes.isoformat()
    raw["meeting"]["date"] = (closes.date() + dt.timedelta(days=2)).isoformat()
    path = folder / "meeting.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path, meeting_id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on port {port} after {timeout} s")


@dataclass(frozen=True)
class CommitCost:
    """One durable SQLite commit on this disk: how long it takes, and the CPU it is charged.

    On a virtual machine part of a sync's time is charged to the syncing thread as CPU
    (the guest's share of the I/O), so the bot's CPU a vote includes some of the disk,
    which the bare app never touches: this shows how much.
    """

    p50_ms: float
    p99_ms: float
    cpu_p50_ms: float


def durable_commit_cost(folder: Path, commits: int = 200) -> CommitCost:
    """A bare SQLite commit as the bot makes them (WAL, synchronous=FULL), ``commits`` times.

    Every vote waits for one such commit before its ack, and commits are serial,
    so on a disk where fsync is slow (or shared with a busy neighbour) the burst
    figures are bounded by this, not by the bot's code. Printed for context.
    """
    path = folder / "fsync-probe.db"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("pragma journal_mode = wal")
        conn.execute("pragma synchronous = full")
        conn.execute("create table t (a integer, b text)")
        times: list[float] = []
        cpu: list[float] = []
        for n in range(commits):
            started, cpu_started = time.perf_counter(), time.thread_time()
            conn.execute("begin immediate")
            conn.executemany("insert into t values (?, ?)", [(n, "x" * 60)] * 12)
            conn.execute("commit")
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - cpu_started) * 1000)
    finally:
        conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return CommitCost(percentile(times, 50), percentile(times, 99), percentile(cpu, 50))


def memory_of(pid: int) -> dict[str, float]:
    """VmHWM (peak resident set) and VmRSS of a process, in MB, from /proc."""
    found: dict[str, float] = {}
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return found
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            found[key] = int(value.split()[0]) / 1024
    return found


# -- the bare Bolt app -----------------------------------------------------------------------


def bare_app(client: WebClient, signing_secret: str) -> App:
    """The floor: Bolt with the bot's settings, one listener that only acks a vote."""
    app = App(
        client=client,
        signing_secret=signing_secret,
        process_before_response=True,
        request_verification_enabled=True,
        token_verification_enabled=True,
    )

    @app.view(ids.VOTE_SUBMIT)
    def ack_only(ack: Ack) -> None:
        ack()

    return app


def serve_bare(port: int, threads: int) -> int:
    """The bare app on the bot's server stack, as its own process."""
    from handlers.server import serve_forever
    from handlers.slack_client import make_client

    client = make_client(os.environ["SLACK_BOT_TOKEN"], os.environ["SLACK_API_URL"])
    serve_forever(
        bare_app(client, os.environ["SLACK_SIGNING_SECRET"]), "127.0.0.1", port, threads=threads
    )
    return 0


# -- running both servers --------------------------------------------------------------------


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def _vcop_executable() -> str:
    beside = Path(sys.executable).parent / "vcop"
    return str(beside) if beside.exists() else (shutil.which("vcop") or "vcop")


def spawn(name: str, argv: list[str], env: dict[str, str], log: Path, port: int) -> Server:
    with log.open("wb") as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
    return Server(name, process, port, log)


def wait_until_listening(server: Server) -> None:
    try:
        wait_for_port(server.port, server.process)
    except RuntimeError:
        server.stop()
        tail = server.log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{server.name} did not start: {tail}") from None


@dataclass
class Harness:
    """The simulated Slack (this process) plus the bot and bare-app subprocesses."""

    folder: Path
    settings: Settings
    meeting_id: str
    api: WebApiServer
    slack: SimulatedSlack
    bot: Server
    bare: Server
    signing_secret: str
    cases: int


@contextmanager
def harness(
    folder: Path, members: int, threads: int, cases: int | None = None, launcher: Sequence[str] = ()
) -> Iterator[Harness]:
    from bot.panel import PanelServices
    from storage.repo import Repository

    config, settings = write_config(folder, members)
    meeting_file, meeting_id = write_meeting(folder, cases)
    service = PanelServices(settings, Repository(settings.storage.database))
    try:
        service.meetings.import_meeting(meeting_file)
    finally:
        service.repo.close()

    workspace = Workspace()
    panel = settings.panel
    workspace.add_channel(panel.channel, "vcop-panel")
    for user in sorted({*panel.members, *panel.chair, *panel.secretariat}):
        workspace.add_user(user, user.lower())
    api = WebApiServer(workspace, enforce_rate_limits=True).start()
    secret = os.urandom(16).hex()
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("VCOP_", "SLACK_"))
    }
    env.update(
        VCOP_CONFIG=str(config),
        VCOP_DB=str(settings.storage.database),
        SLACK_API_URL=api.base_url,
        SLACK_BOT_TOKEN=DEFAULT_BOT_TOKEN,
        SLACK_SIGNING_SECRET=secret,
    )
    launcher = list(launcher) or [_vcop_executable()]
    started: list[Server] = []
    try:
        bot_port, bare_port = free_port(), free_port()
        started.append(
            spawn(
                "bot",
                [*launcher, "serve", "--http", "--host", "127.0.0.1",
                 "--port", str(bot_port), "--threads", str(threads)],
                env,
                folder / "bot.log",
                bot_port,
            )
        )  # fmt: skip
        started.append(
            spawn(
                "bare",
                [sys.executable, str(Path(__file__).resolve()), "--serve-bare",
                 "--port", str(bare_port), "--threads", str(threads)],
                env,
                folder / "bare.log",
                bare_port,
            )
        )  # fmt: skip
        for server in started:
            wait_until_listening(server)
        slack = SimulatedSlack(
            api,
            request_url=f"http://127.0.0.1:{bot_port}{EVENTS_PATH}",
            signing_secret=secret,
        )
        cases = len(yaml.safe_load(meeting_file.read_text(encoding="utf-8"))["cases"])
        yield Harness(
            folder, settings, meeting_id, api, slack, started[0], started[1], secret, cases
        )
    finally:
        for server in started:
            server.stop()
        api.stop()


# -- payloads ------------------------------------------------------------------------------


def open_vote_modals(
    slack: SimulatedSlack, settings: Settings, meeting_id: str, cases: int
) -> dict[str, ViewRecord]:
    """Post the meeting (/vcop open) and open one real vote modal per case."""
    panel = settings.panel
    result = slack.slash_command(panel.secretariat[0], f"open {meeting_id}")
    if result.status != 200:
        raise RuntimeError(f"/vcop open answered {result.status}")
    deadline = time.monotonic() + 60
    posts: dict[str, str] = {}
    while time.monotonic() < deadline:
        for message in slack.messages(panel.channel):
            for block in message.blocks:
                for element in block.get("elements", []) or []:
                    if element.get("action_id") == ids.VOTE_OPEN:
                        posts[ids.parse_case_key(element["value"])[1]] = message.ts
        if len(posts) >= cases:
            break
        time.sleep(0.1)
    member = panel.members[0]
    views: dict[str, ViewRecord] = {}
    for ref, ts in sorted(posts.items()):
        click = slack.click_button(member, ids.VOTE_OPEN, message=(panel.channel, ts))
        modal = slack.open_modal(member)
        if click.status != 200 or modal is None:
            raise RuntimeError(f"the vote modal for {ref} did not open ({click.status})")
        views[ref] = modal
        slack.workspace.close_all_modals(member)
    if not views:
        raise RuntimeError("/vcop open posted no case messages")
    return views


def realistic_notes(rng: random.Random) -> dict[str, str]:
    """Three note fields totalling a few hundred characters, as members write them."""
    return {
        field: " ".join(rng.sample(_NOTE_SENTENCES, rng.randint(1, 2)))
        for field in ("good_practice", "observations", "learning")
    }


class PayloadFactory:
    """Signed view_submission bodies shaped exactly like the vote modals the bot opened."""

    OPTIONS = tuple(VoteOption)
    WEIGHTS = (50, 15, 10, 5, 5, 10, 5)

    def __init__(
        self,
        ws: Workspace,
        settings: Settings,
        signing_secret: str,
        views: dict[str, ViewRecord],
        seed: int = 6,
    ) -> None:
        self.signing_secret = signing_secret
        self.views = views
        self.refs = sorted(views)
        self.members = list(settings.panel.members)
        self.rng = random.Random(seed)
        self.counter = 0
        self.rights = settings.rights.numbers
        self.users = {member: user_ref(ws, member) for member in self.members}
        self.templates = {
            ref: view_submission_payload(
                ws, user_id=self.members[0], token="sim-verification-token",
                trigger_id="", view=view,
            )
            for ref, view in views.items()
        }  # fmt: skip

    def next_pair(self) -> tuple[str, str]:
        """Every case in turn, then the next member: the panel works through the agenda
        together, so every case message needs its progress line kept current. After
        the first round a submission is a change of mind, which writes just as much."""
        n = self.counter
        self.counter += 1
        member = self.members[(n // len(self.refs)) % len(self.members)]
        return member, self.refs[n % len(self.refs)]

    def payload(self) -> str:
        member, ref = self.next_pair()
        choices = self.rng.choices(self.OPTIONS, self.WEIGHTS, k=len(self.rights))
        answers: dict[str, Any] = {
            ids.right_block(n): option.value for n, option in zip(self.rights, choices, strict=True)
        }
        for name, text in realistic_notes(self.rng).items():
            answers[ids.note_block(name)] = text
        data = copy.copy(self.templates[ref])
        data["user"] = self.users[member]
        data["trigger_id"] = f"{self.counter}.{self.rng.getrandbits(40)}"
        data["view"] = {**data["view"], "state": build_submission_state(self.views[ref], answers)}
        return json.dumps(data)

    def bodies(self, count: int) -> list[bytes]:
        return [urlencode({"payload": self.payload()}).encode() for _ in range(count)]

    def signed(self, body: bytes) -> dict[str, str]:
        headers, _ = sign_request(self.signing_secret, body)
        return {"Content-Type": FORM, **headers}


# -- sending -------------------------------------------------------------------------------


@dataclass
class Sample:
    status: int
    seconds: float
    refused: bool = False


def _post(
    conn: http.client.HTTPConnection, body: bytes, headers: dict[str, str]
) -> tuple[int, bytes]:
    try:
        conn.request("POST", EVENTS_PATH, body, headers)
        response = conn.getresponse()
        return response.status, response.read()
    except OSError:
        return 0, b""
    finally:
        conn.close()


def _sample(status: int, data: bytes, started: float) -> Sample:
    elapsed = time.perf_counter() - started
    return Sample(status, elapsed, refused=b'"response_action": "errors"' in data)


def steady(
    port: int, bodies: Sequence[bytes], sign: Callable[[bytes], dict[str, str]], rate: float
) -> list[Sample]:
    """Open-loop arrivals at ``rate`` per second; latency counts from the planned time."""
    samples: list[Sample | None] = [None] * len(bodies)

    def send(index: int, planned: float) -> None:
        body = bodies[index]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        status, data = _post(conn, body, sign(body))
        samples[index] = _sample(status, data, planned)

    with ThreadPoolExecutor(max_workers=64, thread_name_prefix="steady") as pool:
        start = time.perf_counter() + 0.05
        for index in range(len(bodies)):
            planned = start + index / rate
            delay = planned - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(send, index, planned)
    return [s for s in samples if s is not None]


def burst(
    port: int, bodies: Sequence[bytes], sign: Callable[[bytes], dict[str, str]]
) -> list[Sample]:
    """Every body released at one instant on connections opened beforehand."""
    signed = [(body, sign(body)) for body in bodies]
    conns = []
    for _ in bodies:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.connect()
        conns.append(conn)
    samples: list[Sample | None] = [None] * len(bodies)
    go = threading.Event()
    released = [0.0]

    def send(index: int) -> None:
        go.wait()
        body, headers = signed[index]
        status, data = _post(conns[index], body, headers)
        samples[index] = _sample(status, data, released[0])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    time.sleep(0.2)  # every sender parked on the event
    released[0] = time.perf_counter()
    go.set()
    for thread in threads:
        thread.join()
    return [s for s in samples if s is not None]


# -- figures -------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation: p99 of 200 is the 198th value)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


@dataclass
class Stats:
    n: int
    non_200: int
    late: int
    refused: int
    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, samples: Sequence[Sample]) -> Stats:
        ms = [s.seconds * 1000 for s in samples]
        return cls(
            n=len(samples),
            non_200=sum(s.status != 200 for s in samples),
            late=sum(s.seconds > SLACK_ACK_DEADLINE_S for s in samples),
            refused=sum(s.refused for s in samples),
            p50=percentile(ms, 50),
            p95=percentile(ms, 95),
            p99=percentile(ms, 99),
            max=max(ms, default=float("nan")),
        )


@dataclass
class Results:
    latency: dict[tuple[str, str], Stats] = field(default_factory=dict)
    steady_calls_per_vote: float = float("nan")
    economy_votes: int = 0
    economy_calls: int = 0
    economy_by_method: dict[str, int] = field(default_factory=dict)
    vote_phase_429: int = 0
    setup_429: int = 0
    memory: dict[str, dict[str, float]] = field(default_factory=dict)
    commit: CommitCost = CommitCost(float("nan"), float("nan"), float("nan"))
    settings: dict[str, Any] = field(default_factory=dict)

    def ratio(self, pattern: str, stat: str) -> float:
        bot = getattr(self.latency[(pattern, "bot")], stat)
        bare = getattr(self.latency[(pattern, "bare")], stat)
        return bot / bare if bare else float("inf")


def print_table(results: Results, out: Any = None) -> None:
    write = (out or sys.stdout).write
    s = results.settings
    write(
        f"\nVote acknowledgement latency: signed view_submission, 12 rights + notes "
        f"({s['members']} members, {s['cases']} cases, {s['threads']} waitress threads)\n"
    )
    header = f"{'pattern':<8} {'app':<5} {'n':>5} {'non-200':>8} {'>3s':>5} {'refused':>8} "
    header += f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}\n"
    write(header)
    for (pattern, app), st in results.latency.items():
        write(
            f"{pattern:<8} {app:<5} {st.n:>5} {st.non_200:>8} {st.late:>5} {st.refused:>8} "
            f"{st.p50:>8.1f} {st.p95:>8.1f} {st.p99:>8.1f} {st.max:>8.1f}\n"
        )
    for pattern in ("steady", "burst"):
        if (pattern, "bot") in results.latency and (pattern, "bare") in results.latency:
            ratios = " ".join(
                f"{results.ratio(pattern, stat):>7.2f}x" for stat in ("p50", "p95", "p99", "max")
            )
            write(f"{pattern:<8} {'ratio':<5} {'bot/bare':>5}{'':>24} {ratios}\n")
    commit = results.commit
    write(
        f"(context: a durable SQLite commit on this disk, WAL + synchronous=FULL, "
        f"p50 {commit.p50_ms:.2f} ms, p99 {commit.p99_ms:.2f} ms, charged "
        f"{commit.cpu_p50_ms:.2f} ms of CPU; every vote waits for one, one at a time)\n"
    )
    write("\nServer memory (from /proc/PID/status)\n")
    for app, mem in results.memory.items():
        write(f"{app:<5} peak RSS (VmHWM) {mem.get('VmHWM', float('nan')):7.1f} MB   "
              f"RSS at end {mem.get('VmRSS', float('nan')):7.1f} MB\n")  # fmt: skip
    write(
        f"\nWeb API economy ({results.economy_votes} votes over {s['economy_seconds']:g} s, "
        "Slack's rate limits enforced by the simulator)\n"
    )
    by_method = ", ".join(f"{m} {n}" for m, n in sorted(results.economy_by_method.items()))
    per_vote = (
        results.economy_calls / results.economy_votes if results.economy_votes else float("nan")
    )
    write(
        f"calls {results.economy_calls} ({by_method or 'none'}); per recorded vote {per_vote:.2f}\n"
    )
    write(f"steady phase: Web API calls per recorded vote {results.steady_calls_per_vote:.2f}\n")
    write(f"429 answers during the vote phases {results.vote_phase_429}; "
          f"during setup (/vcop open) {results.setup_429}\n")  # fmt: skip

    write("\nTargets\n")
    for name, shown, met in targets(results):
        write(f"{name:<48} {shown:>14}   {'met' if met else 'NOT MET'}\n")


def targets(results: Results) -> list[tuple[str, str, bool]]:
    rows: list[tuple[str, str, bool]] = []
    lat = results.latency
    if ("steady", "bot") in lat:
        bot = lat[("steady", "bot")]
        rows.append(("steady: bot p99 < 100 ms", f"{bot.p99:.1f} ms", bot.p99 < STEADY_P99_MS))
        if ("steady", "bare") in lat:
            r = results.ratio("steady", "p50")
            rows.append(("steady: bot p50 <= 1.5x bare p50", f"{r:.2f}x", r <= STEADY_P50_RATIO))
    if ("burst", "bot") in lat:
        bot = lat[("burst", "bot")]
        ok = bot.n - bot.non_200 - bot.late
        rows.append(
            ("burst: every bot ack is 200 within 3 s", f"{ok}/{bot.n}", ok == bot.n and bot.n > 0)
        )
        if ("burst", "bare") in lat:
            r = results.ratio("burst", "p99")
            rows.append(("burst: bot p99 <= 1.5x bare p99", f"{r:.2f}x", r <= BURST_P99_RATIO))
    refused = sum(st.refused for (_, app), st in lat.items() if app == "bot")
    rows.append(
        ("every bot submission recorded (none refused)", f"{refused} refused", refused == 0)
    )
    hwm = results.memory.get("bot", {}).get("VmHWM", float("nan"))
    rows.append(("bot peak RSS < 150 MB", f"{hwm:.1f} MB", hwm < PEAK_RSS_MB))
    if results.economy_votes:
        per_vote = results.economy_calls / results.economy_votes
        rows.append(
            ("Web API calls per vote <= 1.0", f"{per_vote:.2f}", per_vote <= CALLS_PER_VOTE)
        )
    rows.append(
        ("no 429 during the vote phases", str(results.vote_phase_429), results.vote_phase_429 == 0)
    )
    return rows


# -- the run -------------------------------------------------------------------------------


def economy(
    h: Harness, factory: PayloadFactory, votes: int, seconds: float, settle: float
) -> tuple[int, list]:
    """``votes`` ballots spread evenly over ``seconds``; the calls they cause, updates included."""
    before = len(h.api.workspace.calls())
    bodies = factory.bodies(votes)
    samples = steady(h.bot.port, bodies, factory.signed, votes / seconds)
    recorded = sum(s.status == 200 and not s.refused for s in samples)
    time.sleep(settle)  # the last coalesced progress updates land
    return recorded, h.api.workspace.calls()[before:]


def run(args: argparse.Namespace) -> Results:
    folder = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="vcop-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    results = Results()
    try:
        results.commit = durable_commit_cost(folder)
        launcher = [sys.executable, args.bot_launcher] if args.bot_launcher else []
        with harness(folder, args.members, args.threads, args.cases, launcher) as h:
            views = open_vote_modals(h.slack, h.settings, h.meeting_id, h.cases)
            results.settings = {
                "members": args.members,
                "cases": len(views),
                "threads": args.threads,
                "economy_seconds": args.economy_seconds,
            }
            factory = PayloadFactory(h.slack.workspace, h.settings, h.signing_secret, views)
            time.sleep(args.settle)  # /vcop open's own posting settles
            setup_calls = h.api.workspace.calls()
            results.setup_429 = sum(c.http_status == 429 for c in setup_calls)
            vote_start = len(setup_calls)

            # Warm both servers: first imports and auth.test, and one request per waitress
            # thread (each opens its own SQLite connection on first use), as a server
            # that has been up for a while would be.
            for server in (h.bot, h.bare):
                burst(server.port, factory.bodies(args.threads), factory.signed)

            # The steady phase alternates between the two apps in blocks (bot, bare, bot…),
            # each app getting ``duration`` seconds at ``rate`` in all: a machine that gets
            # busier or quieter during the run then weighs on both alike, where one
            # 30-second run each would hand the drift to whichever app ran second.
            blocks = max(1, args.steady_blocks)
            n_block = max(1, int(args.rate * args.duration / blocks))
            steady_samples: dict[str, list[Sample]] = {"bot": [], "bare": []}
            before = len(h.api.workspace.calls())
            for block in range(blocks):
                for app in ("bot", "bare"):
                    server = h.bot if app == "bot" else h.bare
                    logger.info(
                        "steady block %d: %d arrivals at %g/s to the %s",
                        block + 1,
                        n_block,
                        args.rate,
                        app,
                    )
                    steady_samples[app] += steady(
                        server.port, factory.bodies(n_block), factory.signed, args.rate
                    )
            time.sleep(args.settle)  # the bot's last coalesced progress updates land
            for app, samples in steady_samples.items():
                results.latency[("steady", app)] = Stats.of(samples)
            recorded = sum(s.status == 200 and not s.refused for s in steady_samples["bot"])
            made = len(h.api.workspace.calls()) - before  # only the bot calls the Web API
            results.steady_calls_per_vote = made / recorded if recorded else float("nan")

            collected: dict[str, list[Sample]] = {"bot": [], "bare": []}
            for round_ in range(args.bursts):
                for app in ("bot", "bare"):
                    server = h.bot if app == "bot" else h.bare
                    logger.info("burst %d: %d at once to the %s", round_ + 1, args.burst_size, app)
                    collected[app] += burst(
                        server.port, factory.bodies(args.burst_size), factory.signed
                    )
                    time.sleep(args.burst_pause)
            for app, samples in collected.items():
                results.latency[("burst", app)] = Stats.of(samples)

            time.sleep(args.settle)
            logger.info("economy: %d votes over %g s", args.economy_votes, args.economy_seconds)
            recorded, calls = economy(
                h, factory, args.economy_votes, args.economy_seconds, args.settle
            )
            results.economy_votes = recorded
            results.economy_calls = len(calls)
            for call in calls:
                results.economy_by_method[call.method] = (
                    results.economy_by_method.get(call.method, 0) + 1
                )
            results.vote_phase_429 = sum(
                c.http_status == 429 for c in h.api.workspace.calls()[vote_start:]
            )
            for app, server in (("bot", h.bot), ("bare", h.bare)):
                results.memory[app] = memory_of(server.process.pid)
    finally:
        if not args.keep and not args.dir:
            shutil.rmtree(folder, ignore_errors=True)
    return results


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds: tiny N everywhere")
    parser.add_argument("--duration", type=float, default=30.0, help="steady phase seconds")
    parser.add_argument("--rate", type=float, default=20.0, help="steady arrivals per second")
    parser.add_argument(
        "--steady-blocks",
        type=int,
        default=6,
        help="blocks the steady phase alternates between the apps in",
    )
    parser.add_argument("--bursts", type=int, default=4, help="burst rounds per app")
    parser.add_argument("--burst-size", type=int, default=50, help="submissions per burst")
    parser.add_argument("--burst-pause", type=float, default=2.0, help="seconds between bursts")
    parser.add_argument("--economy-votes", type=int, default=50)
    parser.add_argument("--economy-seconds", type=float, default=10.0)
    parser.add_argument("--members", type=int, default=60, help="panel members (generated)")
    parser.add_argument("--cases", type=int, default=6, help="cases of the sample meeting (1-6)")
    parser.add_argument(
        "--settle",
        type=float,
        default=PROGRESS_MIN_GAP_S + 2.0,
        help="seconds to let the bot's coalesced progress updates land between phases",
    )
    parser.add_argument("--threads", type=int, default=16, help="waitress threads per server")
    parser.add_argument("--dir", help="work folder (default: a temporary one, removed after)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    # A Python script to run instead of `vcop` (same arguments), e.g. to instrument the bot.
    parser.add_argument("--bot-launcher", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.rate = 2.0, 10.0
        args.bursts, args.burst_size, args.burst_pause = 1, 10, 0.5
        args.economy_votes, args.economy_seconds = 10, 2.0
        args.members, args.cases, args.settle = min(args.members, 12), 2, 0.5
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve_bare:
        return serve_bare(args.port, args.threads)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s: %(message)s",
    )
    results = run(args)
    print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
