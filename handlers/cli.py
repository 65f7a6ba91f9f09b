"""The `vcop` command: the domain commands of bot.cli plus the Slack ones.

`serve` runs the bot for a real workspace; `demo` runs the whole panel
workflow against the built-in local Slack workspace, with no Slack account.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot.cli import Context, add_command, build_parser, run
from bot.config import SlackCredentials
from bot.errors import PanelError
from bot.installation import holding_database

logger = logging.getLogger(__name__)


def cmd_serve(args: argparse.Namespace, ctx: Context) -> int:
    """Run the bot. With --http, Bolt over HTTP (waitress) on --host/--port, every
    Slack request at POST /slack/events and a health check at GET /healthz, signatures
    always verified (needs SLACK_SIGNING_SECRET); without it, Socket Mode, which needs
    SLACK_APP_TOKEN and no signing secret, and logs one line once connected. Tokens come
    from SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and SLACK_APP_TOKEN; SLACK_API_URL
    overrides Slack's Web API URL. SIGTERM or Ctrl-C stops it gracefully: requests in
    flight finish, then the scheduler and the database close. Only one bot may run on a
    database at a time."""
    credentials = SlackCredentials.from_env()
    if not args.http and credentials.app_token is None:
        raise PanelError("Socket Mode needs SLACK_APP_TOKEN (or use --http)")
    with holding_database(ctx.settings, "vcop serve"):
        return _run_bot(args, ctx, credentials)


def _run_bot(args: argparse.Namespace, ctx: Context, credentials: SlackCredentials) -> int:
    # Imported here: the Slack stack takes a while to load, and only serving needs it
    # (the domain commands, a year's trends report among them, start faster without it).
    from handlers.bootstrap import build_bot
    from handlers.slack_client import make_client
    from handlers.startup import announce, check_bot_token, http_url, listen_refusal
    from handlers.startup import logger as startup_logger

    # The start-up line is shown even at the default verbosity (warnings only).
    startup_logger.setLevel(logging.INFO)
    # Slack is asked about the token first (Bolt would ask again, and raise a
    # traceback); a missing variable is left to build_bot, which names them all.
    token = credentials.bot_token
    identity = (
        check_bot_token(make_client(token.get_secret_value(), credentials.api_url))
        if token is not None
        else None
    )
    bot = build_bot(ctx.settings, credentials, socket_mode=not args.http)
    assert identity is not None  # build_bot refuses a missing SLACK_BOT_TOKEN
    bot.start()
    bot.check_slack_auth()
    try:
        if args.http:
            from handlers.server import serve_until_signalled

            def ready(port: int) -> None:
                announce(identity, f"serving Slack requests at {http_url(args.host, port)}")

            try:
                serve_until_signalled(
                    bot.app,
                    args.host,
                    args.port,
                    threads=args.threads,
                    health=bot.health,
                    on_ready=ready,
                )
            except OSError as exc:
                raise listen_refusal(exc, args.host, args.port) from None
        else:
            from handlers.socket_mode import serve_socket_mode

            assert credentials.app_token is not None
            serve_socket_mode(
                bot.app, credentials.app_token.get_secret_value(), who=identity.describe()
            )
    except KeyboardInterrupt:
        logger.info("stopping")
    finally:
        bot.stop()
        logger.info("stopped: the scheduler and the database are closed")
    return 0


def cmd_doctor(args: argparse.Namespace, ctx: Context | None) -> int:
    """Check that this installation can run the panel, one line per check: the config,
    the database (integrity, migrations current, WAL), the tokens (auth.test and the
    scopes the manifest needs), the channel (the bot is a member), the members (each ID
    exists in Slack) and the scheduled jobs. Exit 1 if any check fails."""
    from handlers.doctor import run_doctor

    return run_doctor(SlackCredentials.from_env(), lambda line: sys.stdout.write(line + "\n"))


def cmd_demo(args: argparse.Namespace, ctx: Context) -> int:
    """Run the whole panel workflow against the built-in local Slack workspace, with
    simulated members and no tokens: import and open the sample meeting, members
    vote, the chair tallies, resolves and closes, and the draft summary is written
    (Markdown and DOCX) to --output (default ./vcop-demo-output)."""
    from handlers.demo import run_demo

    return run_demo(ctx.settings, output=args.output, members_voting=args.members)


def add_slack_commands(sub: argparse._SubParsersAction) -> None:
    serve = add_command(sub, "serve", cmd_serve)
    serve.add_argument("--http", action="store_true", help="serve HTTP instead of Socket Mode")
    serve.add_argument("--host", default="0.0.0.0", help="HTTP host (default 0.0.0.0)")
    serve.add_argument("--port", type=int, default=3000, help="HTTP port (default 3000)")
    serve.add_argument("--threads", type=int, default=16, help="HTTP worker threads")
    doctor = add_command(sub, "doctor", cmd_doctor)
    doctor.set_defaults(own_config=True)
    demo = add_command(sub, "demo", cmd_demo)
    demo.add_argument("--output", default="vcop-demo-output", help="folder for the summary")
    demo.add_argument("--members", type=int, default=5, help="how many members vote (1-5)")
    demo.set_defaults(example_config_ok=True)


def main(argv: Sequence[str] | None = None) -> int:
    return run(argv, build_parser(extra=[add_slack_commands]))


if __name__ == "__main__":
    sys.exit(main())
