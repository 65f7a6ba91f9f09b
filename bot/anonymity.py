"""The personal-data ("anonymity") screen for case texts.

Cases reach the panel already anonymised by the agencies; this screen is the second line
of defence. Every free-text field is screened before it is stored or posted, and any
finding stops the import, so the screen leans towards recall: a false alarm costs the
secretariat a minute, a leaked phone number or name cannot be taken back.

The screen is a set of independent detectors (regexes, plus the ``phonenumbers`` matcher
for international numbers), each producing candidate spans with a priority. Overlapping
candidates are resolved in favour of the most specific detector (an email address beats the
``@handle`` inside it, a keyworded reference number beats the phone-number shape of its
digits). Findings carry only a *masked* excerpt: the report that says "there is a phone
number here" must not itself become the leak, because it is shown in Slack and logs.

Pure domain code: no Slack, no storage, no printing.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.anonymity_names import (
    bare_name_spans,
    first_name_after_verb_spans,
    lowercase_name_spans,
)
from bot.name_gazetteer import gazetteer

__all__ = [
    "PersonalDataFinding",
    "PersonalDataKind",
    "ScreenRules",
    "screen_fields",
    "screen_text",
    "warm_up",
]


class PersonalDataKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    POSTCODE = "postcode"
    NI_NUMBER = "ni_number"
    NHS_NUMBER = "nhs_number"
    DATE_OF_BIRTH = "date_of_birth"
    REFERENCE_NUMBER = "reference_number"
    VEHICLE_REGISTRATION = "vehicle_registration"
    SOCIAL_MEDIA = "social_media"
    NAME = "name"
    ADDRESS = "address"
    IP_ADDRESS = "ip_address"
    BANK_ACCOUNT = "bank_account"


_KIND_LABELS: dict[PersonalDataKind, str] = {
    PersonalDataKind.EMAIL: "email address",
    PersonalDataKind.PHONE: "phone number",
    PersonalDataKind.POSTCODE: "postcode",
    PersonalDataKind.NI_NUMBER: "National Insurance number",
    PersonalDataKind.NHS_NUMBER: "NHS number",
    PersonalDataKind.DATE_OF_BIRTH: "date of birth",
    PersonalDataKind.REFERENCE_NUMBER: "reference number",
    PersonalDataKind.VEHICLE_REGISTRATION: "vehicle registration",
    PersonalDataKind.SOCIAL_MEDIA: "social media handle or profile",
    PersonalDataKind.NAME: "personal name",
    PersonalDataKind.ADDRESS: "street address",
    PersonalDataKind.IP_ADDRESS: "IP address",
    PersonalDataKind.BANK_ACCOUNT: "bank sort code or account number",
}
# The article for each label, for sentences like "(a phone number: 07*** ******)".
_KIND_ARTICLES: dict[PersonalDataKind, str] = {
    PersonalDataKind.EMAIL: "an",
    PersonalDataKind.NHS_NUMBER: "an",
    PersonalDataKind.IP_ADDRESS: "an",
}


class PersonalDataFinding(BaseModel):
    """One piece of apparent personal data, located but never reproduced in full.

    ``start``/``end`` are a Python slice of the screened text (``end`` exclusive), so the
    caller can highlight it; ``excerpt`` is masked so the finding can be shown in Slack or
    a log without repeating the data it warns about.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: PersonalDataKind
    field: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    excerpt: str

    @model_validator(mode="after")
    def _span_ordered(self) -> PersonalDataFinding:
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self

    def describe(self) -> str:
        """One line for an error list: ``email address (j***@e***.com) at characters 10-27``."""
        return f"{_KIND_LABELS[self.kind]} ({self.excerpt}) at characters {self.start}-{self.end}"

    def label(self) -> str:
        """The kind with its article and masked excerpt: ``a phone number: 07*** ******``."""
        article = _KIND_ARTICLES.get(self.kind, "a")
        kind = "name" if self.kind is PersonalDataKind.NAME else _KIND_LABELS[self.kind]
        return f"{article} {kind}: {self.excerpt}"


class ScreenRules(BaseModel):
    """Local tuning of the screen, from the ``anonymity:`` section of app.yaml.

    ``extra_reference_patterns`` are Python regexes for local reference formats the built-in
    detectors do not know; each match is a reference-number finding (only the group named
    ``ref`` if the pattern has one, else the whole match). They are compiled as written:
    add ``(?i)`` for case-insensitive matching.

    ``allow`` lists exact strings (case-insensitive, whitespace-insensitive) known to be
    false positives, e.g. a published helpline number or an organisation called "PC World".
    A finding is dropped when its text equals an allowed string or lies inside an occurrence
    of one in the screened text. Matching the occurrence, rather than any substring of the
    allowed string, keeps ``allow: ["Dr Foster Intelligence"]`` from also waving through
    a real "Dr Foster" elsewhere.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    extra_reference_patterns: list[str] = []
    allow: list[str] = []

    @field_validator("extra_reference_patterns")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        for index, pattern in enumerate(patterns):
            try:
                compiled = re.compile(pattern)
            except re.error as err:
                raise ValueError(
                    f"extra_reference_patterns[{index}]: {pattern!r} is not a valid "
                    f"regular expression: {err}"
                ) from None
            if compiled.fullmatch("") is not None:
                raise ValueError(
                    f"extra_reference_patterns[{index}]: {pattern!r} matches the empty "
                    "string, so it would flag every text"
                )
        return patterns


# --------------------------------------------------------------------------- detection


@dataclass(frozen=True, slots=True)
class _Hit:
    """A candidate span before overlaps are resolved; higher ``priority`` is more specific."""

    kind: PersonalDataKind
    start: int
    end: int
    priority: int


_Detector = Callable[[str], Iterator[_Hit]]

# Priorities: when candidates overlap, the higher one survives. Keyworded detectors rank
# above bare shapes of the same kind because the keyword says what the digits are.
_P_EMAIL = 100
_P_SOCIAL_URL = 95
_P_SOCIAL_KEYWORD = 92
_P_SOCIAL_HANDLE = 90
_P_NHS_KEYWORD = 88
_P_DOB = 85
_P_NI = 80
_P_REF_EXTRA = 78
_P_REF_KEYWORD = 76
_P_REF_SHAPE = 72
_P_PHONE_UK = 70
_P_NHS_CHECKSUM = 65
_P_PHONE_INTL = 60
_P_POSTCODE = 50
_P_VEHICLE_KEYWORD = 48
_P_VEHICLE = 45
_P_IP = 87
_P_BANK = 84
_P_ADDRESS = 55
_P_NAME = 40
_P_NAME_BY_ROLE = 38
_P_NAME_LOWER = 37
_P_NAME_BARE = 36


def _word_set(words: str) -> frozenset[str]:
    """A set from whitespace-separated words, so long stoplists stay readable."""
    return frozenset(words.split())


_DASH = "\\-\u2010\u2011\u2012\u2013\u2014"  # hyphen and the dashes word processors insert
_HSPACE = " \\t\u00a0\u202f"  # horizontal whitespace: a phone number never spans a line


# Email ---------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.%+'-])[\w.%+'-]+"
    r"(?:@|\s?[(\[]at[)\]]\s?)"
    r"[A-Za-z0-9-]+(?:(?:\.|\s?[(\[]dot[)\]]\s?)[A-Za-z0-9-]+)*"
    r"(?:\.|\s?[(\[]dot[)\]]\s?)[A-Za-z]{2,}\b",
    re.IGNORECASE,
)


def _emails(text: str) -> Iterator[_Hit]:
    for m in _EMAIL.finditer(text):
        yield _Hit(PersonalDataKind.EMAIL, m.start(), m.end(), _P_EMAIL)


# Phone ---------------------------------------------------------------------------------

# UK numbers in the forms people type: +44 / 0044 / 0 prefix, "(0)", brackets round the
# area code, spaces or dashes between groups. Dots and slashes are deliberately not
# separators: they make dates ("01.02.2023") and reference numbers look like phones.
_PHONE_UK = re.compile(
    rf"(?<![\w+/.])"
    rf"(?P<prefix>(?:\+|\b00)[{_HSPACE}]?44[{_HSPACE}{_DASH}]?(?:\(0\)|0)?|\(?0)"
    rf"(?P<rest>(?:[{_HSPACE}{_DASH}()]{{0,3}}\d){{9,10}})"
    rf"(?![\d/]|\.\d)",
)


# Landlines (01, 02), mobiles and personal numbers (07) and VoIP (05). Non-geographic
# numbers (03, 08, 09) belong to organisations: the WCU's 0300 number or a 0808 helpline
# in a chronology is not personal data. 04 and 06 are unused.
_PERSONAL_NUMBER_STARTS = "1257"


def _uk_phones(text: str) -> Iterator[_Hit]:
    for m in _PHONE_UK.finditer(text):
        national = re.sub(r"\D", "", m.group("rest"))
        if national[0] in _PERSONAL_NUMBER_STARTS:
            yield _Hit(PersonalDataKind.PHONE, m.start(), m.end(), _P_PHONE_UK)


def _international_phones(text: str) -> Iterator[_Hit]:
    """Numbers the UK regex misses, mainly foreign ones (+33 ..., 0033 ...).

    Only matches written with an international or trunk prefix are kept: a bare run of
    digits that ``phonenumbers`` happens to think valid is more often a reference number,
    and those have their own detectors.
    """
    if not any(ch.isdigit() for ch in text):
        return
    for match in phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.VALID):
        raw = match.raw_string
        digits = sum(ch.isdigit() for ch in raw)
        number = match.number
        if number.country_code == 44 and str(number.national_number)[:1] not in (
            _PERSONAL_NUMBER_STARTS
        ):
            continue
        if digits >= 9 and "/" not in raw and raw.lstrip("(").startswith(("+", "0")):
            yield _Hit(PersonalDataKind.PHONE, match.start, match.end, _P_PHONE_INTL)


# Postcode ------------------------------------------------------------------------------

# Every outward shape (A9, A99, A9A, AA9, AA99, AA9A) and the inward 9AA, space optional.
# The letters are not restricted to the ones Royal Mail uses: a made-up but plausible
# postcode in a narrative still tells the reader where someone lives.
_POSTCODE = re.compile(
    r"\b(?:GIR[ \u00a0]?0AA|(?P<out>[A-Z]{1,2}\d[A-Z\d]?)[ \u00a0]?(?P<in>\d[A-Z]{2}))\b",
    re.IGNORECASE,
)
# Lower-case shapes that are ordinary words: "the A1 2nd exit", "B4 3pm".
_POSTCODE_FALSE_INWARD = re.compile(r"\d(?:st|nd|rd|th|am|pm)", re.IGNORECASE)


def _postcodes(text: str) -> Iterator[_Hit]:
    for m in _POSTCODE.finditer(text):
        inward = m.group("in")
        if inward and _POSTCODE_FALSE_INWARD.fullmatch(inward) and not inward.isupper():
            continue
        if inward and inward[1:].upper() in {"AM", "PM"}:
            continue
        yield _Hit(PersonalDataKind.POSTCODE, m.start(), m.end(), _P_POSTCODE)


# National Insurance number -------------------------------------------------------------

# Any NINO shape, whether or not HMRC issues the prefix: a typo'd NINO is still a NINO.
_NINO = re.compile(
    rf"(?<!\w)(?P<prefix>[A-Z]{{2}})[ {_DASH}]?\d{{2}}[ {_DASH}]?\d{{2}}[ {_DASH}]?\d{{2}}"
    rf"[ {_DASH}]?[A-D](?!\w)",
    re.IGNORECASE,
)
_LOWERCASE_WORDS = _word_set("on at in to of by is as an or be we he me my up so no do if it us am")


def _ni_numbers(text: str) -> Iterator[_Hit]:
    for m in _NINO.finditer(text):
        if m.group("prefix") in _LOWERCASE_WORDS:  # "at 12 34 56 a..." is prose
            continue
        yield _Hit(PersonalDataKind.NI_NUMBER, m.start(), m.end(), _P_NI)


# NHS number ----------------------------------------------------------------------------

_NHS_BARE = re.compile(
    rf"(?<![\w/.£$€])(\d{{3}})([ {_DASH}]?)(\d{{3}})\2(\d{{4}})(?![\w/]|\.\d)",
)
_NHS_KEYWORD = re.compile(
    rf"\bNHS\s*(?:no\b\.?|number|num\b|#)?\s*[:#]?\s*"
    rf"(?P<v>\d{{3}}[ {_DASH}]?\d{{3}}[ {_DASH}]?\d{{4}})(?!\d)",
    re.IGNORECASE,
)


def _nhs_checksum_ok(digits: str) -> bool:
    """Modulus 11: weights 10..2 over the first nine digits; a check digit of 10 is invalid."""
    if len(digits) != 10 or len(set(digits)) == 1:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _nhs_numbers(text: str) -> Iterator[_Hit]:
    for m in _NHS_KEYWORD.finditer(text):
        # After an explicit "NHS number" label even a mistyped number is flagged.
        yield _Hit(PersonalDataKind.NHS_NUMBER, m.start("v"), m.end("v"), _P_NHS_KEYWORD)
    for m in _NHS_BARE.finditer(text):
        if _nhs_checksum_ok(m.group(1) + m.group(3) + m.group(4)):
            yield _Hit(PersonalDataKind.NHS_NUMBER, m.start(), m.end(), _P_NHS_CHECKSUM)


# Date of birth -------------------------------------------------------------------------

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])\.?"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?(?![a-z\d])"
_YEAR = r"(?:(?:19|20)\d{2}|'?\d{2})(?!\d)"
_DATE = (
    rf"(?:\d{{1,2}}[/.{_DASH}]\d{{1,2}}[/.{_DASH}](?:\d{{4}}|\d{{2}})(?!\d)"
    rf"|(?:19|20)\d{{2}}[/.{_DASH}]\d{{1,2}}[/.{_DASH}]\d{{1,2}}(?!\d)"
    rf"|{_DAY}(?:\s+of)?[\s{_DASH}]+{_MONTH}(?:,?[\s{_DASH}]+{_YEAR})?"
    rf"|{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?"
    rf"|(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])(?:(?:19|20)\d{{2}}|\d{{2}})(?!\d))"
)
# After an explicit DOB label a partial date is still a date of birth.
_PARTIAL_DATE = (
    rf"(?:{_MONTH}\s+(?:19|20)\d{{2}}|\d{{1,2}}/(?:19|20)\d{{2}}|(?:19|20)\d{{2}}"
    rf"|\d{{1,2}}[/.]\d{{1,2}}(?![/.]?\d))(?!\d)"
)
_DOB_LABELLED = re.compile(
    rf"(?:\bd\.?\s?o\.?\s?b\b\.?|\bd/o/b\b|\bdate\s+of\s+birth\b|\bbirth\s?date\b)"
    rf"[\s:=(\[{_DASH}]*(?:(?:is|was|given\s+as|recorded\s+as|of)\s+)?"
    rf"(?P<v>{_DATE}|{_PARTIAL_DATE})",
    re.IGNORECASE,
)
_DOB_BORN = re.compile(
    rf"\bborn\s+(?:on\s+)?(?:the\s+)?(?P<v>{_DATE})",
    re.IGNORECASE,
)


def _dates_of_birth(text: str) -> Iterator[_Hit]:
    for pattern in (_DOB_LABELLED, _DOB_BORN):
        for m in pattern.finditer(text):
            yield _Hit(PersonalDataKind.DATE_OF_BIRTH, m.start("v"), m.end("v"), _P_DOB)


# Reference numbers ---------------------------------------------------------------------

_REF_SHAPES: tuple[re.Pattern[str], ...] = (
    # Crime references with a letter prefix: CR/12345/21, CRIS/1234567/23. Not with dashes:
    # "DA-2024-01" is more often the panel's own case ref than a police one.
    re.compile(r"\b[A-Z]{1,5} ?/ ?\d{3,9} ?/ ?\d{2,4}\b"),
    # Force-style and CRN numbers: 43/12345/23, 01/234567/22 (dates have short middles).
    re.compile(r"(?<![\w/])\d{1,2} ?/ ?\d{4,9} ?/ ?\d{2,4}(?![\w/])"),
    # Met-style crime numbers: 5201234/23.
    re.compile(r"(?<![\w/])\d{6,9}/\d{2}(?![\w/])"),
    # Custody records: 01AB/12345/23.
    re.compile(r"\b\d{2}[A-Z]{2}/\d{3,8}/\d{2,4}\b", re.IGNORECASE),
    # Police/CPS URNs: force (2) + station (2 letters) + serial (5) + year (2).
    re.compile(r"\b\d{2} ?[A-Z]{2} ?\d{5} ?\d{2}\b"),
    re.compile(r"\b\d{2}[a-z]{2}\d{7}\b"),
    # Crown Court case numbers: T (trial), A (appeal), S (sentence), U + year + serial.
    re.compile(r"\b[TASU] ?(?:19|20)\d{2}[ /]?\d{4}\b"),
    # Crime numbers with a letter prefix and the year in the middle: CRM/2024/118273.
    re.compile(r"\b[A-Z]{2,5} ?/ ?(?:19|20)\d{2} ?/ ?\d{3,9}\b"),
)

_REF_SUFFIX = r"(?:ref(?:erence)?|no|nos|num|number|record|id|#)(?![a-z])\.?"
_REF_KEYWORD = re.compile(
    rf"\b(?:"
    # Words that are references only with a suffix: "case number", not "case 3".
    rf"(?:crime|incident|occurrence|case|court|custody|job|call|log|niche|athena|storm|cad)"
    rf"\s+{_REF_SUFFIX}(?:\s+{_REF_SUFFIX})?"
    # Words that name a reference on their own.
    rf"|(?:crn|urn|cad|cris|occ|storm|asn|cro|ref|reference|occurrence|log|custody\s+record"
    rf"|crime\s+ref(?:erence)?|crime\s+no)(?![a-z])(?:\s+{_REF_SUFFIX})?"
    rf")\s*[:#.{_DASH}]?\s*(?:(?:is|was|of)\s+)?"
    rf"(?P<v>[A-Z0-9][A-Z0-9/{_DASH}]*[A-Z0-9])"
    rf"(?P<d>\s+(?:(?:of|on|dated)\s+)?\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}(?!\d))?",
    re.IGNORECASE,
)
_YEAR_ONLY = re.compile(r"(?:19|20)\d{2}")
_DATE_ONLY = re.compile(rf"\d{{1,4}}[/.{_DASH}]\d{{1,2}}[/.{_DASH}]\d{{1,4}}")


def _keyworded_references(text: str) -> Iterator[_Hit]:
    for m in _REF_KEYWORD.finditer(text):
        value = m.group("v")
        digits = sum(ch.isdigit() for ch in value)
        if _YEAR_ONLY.fullmatch(value) or _DATE_ONLY.fullmatch(value):
            continue
        if digits >= 4 or (digits >= 3 and m.group("d")):
            end = m.end("d") if m.group("d") else m.end("v")
            yield _Hit(PersonalDataKind.REFERENCE_NUMBER, m.start("v"), end, _P_REF_KEYWORD)


def _shaped_references(text: str) -> Iterator[_Hit]:
    for pattern in _REF_SHAPES:
        for m in pattern.finditer(text):
            yield _Hit(PersonalDataKind.REFERENCE_NUMBER, m.start(), m.end(), _P_REF_SHAPE)


# Vehicle registration ------------------------------------------------------------------

_PLATE_CURRENT = r"[A-Z]{2}\d{2} ?[A-Z]{3}"  # AB12 CDE (2001-)
_PLATE_PREFIX = r"[A-Z]\d{1,3} ?[A-Z]{3}"  # A123 BCD (1983-2001)
_PLATE_SUFFIX = r"[A-Z]{3} ?\d{1,3}[A-Z]"  # ABC 123D (1963-1983)
# Plates are matched case-sensitively without a keyword: in prose, lower-case shapes like
# these are nearly always something else, and upper-case ones are nearly always plates.
_VEHICLE = re.compile(
    rf"\b(?:(?P<cur>{_PLATE_CURRENT})|(?P<pre>{_PLATE_PREFIX})|(?P<suf>{_PLATE_SUFFIX}))\b"
)
_VEHICLE_KEYWORD = re.compile(
    r"\b(?:vrm|vrn|index(?:\s+number)?|number\s*plate|reg(?:istration)?"
    r"(?:\s+(?:no|number|mark|plate))?\.?)\s*[:#(\-]?\s*"
    rf"(?P<v>{_PLATE_CURRENT}|{_PLATE_PREFIX}|{_PLATE_SUFFIX})\b",
    re.IGNORECASE,
)
# Upper-case abbreviations that fit the older plate shapes in case language:
# "S39 CJA", "CPS 1A". A real plate with these letters will still be caught after a keyword.
_PLATE_LETTER_STOPLIST = _word_set(
    """CJA PHA CDA POA SOA SCA DVA MCA PCC CPS WCU OIC ABE BWV VPS VRR NFA RUI YJS IOM PNC
    CAD URN CRN DOB NHS GBH ABH RAR UPW SPO ACT SEC ART REG DAY AGE FPN PND CPR CJS VCS LVO
    ISVA IDVA PTPH CAT YOT VLO RJC RJS ASB SCH PARA"""
)


def _vehicle_registrations(text: str) -> Iterator[_Hit]:
    for m in _VEHICLE_KEYWORD.finditer(text):
        yield _Hit(
            PersonalDataKind.VEHICLE_REGISTRATION, m.start("v"), m.end("v"), _P_VEHICLE_KEYWORD
        )
    for m in _VEHICLE.finditer(text):
        if m.group("pre"):
            letters = m.group("pre")[-3:]
        elif m.group("suf"):
            letters = m.group("suf")[:3]
        else:
            letters = ""
        if letters in _PLATE_LETTER_STOPLIST:
            continue
        yield _Hit(PersonalDataKind.VEHICLE_REGISTRATION, m.start(), m.end(), _P_VEHICLE)


# Social media --------------------------------------------------------------------------

_HANDLE = re.compile(r"(?<![\w@.])@(?P<h>[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,48}[A-Za-z0-9_])?)")
_SLACK_MENTION = re.compile(r"<@[UWB][A-Z0-9]{2,}>")
_HANDLE_NOT = re.compile(r"\d{1,2}(?:[:.]\d{2})?(?:am|pm)?", re.IGNORECASE)  # "@10am"
_SOCIAL_URL = re.compile(
    r"(?<![\w.\-])(?:https?://)?(?:(?:www|m|mobile|[a-z]{2})\.)?(?:"
    r"(?:facebook|fb|instagram|twitter|x|threads|youtube|twitch|pinterest|onlyfans)\.(?:com|net)"
    r"/(?!\s)[\w.\-@?=&%/]+"
    r"|tiktok\.com/@[\w.\-]+"
    r"|snapchat\.com/add/[\w.\-]+"
    r"|linkedin\.com/in/[\w\-%]+"
    r"|reddit\.com/u(?:ser)?/[\w\-]+"
    r"|(?:t\.me|fb\.me|instagr\.am)/[\w.\-]+"
    r")",
    re.IGNORECASE,
)
_SOCIAL_KEYWORD = re.compile(
    r"\b(?:snapchat|snap|instagram|insta|ig|tiktok|facebook|fb|twitter|x|threads|whatsapp"
    r"|telegram|discord|kik|youtube|twitch)\s+(?:user\s*name|handle|account|profile|name|id)"
    r"\s*(?:(?:is|was|of)\s+|[:=\-]\s*)?[\"'“‘]?"
    r"(?P<v>@?[A-Za-z0-9_.\-]{3,40})",
    re.IGNORECASE,
)


# Every profile address above has its domain's ending straight before a slash.
_SOCIAL_URL_GATE = re.compile(r"\.(?:com|net|me|am)/", re.IGNORECASE)
# Every keyword match has a space straight before "user name", "handle", "account"...: a
# search a sixth the cost of the keyword pattern, which tries its platforms at every word.
_SOCIAL_KEYWORD_GATE = re.compile(r"\s(?:user|handle|account|profile|name|id)", re.IGNORECASE)
# What any of the three kinds needs (an address's ending, a keyword, an at-sign), in one
# search: the gate that lets most notes skip the social media detector altogether.
_SOCIAL_GATE = re.compile(
    rf"@|{_SOCIAL_URL_GATE.pattern}|{_SOCIAL_KEYWORD_GATE.pattern}", re.IGNORECASE
)


def _social_media(text: str) -> Iterator[_Hit]:
    urls = _SOCIAL_URL.finditer(text) if _SOCIAL_URL_GATE.search(text) else ()
    for m in urls:
        end = m.end()
        while end > m.start() and text[end - 1] in ".,;:?&=/-":
            end -= 1
        yield _Hit(PersonalDataKind.SOCIAL_MEDIA, m.start(), end, _P_SOCIAL_URL)
    for m in _SOCIAL_KEYWORD.finditer(text) if _SOCIAL_KEYWORD_GATE.search(text) else ():
        value = m.group("v").rstrip(".-")
        # "Instagram account deleted" is prose; "account lily_rose2009" is a username.
        if value.isdigit() and len(value) < 6:  # "Facebook profile 2023" is a year
            continue
        if len(value) >= 3 and re.search(r"[\d_@]|\w\.\w", value):
            start = m.start("v")
            yield _Hit(PersonalDataKind.SOCIAL_MEDIA, start, start + len(value), _P_SOCIAL_KEYWORD)
    for m in _HANDLE.finditer(text) if "@" in text else ():
        handle = m.group("h")
        if _HANDLE_NOT.fullmatch(handle) or not re.search(r"[A-Za-z]", handle):
            continue
        if _SLACK_MENTION.fullmatch(text, m.start() - 1, m.end() + 1):
            continue  # "<@U0CHAIR01>" is Slack's mention of a panel member, not a handle
        yield _Hit(PersonalDataKind.SOCIAL_MEDIA, m.start(), m.end(), _P_SOCIAL_HANDLE)


# Names after a title or rank -----------------------------------------------------------

_COURTESY_TITLES = r"Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Rev|Revd|Reverend|Cllr|MR|MRS|MISS"
_RANKS = (
    r"Det\.?\s?Con|Det\.?\s?Sgt|Det\.?\s?Insp|Det\.?\s?Supt|Det\.?\s?Ch\.?\s?Insp"
    r"|Detective\s+(?:Chief\s+)?(?:Constable|Sergeant|Inspector|Superintendent)"
    r"|Chief\s+(?:Inspector|Superintendent)|Ch\.?\s?Insp|Ch\.?\s?Supt"
    r"|Police\s+Constable|Police\s+Sergeant|Special\s+Constable"
    r"|Constable|Sergeant|Inspector|Superintendent|Sgt|Insp|Supt"
    r"|PCSO|DCI|DSU|DCS|DSI|TDC|PC|DC|DS|DI|PS"
    r"|HHJ|Judge|Recorder"
)
# High Court and Court of Appeal judges: "Mr Justice Smith"; "Mr Justice" alone names nobody.
_JUDICIAL = r"(?:Mr|Mrs|Ms|Lord|Lady)\s+Justice"
# Every title and rank starts with a capital: the lookahead lets the search skip every
# other position at once, where the alternatives would each be tried (half the cost).
_TITLE = re.compile(
    rf"(?=[A-Z])(?<![\w'’.])(?P<title>{_JUDICIAL}|(?P<courtesy>{_COURTESY_TITLES})|{_RANKS})"
    rf"(?P<dot>\.?)(?=\s)",
)
# Dotted abbreviations: "Insp. Davies" is a title; "briefed the DI. Officers..." is a full stop.
_DOTTABLE_TITLES = _word_set("Mr Mrs Ms Mx Dr Prof Rev Revd Cllr Sgt Insp Supt Con Det")
_NAME_TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|['’\-](?=[^\W\d_]))*\.?")
_COLLAR = re.compile(r"\d{1,6}(?=\s)")
_GAP = re.compile(r"[ \t\u00a0]+|[ \t\u00a0]*\n[ \t\u00a0]*(?!\n)")
# Capitalised words that follow a title or rank without being a name: role-only uses like
# "the DS. The file...", "PC Attended", agencies, and case-language abbreviations.
_NOT_NAMES = _word_set(
    """the a an and or but nor of in on at to for with by from as is was were be been has
    had have who whom which that this then than also not no did does do said says told
    asked attended attending called rang contacted reviewed updated spoke took visited
    arrived arrested interviewed charged confirmed explained agreed declined noted
    recorded made gave sent he she they it his her their we our you your i please thanks
    thank dear sir madam colleague colleagues police officer officers team unit court
    courts surgery practice office station service services witness witnesses victim
    victims support care suspect defendant case file charge constable sergeant inspector
    superintendent detective chief duty investigating reviewing attending on-call report
    reports statement notes letter email phone call log footage evidence cps wcu oic idva
    isva marac mappa abe bwv cctv hmcts yjs yot vps dash pnc niche storm nfa rui hmp moj
    nhs gp a&e ae dvpn dvpo spo sgt insp supt pcso dc ds di dci pc ps mr mrs ms dr
    unknown redacted withheld review decision update updates referral assessment interview
    meeting contact action actions summary record records comment comments supervision
    supervisor approval domestic abuse response safeguarding public protection cid
    neighbourhood local policing investigation investigations hate crime stalking harassment
    sexual offences family child adult vulnerability missing persons custody control room
    centre management hub desk department right rights code entitlement entitlements
    miss mx prof professor rev revd reverend cllr sir dame lord lady judge recorder det
    offender perpetrator complainant man woman boy girl youth juvenile personal justice"""
)
# Nationalities, faiths and languages: hate crime chronologies describe people by them
# ("the victim, Polish national, ..."), and they are not names.
_DESCRIPTORS = _word_set(
    """british english scottish welsh irish polish romanian lithuanian latvian bulgarian
    albanian pakistani indian bangladeshi somali nigerian ghanaian eritrean sudanese syrian
    afghan iraqi iranian kurdish turkish chinese vietnamese filipino jamaican caribbean
    african asian black white mixed muslim jewish sikh hindu christian catholic gypsy roma
    traveller european eastern arab arabic portuguese spanish italian french german russian
    ukrainian urdu punjabi bengali farsi pashto tigrinya gujarati tamil"""
)


def _name_after_title(text: str, m: re.Match[str]) -> tuple[int, int] | None:
    """The span from a title to the end of the name that follows it, if one does.

    Pseudonyms are allowed: "Ms A", "Mr X" and "Mr AB" are how anonymised cases refer to
    people, so at least one real word (two or more letters, not a role or agency) is needed.
    """
    title = m.group("title")
    is_courtesy = m.group("courtesy") is not None
    if m.group("dot") and title.split()[-1].rstrip(".") not in _DOTTABLE_TITLES:
        return None
    pos = m.end()
    gap = _GAP.match(text, pos)
    if gap is None:
        return None
    pos = gap.end()
    if not is_courtesy:  # "PC 1234 Jones": a collar number between rank and name
        collar = _COLLAR.match(text, pos)
        if collar is not None:
            gap = _GAP.match(text, collar.end())
            if gap is None:
                return None
            pos = gap.end()
    end = None
    has_word = False
    for _ in range(4):
        token = _NAME_TOKEN.match(text, pos)
        if token is None or not token.group()[0].isupper():
            break
        word = token.group().rstrip(".")
        letters = "".join(ch for ch in word if ch.isalpha())
        if len(letters) == 1:  # an initial: "Mrs J. Patel", or a pseudonym "Mr B"
            end = token.end()
        else:
            if word.casefold() in _NOT_NAMES:
                break
            if word.isupper() and (not is_courtesy or len(letters) < 3):
                break  # "DC ABE", "PC BWV" are acronyms; "Mrs WALKER" is a surname
            end = token.start() + len(word)
            has_word = True
        gap = _GAP.match(text, token.end())
        if gap is None:
            break
        pos = gap.end()
    if not has_word or end is None:
        return None
    return m.start(), end


def _names(text: str) -> Iterator[_Hit]:
    for m in _TITLE.finditer(text):
        span = _name_after_title(text, m)
        if span is not None:
            yield _Hit(PersonalDataKind.NAME, span[0], span[1], _P_NAME)


# Names without a title, introduced by a relationship or role: "her partner Ryan",
# "the suspect, Daniel Brooks,". Chronologies leak first names this way far more often
# than with a title. A possessive role ("the suspect's Instagram") introduces a thing, not
# a person, so it does not count; the name must be Title-case words that are not roles,
# agencies or calendar words ("the victim Police called" is not a name).
_ROLE_NOUN = re.compile(
    r"\b(?:(?:ex|former)[\s-]?)?(?:partner|husband|wife|boyfriend|girlfriend|fianc[ée]e?"
    r"|son|daughter|step-?son|step-?daughter|mother|father|mum|dad|step-?mother|step-?father"
    r"|brother|sister|half-?brother|half-?sister|cousin|aunt|uncle|nephew|niece"
    r"|grandmother|grandfather|grandson|granddaughter|neighbour|friend|colleague|carer"
    r"|flatmate|lodger|victim|suspect|defendant|offender|perpetrator|complainant"
    r"|named|known\s+as|aka)\s*[,(]?[ \t\u00a0]*(?=[A-Z])"
)
_SAME_LINE_GAP = re.compile(r"[ \t\u00a0]+")
_TITLE_CASE_WORD = re.compile(r"[A-Z][a-z]+(?:['’\-]?[A-Z][a-z]+)*(?:['’]s)?(?![\w'’\-])")
_CALENDAR_WORDS = _word_set(
    """january february march april may june july august september october november
    december monday tuesday wednesday thursday friday saturday sunday christmas easter
    person male female adult child"""
)


def _names_by_role(text: str) -> Iterator[_Hit]:
    for m in _ROLE_NOUN.finditer(text):
        pos = m.end()
        end = None
        for _ in range(3):
            word = _TITLE_CASE_WORD.match(text, pos)
            if word is None:
                break
            folded = word.group().casefold()
            if folded in _NOT_NAMES or folded in _CALENDAR_WORDS or folded in _DESCRIPTORS:
                break
            end = word.end()
            gap = _SAME_LINE_GAP.match(text, end)
            if gap is None:
                break
            pos = gap.end()
        if end is not None:
            yield _Hit(PersonalDataKind.NAME, m.end(), end, _P_NAME_BY_ROLE)


# Names without a title or role cue ----------------------------------------------------


def _bare_names(text: str) -> Iterator[_Hit]:
    for start, end in bare_name_spans(text):
        yield _Hit(PersonalDataKind.NAME, start, end, _P_NAME_BARE)


def _lowercase_names(text: str) -> Iterator[_Hit]:
    for start, end in lowercase_name_spans(text):
        yield _Hit(PersonalDataKind.NAME, start, end, _P_NAME_LOWER)


def _first_names_after_verbs(text: str) -> Iterator[_Hit]:
    for start, end in first_name_after_verb_spans(text):
        yield _Hit(PersonalDataKind.NAME, start, end, _P_NAME_BARE)


# Street address ------------------------------------------------------------------------

# A house number, up to three capitalised words and a street type: "41 Tamar Road",
# "102A Union Street", "6 The Crescent", optionally after "Flat 2," or "Apartment 9,".
# The postcode, if any, is the postcode detector's. Only capitalised (or all-capitals)
# street names count: "within 3 working days" is prose, "3 Quay Street" is an address.
_STREET_TYPES = (
    r"Road|Street|Avenue|Lane|Close|Way|Drive|Crescent|Terrace|Place|Square|Gardens|Grove"
    r"|Court|Row|Hill|View|Walk|Rise|Mews|Parade|Park|Green|Quay|Wharf|Yard|Vale|Heights"
    r"|Boulevard|Broadway|Causeway|Embankment|Approach|Chase|Circus|Croft|Dene|Fields|Gate"
    r"|Meadow|Meadows|Mount|Orchard|Path|Ridge|Cottages|Villas|Mansions|Hollow|Wynd|Brow"
    r"|Rd|St|Ave|Cres|Tce|Sq|Gdns"
)
_UNIT = (
    r"(?:Flat|Apartment|Apt|Unit|Room|Suite|Studio|Maisonette|Block)\.?"
    r"[ \u00a0]+\d{1,4}[A-Za-z]?,?[ \u00a0]+"
)
_ADDRESS = re.compile(
    rf"(?:{_UNIT})?(?<![\w£$€.,:/\-])\d{{1,4}}[A-Za-z]?,?[ \u00a0]+(?P<words>(?:The[ \u00a0]+)?"
    rf"(?:(?:St\.?|[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)*)[ \u00a0]+){{0,3}})"
    rf"(?P<type>{_STREET_TYPES})\b\.?(?![\w'’])"
)
_ADDRESS_CAPITALS = re.compile(
    rf"(?<![\w£$€.,:/\-])\d{{1,4}}[A-Z]?,?[ \u00a0]+(?P<words>(?:[A-Z][A-Z'’\-]+[ \u00a0]+){{1,3}})"
    rf"(?P<type>{_STREET_TYPES.upper()})\b(?![\w'’])"
)
# "after 2 Crown Court hearings" names courts, not an address on Court Street.
_COURT_WORDS = _word_set(
    """crown magistrates magistrates' county family youth coroner's coroners appeal high
    supreme combined civil criminal juvenile justice the a"""
)
_INSTITUTION_WORDS = _word_set("police fire hospital station prison crown magistrates")


def _addresses(text: str) -> Iterator[_Hit]:
    for pattern in (_ADDRESS, _ADDRESS_CAPITALS):
        for m in pattern.finditer(text):
            words = m.group("words").split()
            street_type = m.group("type").casefold()
            if not words and street_type not in {"crescent", "green", "parade", "square"}:
                continue  # "3 Court", "5 Street": too little to be an address
            last = words[-1].casefold() if words else ""
            if street_type == "court" and (not words or last in _COURT_WORDS):
                continue
            if street_type in {"st", "park", "green", "hill", "gate"} and any(
                w.casefold() in _INSTITUTION_WORDS for w in words
            ):
                continue
            yield _Hit(PersonalDataKind.ADDRESS, m.start(), m.end(), _P_ADDRESS)


# IP address ----------------------------------------------------------------------------

_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")


def _ip_addresses(text: str) -> Iterator[_Hit]:
    for m in _IPV4.finditer(text):
        try:
            ipaddress.IPv4Address(m.group())
        except ValueError:
            continue
        yield _Hit(PersonalDataKind.IP_ADDRESS, m.start(), m.end(), _P_IP)
    if ":" not in text:
        return
    for m in _IPV6.finditer(text):
        value = m.group()
        if value.count(":") < 2 or not re.search(r"[A-Fa-f]|::", value):
            continue  # "10:30:00" is a time
        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            continue
        yield _Hit(PersonalDataKind.IP_ADDRESS, m.start(), m.end(), _P_IP)


# Bank details --------------------------------------------------------------------------

_SORT_CODE = re.compile(
    rf"\b(?:sort[ \t]*code|s/c|s\.c\.)(?:[ \t]+(?:no\b\.?|number))?[ \t]*[:#]?[ \t]*(?:is[ \t]+)?"
    rf"(?P<v>\d{{2}}[ {_DASH}]?\d{{2}}[ {_DASH}]?\d{{2}})(?!\d)",
    re.IGNORECASE,
)
_ACCOUNT = re.compile(
    r"\b(?:(?:bank[ \t]+)?account|acc(?:t|ount)?\b\.?|a/c)"
    r"(?:[ \t]+(?:no\b\.?|number|num\b\.?|#))?[ \t]*[:#]?[ \t]*(?:is[ \t]+)?"
    r"(?P<v>\d{7,10}|\d{4}[ \t]\d{4})(?![\d/])",
    re.IGNORECASE,
)
# A bare sort code and account number side by side: "20-45-77 63819204".
_SORT_AND_ACCOUNT = re.compile(
    rf"(?<![\w/])\d{{2}}[{_DASH}]\d{{2}}[{_DASH}]\d{{2}}[ \t]+\d{{8}}(?!\d)"
)


def _bank_details(text: str) -> Iterator[_Hit]:
    for pattern in (_SORT_CODE, _ACCOUNT):
        for m in pattern.finditer(text):
            yield _Hit(PersonalDataKind.BANK_ACCOUNT, m.start("v"), m.end("v"), _P_BANK)
    for m in _SORT_AND_ACCOUNT.finditer(text):
        yield _Hit(PersonalDataKind.BANK_ACCOUNT, m.start(), m.end(), _P_BANK)


_BUILTIN_DETECTORS: tuple[_Detector, ...] = (
    _emails,
    _uk_phones,
    _international_phones,
    _postcodes,
    _ni_numbers,
    _nhs_numbers,
    _dates_of_birth,
    _keyworded_references,
    _shaped_references,
    _vehicle_registrations,
    _social_media,
    _names,
    _names_by_role,
    _bare_names,
    _lowercase_names,
    _first_names_after_verbs,
    _addresses,
    _ip_addresses,
    _bank_details,
)

# What a text must contain for a detector to find anything in it: a cheap search that
# skips the detector's own patterns on the prose most notes are. Each gate is implied by
# every pattern of its detector (each needs a digit, say), so a gated screen finds exactly
# what an ungated one does; the tests hold each gate against its detector.
_DIGIT = re.compile(r"\d")
_DETECTOR_GATES: dict[_Detector, re.Pattern[str]] = {
    _emails: re.compile(r"@|[(\[]at[)\]]", re.IGNORECASE),
    _uk_phones: _DIGIT,
    _international_phones: _DIGIT,
    _postcodes: _DIGIT,
    _ni_numbers: _DIGIT,
    _nhs_numbers: _DIGIT,
    _dates_of_birth: _DIGIT,
    _keyworded_references: _DIGIT,
    _shaped_references: _DIGIT,
    _vehicle_registrations: _DIGIT,
    _addresses: _DIGIT,
    _ip_addresses: re.compile(r"[\d:]"),
    _bank_details: _DIGIT,
    _social_media: _SOCIAL_GATE,
}


# The distinct gates (most detectors share the digit gate), and for each set of them a
# text opens (a bit per gate) the detectors to run, in the usual order: worked out once,
# as every field of every vote is screened.
_DISTINCT_GATES = tuple(dict.fromkeys(_DETECTOR_GATES.values()))
_GATE_BITS = tuple((1 << bit, gate) for bit, gate in enumerate(_DISTINCT_GATES))
_DETECTORS_BY_OPEN_GATES: tuple[tuple[_Detector, ...], ...] = tuple(
    tuple(
        detector
        for detector in _BUILTIN_DETECTORS
        if detector not in _DETECTOR_GATES
        or open_gates & (1 << _DISTINCT_GATES.index(_DETECTOR_GATES[detector]))
    )
    for open_gates in range(1 << len(_DISTINCT_GATES))
)


def _detectors_for(text: str) -> tuple[_Detector, ...]:
    """The built-in detectors that could find something in ``text``, in their usual order."""
    open_gates = 0
    for bit, gate in _GATE_BITS:
        if gate.search(text):
            open_gates |= bit
    return _DETECTORS_BY_OPEN_GATES[open_gates]


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True, slots=True)
class _CompiledRules:
    extra: tuple[re.Pattern[str], ...]
    allow_exact: frozenset[str]
    allow_patterns: tuple[re.Pattern[str], ...]


def _normalise(value: str) -> str:
    return " ".join(value.split()).casefold()


@lru_cache(maxsize=32)
def _compile_rules(extra: tuple[str, ...], allow: tuple[str, ...]) -> _CompiledRules:
    """Compiled once per distinct rule set, since the same Settings screens every field."""
    allowed = tuple(a for a in allow if a.strip())
    return _CompiledRules(
        extra=tuple(re.compile(p) for p in extra),
        allow_exact=frozenset(_normalise(a) for a in allowed),
        allow_patterns=tuple(
            re.compile(r"\s+".join(re.escape(part) for part in a.split()), re.IGNORECASE)
            for a in allowed
        ),
    )


def _extra_references(text: str, patterns: tuple[re.Pattern[str], ...]) -> Iterator[_Hit]:
    for pattern in patterns:
        has_group = "ref" in pattern.groupindex
        for m in pattern.finditer(text):
            start, end = m.span("ref") if has_group else m.span()
            if start < end:
                yield _Hit(PersonalDataKind.REFERENCE_NUMBER, start, end, _P_REF_EXTRA)


def _allowed_spans(text: str, rules: _CompiledRules) -> list[tuple[int, int]]:
    return [m.span() for pattern in rules.allow_patterns for m in pattern.finditer(text)]


# --------------------------------------------------------------------------- masking


def _mask_alnum(value: str, keep_start: int = 0, keep_end: int = 0) -> str:
    """Replace letters and digits with ``*``, keeping separators so the shape is recognisable.

    Fewer than half of the letters and digits are ever left visible, whatever the caller
    asks for, so a short value cannot be read back from its excerpt.
    """
    positions = [i for i, ch in enumerate(value) if ch.isalnum()]
    budget = max(len(positions) - 1, 0) // 2
    shown_start = min(keep_start, budget)
    shown_end = min(keep_end, budget - shown_start)
    visible = set(positions[:shown_start])
    if shown_end:
        visible.update(positions[-shown_end:])
    return "".join(ch if (i in visible or not ch.isalnum()) else "*" for i, ch in enumerate(value))


def _mask_email(value: str) -> str:
    local, _, domain = value.rpartition("@")
    if not local:  # an obfuscated "name (at) example (dot) com": mask it all
        return _mask_alnum(value, keep_start=1)
    labels = domain.split(".")
    suffix = [labels.pop()]
    while len(labels) > 1 and len(labels[-1]) <= 3:  # keep ".co.uk", ".org.uk"
        suffix.insert(0, labels.pop())
    return f"{local[0]}***@{labels[0][:1]}***.{'.'.join(suffix)}"


def _mask_postcode(value: str) -> str:
    outward = value.split()[0] if " " in value.strip() else value[: len(value) - 3]
    return _mask_alnum(value, keep_start=min(3, max(len(outward) - 1, 0)))


def _mask_social(value: str) -> str:
    if value.startswith("@"):
        return "@" + _mask_alnum(value[1:], keep_start=1)
    slash = value.find("/", value.find("//") + 2 if "//" in value else 0)
    if slash == -1:
        return _mask_alnum(value, keep_start=1)
    head, path = value[: slash + 1], value[slash + 1 :]
    for marker in ("@", "in/", "add/", "u/", "user/"):
        if path.startswith(marker):
            head, path = head + marker, path[len(marker) :]
            break
    return head + _mask_alnum(path, keep_start=1)


def _mask_name(value: str) -> str:
    m = _TITLE.match(value)
    title_end = m.end() if m else 0
    rest = re.sub(
        r"[^\W_]+",
        lambda w: (
            "*" * len(w.group())
            if w.group().isdigit()
            else w.group()[0] + "*" * (len(w.group()) - 1)
        ),
        value[title_end:],
    )
    return value[:title_end] + rest


def _mask(kind: PersonalDataKind, value: str) -> str:
    """A masked excerpt: enough to find the spot in the text, never enough to read the data."""
    match kind:
        case PersonalDataKind.EMAIL:
            return _mask_email(value)
        case PersonalDataKind.PHONE:
            return _mask_alnum(value, keep_start=2)
        case PersonalDataKind.POSTCODE:
            return _mask_postcode(value)
        case PersonalDataKind.NI_NUMBER:
            return _mask_alnum(value, keep_start=2)
        case PersonalDataKind.NHS_NUMBER:
            return _mask_alnum(value, keep_end=2)
        case PersonalDataKind.DATE_OF_BIRTH:
            return _mask_alnum(value)
        case PersonalDataKind.REFERENCE_NUMBER:
            return _mask_alnum(value, keep_start=2, keep_end=2)
        case PersonalDataKind.VEHICLE_REGISTRATION:
            return _mask_alnum(value, keep_start=2)
        case PersonalDataKind.SOCIAL_MEDIA:
            return _mask_social(value)
        case PersonalDataKind.NAME | PersonalDataKind.ADDRESS:
            return _mask_name(value)
        case PersonalDataKind.IP_ADDRESS | PersonalDataKind.BANK_ACCOUNT:
            return _mask_alnum(value, keep_start=1)
    return _mask_alnum(value)  # pragma: no cover - every kind is handled above


# --------------------------------------------------------------------------- public API


def _resolve_overlaps(hits: list[_Hit]) -> list[_Hit]:
    """Keep the most specific of overlapping candidates (then the longest, then the first).

    Kept spans never overlap, so sorted by start they are also sorted by end, and a new
    candidate only has to be checked against its neighbours in that order.
    """
    starts: list[int] = []
    kept: list[_Hit] = []
    for hit in sorted(hits, key=lambda h: (-h.priority, h.start - h.end, h.start)):
        index = bisect.bisect_right(starts, hit.start)
        if index > 0 and kept[index - 1].end > hit.start:
            continue
        if index < len(kept) and kept[index].start < hit.end:
            continue
        starts.insert(index, hit.start)
        kept.insert(index, hit)
    return kept


_NO_RULES = ScreenRules()


def screen_text(
    text: str, field: str, rules: ScreenRules | None = None
) -> list[PersonalDataFinding]:
    """Every apparent piece of personal data in ``text``, sorted by position.

    ``field`` is copied into each finding so the caller can say where the text came from.
    """
    if not text:
        return []
    rules = rules or _NO_RULES
    compiled = _compile_rules(tuple(rules.extra_reference_patterns), tuple(rules.allow))
    hits = [hit for detector in _detectors_for(text) for hit in detector(text)]
    hits.extend(_extra_references(text, compiled.extra))
    hits = [h for h in hits if h.end > h.start]
    if compiled.allow_exact:
        allowed_spans = _allowed_spans(text, compiled)
        hits = [
            h
            for h in hits
            if _normalise(text[h.start : h.end]) not in compiled.allow_exact
            and not any(a <= h.start and h.end <= b for a, b in allowed_spans)
        ]
    return [
        PersonalDataFinding(
            kind=hit.kind,
            field=field,
            start=hit.start,
            end=hit.end,
            excerpt=_mask(hit.kind, text[hit.start : hit.end]),
        )
        for hit in _resolve_overlaps(hits)
    ]


def screen_fields(
    fields: Mapping[str, str], rules: ScreenRules | None = None
) -> list[PersonalDataFinding]:
    """Screen several texts at once; findings come field by field, each in text order."""
    return [finding for name, text in fields.items() for finding in screen_text(text, name, rules)]


def warm_up() -> None:
    """Load the name lists now, so the first note a member submits does not wait for them.

    The lists load once per process (about a tenth of a second); a running bot calls this
    at start, while a one-off CLI import simply pays it on its first text.
    """
    gazetteer()
