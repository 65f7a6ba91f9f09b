"""app.yaml + environment → validated Settings.

Every command loads the config through here so that a mistake in app.yaml is
reported the same way everywhere: one ``path.to.key: what is wrong`` line per
problem, before anything touches the database or Slack.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.anonymity import ScreenRules
from bot.models import SlackChannelId, SlackUserId
from bot.plain_errors import Problem, YamlSource, meaningful_errors, not_utf8, plain_problems
from bot.report_settings import ReportSettings
from bot.rights import AgencyName, RightsCatalogue
from bot.tally import TallyRules
from bot.yaml_loading import describe_yaml_error, load_yaml

DEFAULT_CONFIG_PATH = "app.yaml"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DURATION_PART = re.compile(r"(\d+)\s*([dhm])")


class ConfigError(Exception):
    """The config is unusable; ``problems`` holds one ``path: message`` line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def parse_duration(value: object) -> dt.timedelta:
    """``72h``, ``90m``, ``2d`` or ``1h30m`` → timedelta; numbers are hours."""
    if isinstance(value, dt.timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.timedelta(hours=value)
    text = str(value).strip().lower().replace(" ", "")
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"{value!r} is not a duration like 72h, 90m or 2d")
    units = {"d": "days", "h": "hours", "m": "minutes"}
    total = dt.timedelta()
    for number, unit in parts:
        total += dt.timedelta(**{units[unit]: int(number)})
    return total


Duration = Annotated[dt.timedelta, BeforeValidator(parse_duration)]


def _zone_hint(name: str) -> str:
    """A suggestion for a timezone written the everyday way: "London", "europe/london", "GMT+1".

    Timezones are named Area/City; the nearest such names are offered, and England and
    Wales's own whenever nothing is near.
    """
    # Etc/GMT+1 is an hour behind GMT, not ahead: never offered to someone who wrote GMT+1.
    zones = sorted(
        zone
        for zone in zoneinfo.available_timezones()
        if "/" in zone and not zone.startswith("Etc/")
    )
    by_folded = {zone.casefold(): zone for zone in zones}
    folded = name.strip().replace(" ", "_").casefold()
    exact = by_folded.get(folded)
    cities = {zone.rsplit("/", 1)[-1].casefold(): zone for zone in zones}
    guess = exact or cities.get(folded)
    if guess is None:
        close = difflib.get_close_matches(folded, list(by_folded), n=1, cutoff=0.8)
        guess = by_folded[close[0]] if close else "Europe/London"
    return f"; timezones are written Area/City, such as {guess}"


def _one_or_many(value: object) -> object:
    """``chair: U0123ABCD`` means ``chair: [U0123ABCD]``; ``U1, U2`` means ``[U1, U2]``."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def _channel_id(value: object) -> object:
    """A channel's name (``#vcop-panel``) is the usual mistake; say where the ID is."""
    if isinstance(value, str) and value.strip().startswith("#"):
        raise ValueError(
            f"{value.strip()!r} is the channel's name; the bot needs its ID, such as "
            "C0123ABCD: in Slack, open the channel, click its name at the top, and copy "
            "the Channel ID at the bottom of the About tab"
        )
    return value.strip() if isinstance(value, str) else value


UserIds = Annotated[tuple[SlackUserId, ...], BeforeValidator(_one_or_many)]


class PanelSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=150)
    channel: Annotated[SlackChannelId, BeforeValidator(_channel_id)]
    chair: UserIds = Field(min_length=1)
    secretariat: UserIds = ()
    members: UserIds = Field(min_length=1)

    @field_validator("members")
    @classmethod
    def _no_repeats(cls, members: tuple[str, ...]) -> tuple[str, ...]:
        repeated = sorted({m for m in members if members.count(m) > 1})
        if repeated:
            raise ValueError(f"listed more than once: {', '.join(repeated)}")
        return members


def _clock_time(value: object) -> object:
    """``"08:00"`` or minutes since midnight → a naive time of day; zones are refused."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return dt.time(value // 60, value % 60)
    if isinstance(value, str):
        try:
            parsed = dt.time.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a time of day like 08:00") from exc
        if parsed.tzinfo is not None:
            raise ValueError("give the time without a zone; voting.timezone applies")
        return parsed
    return value


ClockTime = Annotated[dt.time, BeforeValidator(_clock_time)]


class WorkingHours(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    start: ClockTime = dt.time(8, 0)
    end: ClockTime = dt.time(18, 0)
    days: tuple[str, ...] = WEEKDAYS[:5]

    @field_validator("days")
    @classmethod
    def _known_days(cls, days: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [d for d in days if d not in WEEKDAYS]
        if unknown:
            raise ValueError(f"unknown day {unknown[0]!r}; use {', '.join(WEEKDAYS)}")
        if not days:
            raise ValueError("at least one working day is needed")
        return days

    @model_validator(mode="after")
    def _start_before_end(self) -> WorkingHours:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self

    @property
    def weekday_numbers(self) -> frozenset[int]:
        return frozenset(WEEKDAYS.index(d) for d in self.days)


class VotingSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    quorum: int = Field(default=3, ge=1, le=100)
    majority: float = Field(default=0.5, ge=0.0, lt=1.0)
    #: A decided right whose finding has less than this share of the non-abstaining
    #: votes is shown to the chair as split, worth discussing.
    consensus: float = Field(default=0.75, gt=0.0, le=1.0)
    timezone: str = "Europe/London"
    reminders: tuple[Duration, ...] = (
        dt.timedelta(hours=72),
        dt.timedelta(hours=24),
        dt.timedelta(hours=2),
    )
    working_hours: WorkingHours = WorkingHours()
    reminder_grace: Duration = dt.timedelta(hours=2)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {name!r}{_zone_hint(name)}") from exc
        return name

    @field_validator("reminders")
    @classmethod
    def _positive(cls, offsets: tuple[dt.timedelta, ...]) -> tuple[dt.timedelta, ...]:
        if any(offset <= dt.timedelta() for offset in offsets):
            raise ValueError("reminder offsets must be positive durations before the close")
        return tuple(sorted(set(offsets), reverse=True))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def tally_rules(self) -> TallyRules:
        return TallyRules(quorum=self.quorum, majority=self.majority)


class BackupSettings(BaseModel):
    """The scheduler's daily backup: where, how many to keep, and when (panel time)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dir: str = Field(min_length=1, description="folder for the backups, relative to app.yaml")
    keep: int = Field(default=14, ge=1, le=3650)
    at: ClockTime = dt.time(12, 30)


class ActionSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    remind_before: Duration = dt.timedelta(days=7)

    @field_validator("remind_before")
    @classmethod
    def _positive(cls, before: dt.timedelta) -> dt.timedelta:
        if before <= dt.timedelta():
            raise ValueError("remind_before must be a positive duration, e.g. 7d")
        return before


class StorageSettings(BaseModel):
    """Where the SQLite file lives. ``load_settings`` makes ``database`` absolute:
    relative to app.yaml's folder, or to the working folder when it comes from
    ``VCOP_DB``, so every command finds the same file wherever it is run from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    database: str = "vcop.db"
    backups: BackupSettings | None = None


class SlackSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    manifest: dict[str, Any] = Field(default_factory=dict)


def _rights_from_list(value: object) -> object:
    """Accept a bare list of rights as the 2021 Code, for hand-written configs."""
    if isinstance(value, list):
        return {"code_edition": "2021", "items": value}
    return value


def _report_section(value: object) -> object:
    """An empty ``report:`` means the defaults; anything but a section of keys is refused."""
    if value is None:
        return {}
    if not isinstance(value, dict | ReportSettings):
        raise ValueError(
            "write report as a section of keys (introduction, method, further_information, "
            "docx_template), each on its own indented line; or leave it out for the defaults"
        )
    return value


class Settings(BaseModel):
    """Everything the app needs to know, from app.yaml plus environment overrides."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    panel: PanelSettings
    voting: VotingSettings = VotingSettings()
    storage: StorageSettings = StorageSettings()
    anonymity: ScreenRules = ScreenRules()
    rights: Annotated[RightsCatalogue, BeforeValidator(_rights_from_list)]
    slack: SlackSettings = SlackSettings()
    report: Annotated[ReportSettings, BeforeValidator(_report_section)] = ReportSettings()
    actions: ActionSettings = ActionSettings()
    agencies: dict[AgencyName, SlackUserId] = Field(
        default_factory=dict,
        description="Agency name → the Slack member ID of its named contact for actions",
    )

    @field_validator("agencies", mode="before")
    @classmethod
    def _agencies_mapping(cls, value: object) -> object:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError(
                "give one line per agency, `Agency name: SLACK_MEMBER_ID` (e.g. Police: U0POLICE1)"
            )
        folded = [str(name).strip().casefold() for name in value]
        repeated = sorted({n for n in folded if folded.count(n) > 1})
        if repeated:
            raise ValueError(f"agency listed more than once: {', '.join(repeated)}")
        return value

    @model_validator(mode="after")
    def _quorum_reachable(self) -> Settings:
        if self.voting.quorum > len(self.panel.members):
            raise ValueError(
                f"voting.quorum: {self.voting.quorum} is more than the panel's "
                f"{len(self.panel.members)} members, so no right could ever be decided"
            )
        backups = self.storage.backups
        hours = self.voting.working_hours
        if backups is not None and not hours.start <= backups.at < hours.end:
            raise ValueError(
                f"storage.backups.at: {backups.at:%H:%M} is outside working hours "
                f"({hours.start:%H:%M} to {hours.end:%H:%M}, voting.working_hours); "
                "pick a time when someone can see a failed backup"
            )
        return self

    @property
    def agency_names(self) -> list[str]:
        """Agencies the rights name, then any others with a named contact."""
        names = self.rights.agencies
        known = {n.casefold() for n in names}
        return names + [n for n in self.agencies if n.casefold() not in known]

    def agency(self, name: str) -> str:
        """The configured spelling of an agency, matched ignoring case; ValueError lists them."""
        for known in self.agency_names:
            if known.casefold() == name.strip().casefold():
                return known
        raise ValueError(f"no agency {name!r}; the agencies are: {', '.join(self.agency_names)}")

    def agency_contact(self, name: str) -> str | None:
        for known, contact in self.agencies.items():
            if known.casefold() == name.casefold():
                return contact
        return None

    def is_member(self, user_id: str) -> bool:
        return user_id in self.panel.members

    def is_chair(self, user_id: str) -> bool:
        return user_id in self.panel.chair

    def is_secretariat(self, user_id: str) -> bool:
        return user_id in self.panel.secretariat


class SlackCredentials(BaseModel):
    """Tokens from the environment. SecretStr keeps them out of reprs and logs."""

    model_config = ConfigDict(frozen=True)

    bot_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    app_token: SecretStr | None = None
    api_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SlackCredentials:
        env = os.environ if env is None else env
        return cls(
            bot_token=env.get("SLACK_BOT_TOKEN") or None,
            signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            app_token=env.get("SLACK_APP_TOKEN") or None,
            api_url=env.get("SLACK_API_URL") or None,
        )


def _location(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "(top level)"


_SELF_LOCATED = re.compile(r"^([A-Za-z_][\w.\[\]]*): (.+)$", re.S)


def validation_problems(
    error: ValidationError,
    prefix: str = "",
    model: type[BaseModel] | None = None,
    source: YamlSource | None = None,
) -> list[str]:
    """One ``path.to.key: message`` line per pydantic error, in plain words.

    A model-level check names its own path by starting its message with
    ``path.to.key: ``, since pydantic can only place it at the top level.
    """
    problems = (
        plain_problems(error, model, source)
        if model is not None
        else [Problem(tuple(item["loc"]), str(item["msg"])) for item in meaningful_errors(error)]
    )
    lines = []
    for problem in problems:
        where = _location(problem.loc)
        message = problem.message.removeprefix("Value error, ")
        own = _SELF_LOCATED.match(message) if not problem.loc else None
        if own:
            where, message = own.group(1), own.group(2)
        if prefix:
            where = f"{prefix}.{where}" if where != "(top level)" else prefix
        lines.append(f"{where}: {message}")
    return lines


def config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("VCOP_CONFIG") or DEFAULT_CONFIG_PATH)


def database_path(raw: object, config_file: Path, env: Mapping[str, str]) -> str:
    """The database file as an absolute path, whatever folder the command runs in.

    ``VCOP_DB`` is an environment path, so a relative one is relative to the
    working folder; ``storage.database`` in app.yaml is relative to app.yaml's
    folder, like every path written in a config file.
    """
    if env.get("VCOP_DB"):
        return str(Path(env["VCOP_DB"]).expanduser().resolve())
    configured = raw if isinstance(raw, str) and raw.strip() else StorageSettings().database
    path = Path(configured.strip()).expanduser()
    if not path.is_absolute():
        path = config_file.resolve().parent / path
    return str(path.resolve())


def missing_config(path: Path, env: Mapping[str, str]) -> str:
    """Where the config was looked for, and the ways forward.

    A first command is often run from another folder than app.yaml's, so the message
    names the folder searched rather than just the file name.
    """
    if env.get("VCOP_CONFIG"):
        return (
            f"{path}: config file not found (VCOP_CONFIG names it); set VCOP_CONFIG to the "
            "path of your app.yaml, unset it to use app.yaml in the current folder, or create "
            "this one with `vcop init`"
        )
    return (
        f"{path}: config file not found in {path.absolute().parent}; run vcop in the folder "
        "that holds your app.yaml, set VCOP_CONFIG to its path, or create one here with "
        "`vcop init`"
    )


def load_settings(path: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate app.yaml; ``VCOP_DB`` overrides ``storage.database``."""
    env = os.environ if env is None else env
    path = path or config_path(env)
    try:
        text = path.read_text(encoding="utf-8-sig")
        raw = load_yaml(text)
    except FileNotFoundError as exc:
        raise ConfigError([missing_config(path, env)]) from exc
    except IsADirectoryError as exc:
        raise ConfigError([f"{path}: is a folder; give the path of the app.yaml in it"]) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{path}: {not_utf8(exc)}"]) from exc
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read: {exc.strerror or exc}"]) from exc
    except yaml.YAMLError as exc:
        raise ConfigError([f"{path}: not valid YAML: {describe_yaml_error(exc)}"]) from exc
    if not isinstance(raw, dict):
        raise ConfigError(["(top level): app.yaml must be a mapping of sections"])
    storage = raw.get("storage")
    if storage is None or isinstance(storage, dict):
        section = storage or {}
        database = database_path(section.get("database"), path, env)
        raw = {**raw, "storage": {**section, "database": database}}
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        problems = validation_problems(exc, model=Settings, source=YamlSource(text))
        raise ConfigError(problems) from exc
    return _relative_to(_with_report_template(settings, path.parent), path.parent)


def _with_report_template(settings: Settings, base: Path) -> Settings:
    """``report.docx_template`` made absolute against app.yaml's folder, and checked to exist.

    A path in app.yaml means the same file whichever folder a command runs in.
    """
    template = settings.report.docx_template
    if template is None:
        return settings
    resolved = (base / Path(template).expanduser()).resolve()
    if not resolved.is_file():
        raise ConfigError(
            [
                f"report.docx_template: no file {str(resolved)!r}; the path is relative to "
                f"the folder that holds app.yaml ({str(base.resolve())!r}). Fix the path or "
                "leave the key out to use the plain Word layout"
            ]
        )
    report = settings.report.model_copy(update={"docx_template": str(resolved)})
    return settings.model_copy(update={"report": report})


def _relative_to(settings: Settings, folder: Path) -> Settings:
    """Paths in app.yaml are relative to app.yaml, not to wherever the command runs."""
    backups = settings.storage.backups
    if backups is None or Path(backups.dir).is_absolute():
        return settings
    resolved = backups.model_copy(update={"dir": str(folder / backups.dir)})
    storage = settings.storage.model_copy(update={"backups": resolved})
    return settings.model_copy(update={"storage": storage})
