"""The shape of a meeting workbook: sheet names, columns, and the words that explain them.

The reader and the writer both take the layout from here, so a template the
bot writes is always a workbook the bot reads. The names are a contract with
the secretariat's spreadsheets: they are exact, and changing one breaks every
filled-in template in circulation.
"""

from __future__ import annotations

MEETING_SHEET = "Meeting"
CASES_SHEET = "Cases"
TIMELINE_SHEET = "Timeline"
GUIDANCE_SHEET = "Guidance"

MEETING_COLUMNS = ("field", "value")
MEETING_FIELDS = ("id", "title", "date", "voting_closes", "about")
REQUIRED_MEETING_FIELDS = ("id", "title", "date", "voting_closes")
CASE_COLUMNS = ("ref", "offence", "outcome", "summary")
TIMELINE_COLUMNS = ("ref", "day", "agency", "entry")

#: Offered in the Timeline sheet's agency drop-down; any other name is accepted too.
USUAL_AGENCIES = (
    "Police",
    "CPS",
    "Witness Care Unit",
    "Courts",
    "Probation",
    "Youth Justice Service",
    "Victim Support",
    "IDVA service",
)

#: Largest workbook accepted, as sent and once unzipped: checked before any parsing.
MAX_WORKBOOK_BYTES = 5 * 1024 * 1024
MAX_EXPANDED_BYTES = 50 * 1024 * 1024

MEETING_FIELD_NOTES = {
    "id": "A short name for the meeting, used in Slack commands: letters, digits, - . _ "
    "(e.g. 2025-09-stalking).",
    "title": "The meeting's theme, as the panel and the report will show it.",
    "date": "The day the panel meets (a date, e.g. 17/09/2025).",
    "voting_closes": "When voting ends: a date and time in the panel's timezone, "
    "on or before the meeting date (e.g. 15/09/2025 17:00).",
    "about": "Optional: a sentence or two on why the panel chose this theme.",
}

HEADER_COMMENTS = {
    (MEETING_SHEET, "field"): "The name of each detail. Leave these as they are.",
    (MEETING_SHEET, "value"): "Fill in each detail here.",
    (CASES_SHEET, "ref"): "The panel's own short reference for the case (e.g. SH-01), "
    "never a police, CPS or court reference. Up to 24 characters, no spaces.",
    (CASES_SHEET, "offence"): "The offence, without names or places (up to 300 characters).",
    (CASES_SHEET, "outcome"): "How the case ended, e.g. guilty plea and sentence "
    "(up to 300 characters).",
    (CASES_SHEET, "summary"): "The anonymised account of how the case went through the "
    "system (up to 12,000 characters). No names, addresses, dates of birth or references.",
    (TIMELINE_SHEET, "ref"): "The ref of the case on the Cases sheet this entry belongs to.",
    (TIMELINE_SHEET, "day"): "Days since the victim first reported (0 = that day).",
    (TIMELINE_SHEET, "agency"): "Who acted: pick from the list or type another agency.",
    (TIMELINE_SHEET, "entry"): "What happened, without personal details (up to 500 characters).",
}

GUIDANCE = (
    "How to prepare a meeting for the VCoP scrutiny panel",
    "",
    "1. Meeting sheet: fill in the value next to each detail. The id is a short name "
    "for the meeting (letters, digits and dashes, e.g. 2025-09-stalking). Voting must "
    "close on or before the meeting date. 'about' is optional.",
    "2. Cases sheet: one row per case, with its ref, offence, outcome and summary. "
    "Up to 50 cases. Each ref must be different.",
    "3. Timeline sheet (optional): one row per event in a case, with the case's ref, "
    "the day (counted from the victim's first report, which is day 0), the agency "
    "and what happened.",
    "",
    "Keep it anonymous. Do not include names, addresses, postcodes, phone numbers, "
    "email addresses, dates of birth, vehicle registrations, social media handles, or "
    "police, CPS or court reference numbers. The bot checks every cell and refuses the "
    "whole file if it finds any, naming the cell, so nothing is stored half-way.",
    "",
    "Type values in; do not use formulas. Blank rows are ignored, and spaces at the "
    "start or end of a cell are removed.",
    "",
    "When it is ready, save it as an Excel Workbook (.xlsx), then send it to the VCoP "
    "Panel app in Slack (its Messages tab). The bot replies in a thread: either the "
    "meeting is imported, with an Open voting button, or it lists what to fix. If it "
    "says the file held personal data, delete the file from Slack as well.",
    "",
    "Leave the sheet and column names exactly as they are.",
)
