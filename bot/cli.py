"""The `vcop` command line: each command is a few lines around a service call.

Each command function's docstring is its ``--help`` text, and a test checks
that every command appears in the README. The Slack commands (`serve`,
`demo`) are added by handlers.cli, so this module stays free of Slack.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path

import yaml

from bot.access import CLI_ACTOR
from bot.backups import BackupService
from bot.config import DEFAULT_CONFIG_PATH, ConfigError, Settings, config_path, load_settings
from bot.deadline_service import DeadlineService
from bot.deadlines import parse_deadline
from bot.errors import PanelError
from bot.meeting_export import meeting_yaml
from bot.meeting_file import MeetingDocument, MeetingFile, MeetingFileError, read_meeting_file
from bot.meeting_states import MeetingStates
from bot.panel import PanelServices
from bot.safe_output import free_name, write_new
from bot.summary import render_csv, render_docx, render_markdown
from bot.trend_service import TrendService, parse_date
from storage.repo import Repository

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_INPUT = 2
Handler = Callable[[argparse.Namespace], int]
SAMPLE_MEETING = Path(__file__).parent / "data" / "sample_meeting.yaml"
VERBOSE_HELP = "log progress to stderr, including which config and database are used"


class Context:
    """Settings, database and services, opened only by the commands that need them."""

    def __init__(self, config: Path | None = None) -> None:
        self.settings: Settings = load_settings(config)
        self._service: PanelServices | None = None

    @property
    def service(self) -> PanelServices:
        if self._service is None:
            self._service = PanelServices(self.settings, Repository(self.settings.storage.database))
        return self._service

    def close(self) -> None:
        if self._service is not None:
            self._service.repo.close()


def _out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text if text.endswith("\n") else text + "\n")


# What each --format writes, as an error names it, and the file name endings that hold it
# (its own first).
_FORMATS: dict[str, tuple[str, tuple[str, ...]]] = {
    "md": ("Markdown text", (".md", ".markdown")),
    "docx": ("a Word document", (".docx",)),
    "csv": ("a CSV file", (".csv",)),
    "xlsx": ("an Excel workbook", (".xlsx",)),
    "yaml": ("YAML text", (".yaml", ".yml")),
}
# Endings of files other programs write, which no vcop command does: a report named r.pdf
# or r.doc would hold text that the program its name promises cannot open.
_OTHER_PROGRAMS = {
    ".doc": "an older Word document (.doc)",
    ".docm": "a Word document with macros",
    ".dot": "a Word template",
    ".dotx": "a Word template",
    ".rtf": "a Rich Text document",
    ".odt": "an OpenDocument text",
    ".pdf": "a PDF",
    ".xls": "an older Excel workbook (.xls)",
    ".xlsm": "an Excel workbook with macros",
    ".ods": "an OpenDocument spreadsheet",
    ".json": "JSON",
    ".html": "a web page",
    ".htm": "a web page",
}
# Formats that only open in their own program when the file carries their own ending.
_NEEDS_OWN_ENDING = frozenset({"docx", "xlsx"})
# The formats each command writes, its default first.
SUMMARY_FORMATS = ("md", "docx", "csv")
REPORT_FORMATS = ("docx", "md", "csv", "xlsx")
EXPORT_FORMATS = ("xlsx", "yaml")


def _renamed(path: Path, form: str) -> str:
    """``path`` with the ending of ``form``: ``r.docx`` → ``r.md``; ``notes`` → ``notes.md``."""
    ending = _FORMATS[form][1][0]
    stem = path.stem if path.suffix[1:].isalpha() else path.name
    return str(path.with_name(stem + ending))


def _format_help(formats: Sequence[str]) -> str:
    endings = ", ".join(_FORMATS[form][1][0] for form in formats)
    return f"without it, the --output name's ending ({endings}) chooses; else {formats[0]}"


def output_format(command: str, args: argparse.Namespace, formats: Sequence[str]) -> str:
    """The format to write: --format, else the one the --output name ends in, else formats[0].

    A Word document named ``.md``, or Markdown text named ``.docx`` or ``.pdf``, is a
    file nobody can open, so a --format and an --output name that disagree, a name
    that asks for a format this command does not write (or that only another
    program writes), and a Word or Excel file named without its ending are all
    refused before anything is written.
    """
    given: str | None = args.format
    if not args.output:
        return given or formats[0]
    path = Path(args.output)
    other = _OTHER_PROGRAMS.get(path.suffix.lower())
    if other is not None:
        names = [_renamed(path, form) for form in ([given] if given else formats)]
        raise PanelError(
            f"{command} writes {_listed([_FORMATS[form][0] for form in formats])}, not "
            f"{other} as the name {path.name} asks; nothing was written. "
            f"Name the file {_listed(names)}."
        )
    named = next(
        (form for form, (_, endings) in _FORMATS.items() if path.suffix.lower() in endings), None
    )
    if named is not None and given is None:
        if named in formats:
            return named
        names = [_renamed(path, form) for form in formats]
        raise PanelError(
            f"{command} writes {_listed([_FORMATS[form][0] for form in formats])}, not "
            f"{_FORMATS[named][0]} as the name {path.name} asks; nothing was written. "
            f"Name the file {_listed(names)}."
        )
    if named is not None and given != named:
        assert given is not None
        rename = f"the file {_renamed(path, given)}"
        fix = (
            f"Leave out --format to write {_FORMATS[named][0]}, or name {rename}"
            if named in formats
            else f"Name {rename}"
        )
        raise PanelError(
            f"--format {given} writes {_FORMATS[given][0]}, but the name {path.name} is for "
            f"{_FORMATS[named][0]}; nothing was written. {fix}."
        )
    chosen = given or formats[0]
    if named is None and chosen in _NEEDS_OWN_ENDING:
        ending = _FORMATS[chosen][1][0]
        raise PanelError(
            f"{path.name} would be {_FORMATS[chosen][0]}, which needs a name ending in {ending} "
            f"to open; nothing was written. Name the file {_renamed(path, chosen)}, "
            "or choose another --format."
        )
    return chosen


def _is_vcop_ending(ending: str) -> bool:
    """Whether ``ending`` (``.docx``) is the ending of a file some vcop command writes."""
    return any(ending in endings for _, endings in _FORMATS.values())


def _listed(items: Sequence[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def cmd_meeting_import(args: argparse.Namespace, ctx: Context) -> int:
    """Import a meeting file (an Excel workbook .xlsx, or YAML or JSON): validate
    it, screen every text for personal data, and store the meeting and its cases
    in one transaction. Any problem prints one line per problem (naming the sheet
    and cell for a workbook) and stores nothing (exit 2)."""
    report = ctx.service.meetings.import_meeting(Path(args.file), replace=args.replace)
    for warning in report.warnings:
        _err(f"warning: {warning}")
    if report.unchanged:
        _out(f"Meeting {report.meeting.id} is already exactly as in {args.file}; nothing changed.")
        return EXIT_OK
    verb = "Replaced" if report.replaced else "Imported"
    meeting = report.meeting
    closes = ctx.service.meetings.local_time(meeting.voting_closes)
    _out(
        f"{verb} meeting {meeting.id} ({meeting.title}) with {report.cases} cases; "
        f"voting closes {closes}."
    )
    return EXIT_OK


def _write_new(path: Path, data: bytes, force: bool) -> None:
    """Write a file this command creates; an existing file is kept unless --force."""
    try:
        with path.open("wb" if force else "xb") as out:
            out.write(data)
    except FileExistsError as exc:
        raise PanelError(
            f"{path} already exists; choose another name, or add --force to replace it"
        ) from exc
    except OSError as exc:
        raise PanelError(f"cannot write {path}: {exc.strerror or exc}") from exc


def cmd_meeting_template(args: argparse.Namespace, ctx: Context) -> int:
    """Write the meeting spreadsheet template (an Excel workbook with Meeting, Cases,
    Timeline and Guidance sheets) to PATH (default meeting-template.xlsx). With
    --example PATH, write the sample meeting in that form instead. An existing
    file is never overwritten without --force."""
    zone = ctx.settings.voting.zone
    if args.example:
        path = Path(args.example)
        document = MeetingDocument(raw=read_meeting_file(SAMPLE_MEETING))
        content: MeetingFile | None = ctx.service.meetings.check_meeting_file(document)
    else:
        path = Path(args.path or "meeting-template.xlsx")
        content = None
    from bot.workbook_writer import meeting_workbook  # openpyxl: slow to load, rarely needed

    _write_new(path, meeting_workbook(content, zone), args.force)
    _out(f"Wrote {path}")
    return EXIT_OK


def cmd_meeting_export(args: argparse.Namespace, ctx: Context) -> int:
    """Write a stored meeting back out as an Excel workbook (default) or YAML, to
    --output (default MEETING.xlsx or MEETING.yaml; without --format, a name ending
    .yaml or .yml writes YAML); importing it again with --replace changes nothing. An
    existing file is never overwritten without --force."""
    form = output_format("vcop meeting export", args, EXPORT_FORMATS)
    content = ctx.service.meetings.export_meeting(args.meeting)
    zone = ctx.settings.voting.zone
    if form == "yaml":
        data = meeting_yaml(content, zone).encode("utf-8")
    else:
        from bot.workbook_writer import meeting_workbook

        data = meeting_workbook(content, zone)
    path = Path(args.output or f"{content.meeting.id}.{form}")
    _write_new(path, data, args.force)
    _out(f"Wrote {path}")
    return EXIT_OK


def cmd_meeting_list(args: argparse.Namespace, ctx: Context) -> int:
    """List meetings, newest first, with their status and voting deadline (one
    tab-separated line each). With -v, or when there are none, it names the
    database file it read, so a list that looks wrong can be traced to its file."""
    database = ctx.settings.storage.database
    if not Path(database).exists():  # listing must not create a database as a side effect
        _out(f"No meetings yet in {database}. Import one with `vcop meeting import FILE`.")
        return EXIT_OK
    lines = ctx.service.meetings.meeting_list_lines()
    if not lines:
        _out(f"No meetings yet in {database}. Import one with `vcop meeting import FILE`.")
    for line in lines:
        _out(line)
    return EXIT_OK


def cmd_meeting_extend(args: argparse.Namespace, ctx: Context) -> int:
    """Move an open meeting's voting deadline, as `/vcop extend` does: DEADLINE is
    panel time unless it names an offset (e.g. 2025-09-16T17:00), in the future and no
    later than the meeting's day. A running bot re-arms its close and reminders and
    redraws the case messages within a minute."""
    try:
        # Unquoted, "2025-09-16 17:00" arrives as two arguments.
        closes = parse_deadline(" ".join(args.deadline), ctx.settings.voting.zone)
    except ValueError as exc:
        raise PanelError(str(exc)) from exc
    states = MeetingStates(ctx.service, DeadlineService(ctx.service))
    change = states.extend(args.meeting, closes, CLI_ACTOR)
    states.announce(change)
    when = ctx.service.meetings.local_time(change.meeting.voting_closes)
    _out(f"Voting on {change.meeting.id} now closes {when}.")
    return EXIT_OK


def cmd_meeting_purge(args: argparse.Namespace, ctx: Context) -> int:
    """Purge a closed meeting for retention: delete its case narratives (outcome,
    summary, timeline) and the members' notes, keeping each case's ref and offence
    and every category, finding, resolution and vote count, so `vcop tally` is
    unchanged. One transaction, recorded in the audit log. Refused while voting
    is open (exit 2)."""
    states = MeetingStates(ctx.service, DeadlineService(ctx.service))
    change = states.purge(args.meeting, CLI_ACTOR)
    states.announce(change)
    report = change.purge
    assert report is not None
    meeting = report.meeting
    if report.already_purged:
        assert meeting.purged_at is not None
        when = ctx.service.meetings.local_time(meeting.purged_at)
        _out(f"Meeting {meeting.id} was already purged on {when}; nothing changed.")
        return EXIT_OK
    _out(
        f"Purged meeting {meeting.id}: the narratives of {report.cases} cases and "
        f"{report.notes} sets of members' notes are deleted; categories, findings, "
        "resolutions and vote counts are kept."
    )
    return EXIT_OK


def cmd_tally(args: argparse.Namespace, ctx: Context) -> int:
    """Tally a meeting: each case's category, and per right its finding and vote counts."""
    tally = ctx.service.tallying.meeting_tally(args.meeting)
    if args.json:
        document = {
            "meeting": tally.meeting,
            "cases": [
                {
                    "ref": case.ref,
                    "category": case.category.value,
                    "voters": case.voters,
                    "rights": [
                        {
                            "right": r.right,
                            "finding": r.finding.value,
                            "votes": r.votes,
                            "resolved": r.resolved,
                        }
                        for r in case.rights
                    ],
                }
                for case in tally.cases
            ],
        }
        _out(json.dumps(document, indent=2, ensure_ascii=False))
        return EXIT_OK
    for case in tally.cases:
        _out(f"{case.ref}: {case.category.value} ({case.voters} voters)")
        for r in case.disputed_first():
            votes = ", ".join(f"{label} {n}" for label, n in r.votes.items()) or "no votes"
            mark = " (resolved by the chair)" if r.resolved else ""
            _out(f"  Right {r.right:>2} {r.title}: {r.finding.value}{mark} [{votes}]")
    return EXIT_OK


def cmd_summary(args: argparse.Namespace, ctx: Context) -> int:
    """Write the meeting's public report (default) or, with --annex, the panel's
    per-case annex, as Markdown (default) or DOCX; --format csv writes the
    compliance return. Without --format, the --output name's ending (.md, .docx,
    .csv) chooses. Markdown and CSV go to stdout unless --output is given; DOCX
    needs a file and defaults to MEETING-summary.docx (MEETING-annex.docx with
    --annex). While voting is still open the report says so and a warning goes
    to stderr."""
    form = output_format("vcop summary", args, SUMMARY_FORMATS)
    if args.annex and form == "csv":
        raise PanelError(
            "--annex has no CSV form: the CSV is already the per-case compliance return. "
            "Leave out --annex, or write the annex as Markdown or a Word document "
            "(--format md or docx, or an --output name ending in .md or .docx)"
        )
    summary = ctx.service.reports.draft_summary(args.meeting)
    if not summary.voting_open and ctx.service.voting.stored_vote_count(summary.meeting_id) == 0:
        _err(
            f"warning: nobody voted on {summary.meeting_id}, so every case reads 'Panel failed "
            "to reach a decision' for want of votes; check the meeting before using this draft."
        )
    if summary.voting_open and summary.voting_closes is not None:
        closes = ctx.service.meetings.local_time(summary.voting_closes)
        _err(
            f"warning: voting is still open on {summary.meeting_id} until {closes}; "
            "this draft may change."
        )
    if form == "docx":
        # An explicit --output is refused if taken; the default name steps aside instead.
        default = free_name(
            Path(f"{summary.meeting_id}-{'annex' if args.annex else 'summary'}.docx")
        )
        path = Path(args.output) if args.output else default
        write_new(path, render_docx(summary, annex_only=args.annex))
        _out(f"Wrote {path}")
        return EXIT_OK
    text = render_markdown(summary, annex_only=args.annex) if form == "md" else render_csv(summary)
    if args.output:
        write_new(Path(args.output), text.encode("utf-8"))
        _out(f"Wrote {args.output}")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def write_new_files(files: dict[Path, bytes]) -> None:
    """Write every file, or none: a path that already exists is never overwritten.

    All paths are checked before the first byte is written, and each file is
    opened in exclusive-create mode, so a file that appears in between is not
    overwritten either.
    """
    existing = [str(path) for path in files if path.exists()]
    if existing:
        one = len(existing) == 1
        raise PanelError(
            f"{', '.join(existing)} already {'exists' if one else 'exist'}; nothing was "
            f"written. Choose another --output, or move the old {'file' if one else 'files'} "
            "away first."
        )
    for path in files:
        if not path.parent.is_dir():
            raise PanelError(f"folder {path.parent} does not exist; create it first")
    for path, content in files.items():
        with path.open("xb") as handle:
            handle.write(content)


def cmd_report(args: argparse.Namespace, ctx: Context) -> int:
    """Trends across the closed meetings dated --from to --to (YYYY-MM-DD, inclusive),
    optionally of one --theme: cases per category per meeting and in total, each
    right's and each agency's share of decided findings that are Met, Partially met
    and Not met, themes compared, the rights most often not met, and actions. DOCX
    (default, charts embedded), Markdown (charts written beside it as PNG, each with
    its data as CSV), or the tidy CSV/XLSX of one row per meeting, case and right;
    without --format, the --output name's ending chooses. Never overwrites an
    existing file."""
    # Imported where needed: matplotlib and openpyxl take most of a second to load, and
    # each format needs at most one of them.
    from bot.trend_export import render_tidy_csv

    form = output_format("vcop report", args, REPORT_FORMATS)
    start, end = parse_date(args.date_from, "--from"), parse_date(args.date_to, "--to")
    trends = TrendService(ctx.settings, ctx.service.repo)
    report, findings = trends.report(start, end, args.theme)
    stem = f"vcop-trends-{start.isoformat()}-to-{end.isoformat()}"
    rights = ctx.settings.rights
    if form == "csv":
        text = render_tidy_csv(findings, rights)
        if not args.output:
            sys.stdout.write(text)
            return EXIT_OK
        files = {Path(args.output): text.encode("utf-8")}
    elif form == "xlsx":
        from bot.trend_export import render_tidy_xlsx

        files = {Path(args.output or f"{stem}.xlsx"): render_tidy_xlsx(findings, rights)}
    elif form == "docx":
        from bot.trend_charts import trend_charts
        from bot.trend_report import render_docx as render_trends_docx

        files = {
            Path(args.output or f"{stem}.docx"): render_trends_docx(report, trend_charts(report))
        }
    else:
        from bot.trend_charts import trend_charts
        from bot.trend_report import render_markdown as render_trends_markdown

        path = Path(args.output or f"{stem}.md")
        charts = trend_charts(report)
        names = {chart.name: f"{path.stem}-{chart.name}.png" for chart in charts}
        files = {path: render_trends_markdown(report, charts, names).encode("utf-8")}
        for chart in charts:
            files[path.with_name(names[chart.name])] = chart.png
            files[path.with_name(f"{path.stem}-{chart.name}.csv")] = chart.csv.encode("utf-8")
    write_new_files(files)
    for path in files:
        _out(f"Wrote {path}")
    return EXIT_OK


def cmd_feedback(args: argparse.Namespace, ctx: Context) -> int:
    """Feedback packs for the agencies after a closed meeting: the rights each agency
    is responsible for, the panel's finding on each case (by ref, for the agency's own
    follow-up), the members' observations and learning that name the agency (screened
    for personal data), and its actions. One pack with --agency, else one per agency.
    DOCX (default) is written to MEETING-feedback-AGENCY.docx in --output FOLDER (default
    the current folder; created if missing), never over an existing file; Markdown goes
    to stdout."""
    from bot.feedback import render_feedback_docx, render_feedback_markdown
    from bot.feedback_service import FeedbackService

    if args.format == "md" and args.output:
        raise PanelError("--output is the folder for the DOCX packs; Markdown goes to the screen")
    folder = Path(args.output or ".")
    if folder.exists() and not folder.is_dir():
        raise PanelError(f"--output {folder} is a file; give a folder for the packs")
    ending = folder.suffix.lower()
    if not folder.exists() and (ending in _OTHER_PROGRAMS or _is_vcop_ending(ending)):
        raise PanelError(
            f"--output {folder} reads as a file name, but feedback writes one Word file per "
            "agency into a folder; nothing was written. Give a folder, such as "
            f"--output {folder.with_suffix('')}-feedback."
        )
    packs = FeedbackService(ctx.service).packs(args.meeting, args.agency)
    if args.format == "md":
        sys.stdout.write("\n".join(render_feedback_markdown(pack) for pack in packs))
        return EXIT_OK
    folder.mkdir(parents=True, exist_ok=True)
    files = {folder / pack.filename: render_feedback_docx(pack) for pack in packs}
    write_new_files(files)
    for path in files:
        _out(f"Wrote {path}")
    return EXIT_OK


def cmd_manifest(args: argparse.Namespace, ctx: Context) -> int:
    """Print the Slack app manifest from app.yaml, ready to paste into
    Slack's "Create an app → From a manifest"."""
    manifest = ctx.settings.slack.manifest
    if not manifest:
        raise PanelError("app.yaml has no slack.manifest section")
    sys.stdout.write(yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True))
    return EXIT_OK


def _size(size: int) -> str:
    return f"{size:,} bytes" if size < 10_000 else f"{size / 1_000_000:.1f} MB ({size:,} bytes)"


def cmd_backup(args: argparse.Namespace, ctx: Context) -> int:
    """Back up the database with SQLite's online backup API (safe while the bot is
    running and writing), check the copy with PRAGMA integrity_check, and print its
    path and size. PATH must not exist yet; by default a timestamped file in
    storage.backups.dir, or beside the database."""
    result = BackupService(ctx.settings).take(Path(args.path) if args.path else None)
    _out(f"Backed up to {result.path} ({_size(result.size)}); integrity check passed.")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace, ctx: Context) -> int:
    """Replace the database with a backup. Refused while the bot is running (stop it
    first); the backup is checked, and the current database is first copied, verified,
    beside it as NAME-before-restore-TIMESTAMP.db. Migrations run when the bot starts."""
    kept = BackupService(ctx.settings).restore(Path(args.path))
    _out(f"Restored {ctx.settings.storage.database} from {args.path}.")
    _out(f"The database as it was before is kept at {kept.path} ({_size(kept.size)}).")
    return EXIT_OK


def example_config() -> str:
    """The shipped app.example.yaml (package data, so any install has it)."""
    return (resources.files("bot") / "data" / "app.example.yaml").read_text(encoding="utf-8")


def cmd_init(args: argparse.Namespace, ctx: Context | None) -> int:
    """Write app.yaml (or PATH, or $VCOP_CONFIG) from the shipped app.example.yaml, to
    edit with your panel's channel and member IDs. Never overwrites: if the file
    exists, nothing is written (exit 2)."""
    target = Path(args.path) if args.path else config_path()
    if target.is_dir():  # `vcop init .` or `vcop init panel/`: the folder to write it in
        target = target / DEFAULT_CONFIG_PATH
    if not target.parent.is_dir():
        raise PanelError(
            f"cannot write {target}: the folder {target.parent} does not exist; create it "
            "first, or give a path in a folder that does"
        )
    try:
        with target.open("x", encoding="utf-8") as out:
            out.write(example_config())
    except FileExistsError:
        raise PanelError(
            f"{target} already exists; vcop init never overwrites it. "
            "Edit it, or move it aside first to start again from the example."
        ) from None
    except OSError as exc:
        raise PanelError(f"cannot write {target}: {exc.strerror}") from exc
    _out(f"Wrote {target} from app.example.yaml.")
    _out(
        "Next: put your channel and member IDs under `panel`, set the tokens in the "
        "environment, then run `vcop doctor`."
    )
    if target.resolve() != config_path().resolve():
        where = (
            f"run it in {target.parent.resolve()}, or "
            if target.name == DEFAULT_CONFIG_PATH
            else ""
        )
        _out(f"vcop reads {config_path()} from here: {where}set VCOP_CONFIG={target.resolve()}.")
    return EXIT_OK


def add_command(
    sub: argparse._SubParsersAction, name: str, func: Callable[..., int]
) -> argparse.ArgumentParser:
    doc = " ".join((func.__doc__ or "").split())
    parser = sub.add_parser(name, help=doc.split(". ")[0], description=doc)
    parser.set_defaults(func=func)
    # -v works after the command too (`vcop meeting list -v`), as people type it.
    parser.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP
    )
    return parser


def build_parser(
    extra: Sequence[Callable[[argparse._SubParsersAction], None]] = (),
) -> argparse.ArgumentParser:
    """The parser for every command; ``extra`` lets handlers.cli add Slack commands."""
    parser = argparse.ArgumentParser(
        prog="vcop",
        description="Victims' Code of Practice scrutiny panel bot. "
        "Config: app.yaml (or $VCOP_CONFIG); database: storage.database (or $VCOP_DB).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help=VERBOSE_HELP)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    meeting = sub.add_parser("meeting", help="Import, list, extend and purge meetings")
    meeting_sub = meeting.add_subparsers(dest="meeting_command", required=True, metavar="ACTION")
    imp = add_command(meeting_sub, "import", cmd_meeting_import)
    imp.add_argument("file", help="meeting file: .xlsx, .yaml/.yml or .json")
    imp.add_argument("--replace", action="store_true", help="overwrite a meeting with no votes")
    add_command(meeting_sub, "list", cmd_meeting_list)
    template = add_command(meeting_sub, "template", cmd_meeting_template)
    template.add_argument("path", nargs="?", help="file to write (default meeting-template.xlsx)")
    template.add_argument("--example", metavar="PATH", help="write the sample meeting to PATH")
    template.add_argument("--force", action="store_true", help="replace an existing file")
    export = add_command(meeting_sub, "export", cmd_meeting_export)
    export.add_argument("meeting", help="meeting id")
    export.add_argument("--format", choices=EXPORT_FORMATS, help=_format_help(EXPORT_FORMATS))
    export.add_argument("--output", help="file to write (default MEETING.xlsx or MEETING.yaml)")
    export.add_argument("--force", action="store_true", help="replace an existing file")
    extend = add_command(meeting_sub, "extend", cmd_meeting_extend)
    extend.add_argument("meeting", help="meeting id (its voting must be open)")
    extend.add_argument(
        "deadline", nargs="+", help="new deadline, e.g. 2025-09-16 17:00 (panel time)"
    )
    purge = add_command(meeting_sub, "purge", cmd_meeting_purge)
    purge.add_argument("meeting", help="meeting id (its voting must be closed)")

    tally = add_command(sub, "tally", cmd_tally)
    tally.add_argument("meeting", help="meeting id")
    tally.add_argument("--json", action="store_true", help="machine-readable output")

    summary = add_command(sub, "summary", cmd_summary)
    summary.add_argument("meeting", help="meeting id")
    summary.add_argument("--format", choices=SUMMARY_FORMATS, help=_format_help(SUMMARY_FORMATS))
    summary.add_argument(
        "--annex", action="store_true", help="the panel's per-case annex, not the public report"
    )
    summary.add_argument("--output", help="file to write")

    report = add_command(sub, "report", cmd_report)
    report.add_argument("--from", dest="date_from", required=True, metavar="DATE")
    report.add_argument("--to", dest="date_to", required=True, metavar="DATE")
    report.add_argument("--theme", help="only meetings with this theme (title)")
    report.add_argument("--format", choices=REPORT_FORMATS, help=_format_help(REPORT_FORMATS))
    report.add_argument("--output", help="file to write (CSV goes to stdout without it)")

    feedback = add_command(sub, "feedback", cmd_feedback)
    feedback.add_argument("meeting", help="meeting id (its voting must be closed)")
    feedback.add_argument("--agency", help="one agency, as app.yaml names it (default: every one)")
    feedback.add_argument("--format", choices=("docx", "md"), default="docx")
    feedback.add_argument(
        "--output",
        metavar="FOLDER",
        help="folder for the DOCX packs (default: the current folder; created if missing)",
    )

    add_command(sub, "manifest", cmd_manifest)
    init = add_command(sub, "init", cmd_init)
    init.add_argument("path", nargs="?", help="file to write (default app.yaml or $VCOP_CONFIG)")
    init.set_defaults(own_config=True)
    backup = add_command(sub, "backup", cmd_backup)
    backup.add_argument("path", nargs="?", help="new file for the backup (must not exist)")
    restore = add_command(sub, "restore", cmd_restore)
    restore.add_argument("path", help="backup file to restore")
    for add_commands in extra:
        add_commands(sub)
    return parser


def run(argv: Sequence[str] | None, parser: argparse.ArgumentParser) -> int:
    """Parse, load the config, run one command, and turn known errors into exit 2."""
    args = parser.parse_args(argv)
    level = logging.INFO if getattr(args, "verbose", False) else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if getattr(args, "own_config", False):
        # init writes the config and doctor reports on it: they must run without a good one.
        return _guarded(args, None)
    try:
        ctx = Context()
    except ConfigError as exc:
        example = _example_config_for(args)
        if example is None:
            for problem in exc.problems:
                _err(problem)
            return EXIT_INPUT
        _err(
            f"There is no {config_path()} in this folder, so this uses the example settings "
            "that come with vcop."
        )
        ctx = Context(example)
    logger.info("config: %s", config_path().resolve())
    logger.info("database: %s", ctx.settings.storage.database)
    try:
        return _guarded(args, ctx)
    finally:
        ctx.close()


def _example_config_for(args: argparse.Namespace) -> Path | None:
    """The shipped example config, for a command that needs no real one, when none exists.

    The demo runs against the local workspace with a throwaway database, so a new user
    who runs it outside the checkout should see the demo, not a missing-file error. A
    config that exists but is wrong is still reported, and so is a missing VCOP_CONFIG.
    """
    if not getattr(args, "example_config_ok", False) or os.environ.get("VCOP_CONFIG"):
        return None
    if config_path().exists():
        return None
    return Path(str(resources.files("bot") / "data" / "app.example.yaml"))


def _guarded(args: argparse.Namespace, ctx: Context | None) -> int:
    """Run the command; known errors become plain lines and exit 2."""
    try:
        return int(args.func(args, ctx))
    except (MeetingFileError, ConfigError) as exc:
        for problem in exc.problems:
            _err(problem)
        return EXIT_INPUT
    except PanelError as exc:
        _err(f"error: {exc}")
        return EXIT_INPUT
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away; that is not an error of ours.
        sys.stderr.close()
        return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    return run(argv, build_parser())


if __name__ == "__main__":
    sys.exit(main())
