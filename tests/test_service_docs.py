"""The README's service set-up, tested where it can be without root or a running systemd.

The unit files are verified with ``systemd-analyze verify`` when it is installed
(with ExecStart pointed at this checkout's vcop) and parsed in any case; the
environment file holds the tokens and app.yaml none; the retention script runs
for real against a database with one old closed meeting; `vcop init` writes
app.yaml from app.example.yaml and never overwrites.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import PROJECT_ROOT, Cli, CoreData

from bot.config import load_settings

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## Running it as a service", 1)[1].split("\n## ", 1)[0]


def _block_after(marker: str, language: str) -> str:
    """The first fenced block of ``language`` after ``marker`` in the service section."""
    tail = SECTION.split(marker, 1)[1]
    match = re.search(rf"```{language}\n(.*?)```", tail, re.S)
    assert match, f"no {language} block after {marker}"
    return match.group(1)


def _unit(marker: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=True, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(_block_after(marker, "ini"))
    return parser


def test_the_service_unit_runs_vcop_serve_with_tokens_from_the_environment_file() -> None:
    unit = _unit("/etc/systemd/system/vcop.service")
    service = unit["Service"]
    assert service["ExecStart"].split()[0].endswith("/vcop")
    assert service["ExecStart"].split()[1:] == ["-v", "serve"]
    assert service["EnvironmentFile"] == "/etc/vcop/vcop.env"
    assert service["KillSignal"] == "SIGTERM"
    assert int(service["TimeoutStopSec"]) >= 10  # the bot stops within 10 s
    assert service["WorkingDirectory"] == "/var/lib/vcop" == service["ReadWritePaths"]
    assert service["Restart"] == "on-failure"
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    assert not any(
        "TOKEN" in key or "SECRET" in key for key in service.get("Environment", "").split()
    )


def test_the_environment_file_holds_the_tokens_and_app_yaml_holds_none() -> None:
    env = dict(
        line.split("=", 1)
        for line in _block_after("/etc/vcop/vcop.env", "sh").splitlines()
        if line.strip() and not line.startswith("#")
    )
    assert set(env) == {
        "VCOP_CONFIG",
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
    }
    assert env["VCOP_CONFIG"] == "/var/lib/vcop/app.yaml"
    for shipped in (PROJECT_ROOT / "app.example.yaml", PROJECT_ROOT / "app.yaml"):
        text = shipped.read_text(encoding="utf-8")
        assert not re.search(r"xox[bpa]-|xapp-|signing_secret|token:", text), shipped


def test_the_retention_timer_runs_the_retention_service_weekly() -> None:
    timer = _unit("/etc/systemd/system/vcop-retention.timer")
    assert timer["Timer"]["OnCalendar"].startswith("Mon ")
    assert timer["Timer"]["Persistent"] == "true"
    service = _unit("/etc/systemd/system/vcop-retention.service")["Service"]
    assert service["Type"] == "oneshot"
    assert service["ExecStart"] == "/usr/local/bin/vcop-retention"
    assert service["EnvironmentFile"] == "/etc/vcop/vcop.env"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_analyze_verify_accepts_the_units(tmp_path: Path) -> None:
    script = tmp_path / "vcop-retention"
    script.write_text(_block_after("/usr/local/bin/vcop-retention", "sh"))
    script.chmod(0o755)
    env_file = tmp_path / "vcop.env"
    env_file.write_text(_block_after("/etc/vcop/vcop.env", "sh"))
    units = {
        "vcop.service": "/etc/systemd/system/vcop.service",
        "vcop-retention.service": "/etc/systemd/system/vcop-retention.service",
        "vcop-retention.timer": "/etc/systemd/system/vcop-retention.timer",
    }
    for name, marker in units.items():
        text = _block_after(marker, "ini")
        # Point the unit at this machine: this checkout's vcop, temporary files, root.
        text = text.replace("/opt/vcop/.venv/bin/vcop", CoreData.VCOP)
        text = text.replace("/usr/local/bin/vcop-retention", str(script))
        text = text.replace("/etc/vcop/vcop.env", str(env_file))
        text = re.sub(r"^(User|Group)=vcop$", r"\1=root", text, flags=re.M)
        (tmp_path / name).write_text(text)
    done = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / name) for name in units)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    problems = [
        line
        for line in (done.stderr + done.stdout).splitlines()
        # Outside a booted systemd (a container, CI) verify also reports its own set-up.
        if str(tmp_path) in line
    ]
    assert problems == [], done.stderr


def test_the_retention_script_purges_closed_meetings_older_than_90_days_once(
    cli: Cli, tmp_path: Path
) -> None:
    panel = cli.panel()
    old = CoreData.meeting_doc(
        meeting_id="2020-01-old", date="2020-01-20", voting_closes="2020-01-18T17:00:00+00:00"
    )
    panel.import_meeting(old)
    panel.import_meeting(CoreData.meeting_doc())  # in the future: open, never purged
    panel.service.repo.close()
    script = tmp_path / "vcop-retention"
    script.write_text(_block_after("/usr/local/bin/vcop-retention", "sh"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VCOP_", "SLACK_"))}
    env |= {
        "VCOP_CONFIG": str(cli.config_path),
        "VCOP_DB": str(cli.db_path),
        "PATH": f"{Path(CoreData.VCOP).parent}:{env.get('PATH', '/usr/bin:/bin')}",
    }
    first = subprocess.run(
        ["sh", str(script)], env=env, capture_output=True, text=True, check=False
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("Purged meeting 2020-01-old: the narratives of 3 cases")
    again = subprocess.run(
        ["sh", str(script)], env=env, capture_output=True, text=True, check=False
    )
    assert again.returncode == 0
    assert again.stdout.startswith("Meeting 2020-01-old was already purged on ")
    listing = cli.run("meeting", "list").stdout
    assert f"{CoreData.MEETING_ID}\t" in listing


def test_vcop_init_writes_app_yaml_from_the_example_and_never_overwrites(
    cli: Cli, tmp_path: Path
) -> None:
    folder = tmp_path / "fresh"
    folder.mkdir()
    target = folder / "app.yaml"
    written = cli.run("init", config=target, cwd=folder)
    assert written.returncode == 0, written.stderr
    assert written.stdout.splitlines()[0] == f"Wrote {target} from app.example.yaml."
    assert target.read_text() == (PROJECT_ROOT / "app.example.yaml").read_text()
    settings = load_settings(target, env={})
    assert settings.storage.backups is not None
    assert Path(settings.storage.backups.dir) == folder / "backups"
    # The user edits it; a second init must leave their file exactly as it is.
    target.write_text(target.read_text().replace("Example LCJB", "Our LCJB"))
    edited = target.read_bytes()
    again = cli.run("init", config=target, cwd=folder)
    assert again.returncode == 2
    assert again.stderr.strip() == (
        f"error: {target} already exists; vcop init never overwrites it. "
        "Edit it, or move it aside first to start again from the example."
    )
    assert target.read_bytes() == edited
    # An explicit PATH works the same way, and does not need a valid config to run.
    other = folder / "other.yaml"
    assert cli.run("init", str(other), config=folder / "missing.yaml").returncode == 0
    assert other.exists()
    # A path in a folder that does not exist is refused with what to do, creating nothing.
    nowhere = folder / "nope" / "app.yaml"
    refused = cli.run("init", str(nowhere), config=folder / "missing.yaml")
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        f"error: cannot write {nowhere}: the folder {nowhere.parent} does not exist; create it "
        "first, or give a path in a folder that does"
    )
    assert not nowhere.parent.exists()


def test_vcop_init_given_a_folder_writes_app_yaml_in_it_and_says_how_vcop_finds_it(
    cli: Cli, tmp_path: Path
) -> None:
    here = tmp_path / "here"
    panel = here / "panel"
    panel.mkdir(parents=True)
    no_config: dict[str, str | None] = {"VCOP_CONFIG": None}

    dot = cli.run("init", ".", env=no_config, cwd=here)
    into_folder = cli.run("init", "panel", env=no_config, cwd=here)
    again = cli.run("init", ".", env=no_config, cwd=here)

    assert dot.returncode == 0, dot.stderr
    assert dot.stdout.splitlines()[0] == "Wrote app.yaml from app.example.yaml."
    assert len(dot.stdout.splitlines()) == 2  # written where vcop looks: nothing more to say
    assert into_folder.returncode == 0, into_folder.stderr
    assert into_folder.stdout.splitlines() == [
        "Wrote panel/app.yaml from app.example.yaml.",
        "Next: put your channel and member IDs under `panel`, set the tokens in the "
        "environment, then run `vcop doctor`.",
        f"vcop reads app.yaml from here: run it in {panel.resolve()}, or set "
        f"VCOP_CONFIG={(panel / 'app.yaml').resolve()}.",
    ]
    assert (here / "app.yaml").read_text() == (PROJECT_ROOT / "app.example.yaml").read_text()
    assert (panel / "app.yaml").read_text() == (PROJECT_ROOT / "app.example.yaml").read_text()
    assert again.returncode == 2
    assert again.stderr.strip().startswith("error: app.yaml already exists;")


def test_app_example_yaml_is_the_shipped_app_yaml_plus_backups_and_guidance() -> None:
    example = yaml.safe_load((PROJECT_ROOT / "app.example.yaml").read_text())
    shipped = yaml.safe_load((PROJECT_ROOT / "app.yaml").read_text())
    assert example["storage"]["backups"] == {"dir": "backups", "keep": 14, "at": "12:30"}
    example["storage"].pop("backups")
    assert example == shipped, (
        "app.example.yaml must be app.yaml plus storage.backups: "
        "make the same change in bot/data/app.example.yaml"
    )
    assert (PROJECT_ROOT / "app.example.yaml").resolve() == (
        PROJECT_ROOT / "bot" / "data" / "app.example.yaml"
    )
