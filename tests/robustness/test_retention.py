"""Item 9: `vcop meeting purge` deletes narratives and notes, keeps the findings and counts.

The meeting is run through the real bot (votes with notes, a chair's
resolution, the close); the purge and the tallies go through the real `vcop`
executable on the same database, so "`vcop tally` is unchanged" is checked on
its actual output.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml
from e2e.conftest import SAMPLE
from e2e.helpers import close_voting, pattern, values_for, vote

from bot.config import Settings
from bot.meetings import NARRATIVE_PURGED
from bot.models import Finding
from bot.panel import PanelServices
from handlers import ids
from handlers.local_workspace import LocalWorkspace
from handlers.slack_sim import SimulatedSlack

from .conftest import REFS, count_rows, dump_db
from .helpers import acked
from .serve_process import clean_env, run_vcop_side_by_side

SAMPLE_CASES = yaml.safe_load(SAMPLE.read_text())["cases"]


def _vcop(tmp_path: Path, *commands: list[str]) -> list[subprocess.CompletedProcess[str]]:
    """Run `vcop` commands side by side (each takes a second to start) and collect them."""
    env = clean_env(VCOP_CONFIG=str(tmp_path / "app.yaml"), VCOP_DB=str(tmp_path / "vcop.db"))
    return run_vcop_side_by_side(env, commands)


def _narratives_anywhere(db: Path) -> list[str]:
    """Sample narrative sentences and member notes found in any column of any table."""
    text = repr(dump_db(db))
    needles = [case["summary"].strip()[:60] for case in SAMPLE_CASES]
    needles += [entry["entry"] for case in SAMPLE_CASES for entry in case.get("timeline", [])]
    needles += [case["outcome"] for case in SAMPLE_CASES]
    needles += ["private note"]
    return [needle for needle in needles if needle in text]


def test_purge_deletes_narratives_and_notes_and_keeps_the_tally(
    opened: str,
    local: LocalWorkspace,
    slack: SimulatedSlack,
    service: PanelServices,
    settings: Settings,
    tmp_path: Path,
) -> None:
    members, chair = settings.panel.members, settings.panel.chair[0]
    for index, member in enumerate(members):
        for ref in REFS[:2]:
            notes = {"good_practice": f"private note {member} {ref}", "learning": "private note"}
            assert acked(
                vote(slack, member, settings.panel.channel, ref, values_for(pattern(index), notes))
            )
    service.resolutions.resolve_right(
        opened, REFS[0], 1, Finding.MET, "Agreed at the meeting", chair
    )
    db = local.database
    assert count_rows(db, "notes") == 10

    # While voting is open the purge is refused, and changes nothing.
    before = dump_db(db)
    tally = ["tally", opened, "--json"]
    refused, tally_before = _vcop(tmp_path, ["meeting", "purge", opened], tally)
    assert refused.returncode == 2, refused
    assert "still open" in refused.stderr and "Traceback" not in refused.stderr
    assert dump_db(db) == before
    assert tally_before.returncode == 0 and '"ref": "SH-01"' in tally_before.stdout

    assert close_voting(slack, chair, opened).status == 200
    votes, resolutions = dump_db(db)["votes"], dump_db(db)["resolutions"]
    assert len(_narratives_anywhere(db)) > 10

    [purged] = _vcop(tmp_path, ["meeting", "purge", opened])
    assert purged.returncode == 0, purged
    assert "6 cases" in purged.stdout and "10 sets of members' notes" in purged.stdout
    after = dump_db(db)
    tally_after, again = _vcop(tmp_path, tally, ["meeting", "purge", opened])

    # `vcop tally` is unchanged, byte for byte; votes and resolutions are untouched.
    assert tally_after.stdout == tally_before.stdout
    assert after["votes"] == votes and after["resolutions"] == resolutions
    # The narratives and notes are gone from every table, the audit log included.
    assert _narratives_anywhere(db) == []
    assert count_rows(db, "notes") == 0
    for case, sample in zip(service.meetings.cases(opened), SAMPLE_CASES, strict=True):
        assert (case.ref, case.offence) == (sample["ref"], sample["offence"].strip())
        assert case.summary == case.outcome == NARRATIVE_PURGED and case.timeline == ()
    meeting = service.meetings.get_meeting(opened)
    assert meeting.purged_at is not None
    purges = [e for e in service.repo.audit_entries(opened) if e.action == "meeting.purge"]
    assert len(purges) == 1 and purges[0].actor == "cli"

    # A second purge changes nothing and is not audited again.
    assert again.returncode == 0 and "already purged" in again.stdout
    assert dump_db(db) == after

    # Slack keeps working on the purged meeting: Read full case, the summary DM.
    post = service.messages.post_for(opened, REFS[0])
    assert post is not None
    member = members[0]
    slack.click_button(member, ids.CASE_READ, ids.case_key(opened, REFS[0]), message=post)
    modal = slack.open_modal(member)
    assert modal is not None and modal.callback_id == ids.CASE_VIEW
    assert NARRATIVE_PURGED in str(modal.blocks)
    assert slack.slash_command(chair, f"summary {opened}").status == 200
    assert any("Draft summary" in m.text for m in slack.dms_for(chair))


def test_a_purged_meeting_can_still_be_opened_in_slack(
    imported: str,
    local: LocalWorkspace,
    slack: SimulatedSlack,
    service: PanelServices,
    settings: Settings,
) -> None:
    """Closed and purged before it was ever posted: `/vcop open` posts "narrative purged"."""
    chair, secretariat = settings.panel.chair[0], settings.panel.secretariat[0]
    assert service.meetings.close_voting(imported, chair)
    report = service.meetings.purge_meeting(imported, secretariat)
    assert (report.cases, report.notes, report.already_purged) == (6, 0, False)
    result = slack.slash_command(secretariat, f"open {imported}")
    assert result.status == 200
    messages = slack.messages(settings.panel.channel)
    assert len(messages) == 1 + len(REFS)
    for message in messages[1:]:
        assert NARRATIVE_PURGED in str(message.blocks)
        assert "Vote" not in str(message.blocks).replace("Voting closed", "")


def test_only_the_chair_or_secretariat_may_purge(
    imported: str, service: PanelServices, settings: Settings, local: LocalWorkspace
) -> None:
    before = dump_db(local.database)
    for user in (settings.panel.members[0], "U0OUTSIDE1"):
        try:
            service.meetings.purge_meeting(imported, user)
        except Exception as exc:
            assert "Only the panel chair or the secretariat" in str(exc)
        else:
            raise AssertionError(f"{user} purged a meeting")
    assert dump_db(local.database) == before
