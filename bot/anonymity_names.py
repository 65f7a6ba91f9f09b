"""Finding people's names that carry no title: "Sarah Jones was assaulted by Mark Thompson".

Hand redaction most often leaves bare names behind, and a bare name has no keyword or
shape of its own, so this detector works from the name gazetteer (bot/name_gazetteer.py):

* a run of capitalised words ("Ruth Carey-Hall", "Hannah M. Doyle", "Owen Pryce's") is a
  name when it starts with a first name and goes on with a name-like word, or when an
  unknown word is followed by a known surname ("Bartosz Nowak");
* a first name that is also an ordinary word ("Will", "May", "Grace") counts only before a
  known surname ("Mark Thompson" yes, "May Day" no);
* a line in capitals ("SUSPECT: LIAM BRENNAN") is read the same way, but only from a
  known first name, since capitals are full of acronyms;
* a first name on its own counts after a verb that takes a person ("the OIC spoke to
  Amanda", "officers arrested Kieran"), where a capitalised word can hardly be anything
  else;
* lower-case names count only where a role word introduces them ("the witness, ellen
  marsh," or "his son, theo,"), since ordinary lower-case prose is full of words that are
  somebody's first name somewhere in the world.

Case language is full of capitalised words that are never names: agencies, courts, orders,
statutes, roles, streets, days and months. They are in ``CASE_WORDS`` and end a run, so
"Exeter Crown Court" or "the Victim Liaison Officer" never reach the name rules.

Pure functions over text: spans out, nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.name_gazetteer import Gazetteer, gazetteer

__all__ = ["CASE_WORDS", "bare_name_spans", "first_name_after_verb_spans", "lowercase_name_spans"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Capitalised words of case language that are never part of a person's name.
CASE_WORDS = _words(
    """
    the a an and or of in on at to for with by from as is was were be been has had have
    this that these those then than also not no yes it its he she they his her their our
    we you i after before during when while until since following between about above
    all any each every some other another only first second third last next new old
    mr mrs ms miss mx dr prof sir dame lord lady rev revd
    police constabulary force crown court courts magistrates magistrates' prosecution
    prosecutor prosecutors service services probation justice criminal youth offending
    team teams unit units officer officers support care witness witnesses victim victims
    victims' witness' liaison contact scheme schemes code codes right rights review
    panel panels board boards trust trusts council councils authority authorities
    foundation foundations charity charities hospice fund institute society
    agency agencies commission commissioner commissioner's department office home
    ministry government national regional local county city borough district parish
    independent domestic violence abuse sexual advisor adviser advocate advocates
    caseworker coordinator manager lead head chief deputy assistant senior principal
    detective constable sergeant inspector superintendent commander officer-in-charge
    duty control room hub desk centre center hospital surgery practice clinic station
    prison prisons custody remand bail charge charged charging decision decisions
    protection order orders notice notices injunction act acts law laws bill section
    sections schedule regulation regulations rule rules guidance guideline guidelines
    harassment stalking crime crimes offence offences disorder public private serious
    organised assault battery damage fraud theft burglary robbery hate racially
    religiously aggravated threatening behaviour coercive controlling conduct
    multi-agency risk assessment assessments conference conferences marac mappa
    referral referrals centre sarc intermediary intermediaries registered special
    measures hearing hearings trial trials plea pleas preparation sentence sentencing
    sentenced appeal appeals tribunal tribunals tribunal's conviction acquittal
    injuries compensation restorative helpline line lines number numbers
    statement statements personal impact information leaflet letter letters email
    emails call calls report reports reported log logs record records file files
    case cases category categories finding findings outcome outcomes summary timeline
    meeting meetings agenda minutes note notes action actions plan plans
    his her honour honor judge judges recorder recorders justices clerk legal bench
    district deputy high royal hm hmp hmcts hmpps yoi king's queen's crown's
    citizens advice housing health mental adolescent adult adults child children
    children's family families school schools college university education social
    safeguarding neighbourhood neighbourhoods response patrol investigation
    investigations investigating investigator public-protection community
    operation operations encompass vulnerable vulnerability early help
    north south east west northern southern eastern western central mid upper lower
    greater inner outer new old saint st great little
    street road avenue lane close way drive crescent terrace place square gardens
    grove row hill view walk rise mews parade park green quay wharf yard vale heights
    boulevard broadway causeway embankment approach chase circus croft dene fields
    gate meadow meadows mount orchard path ridge cottages villas buildings mansions
    estate flat flats apartment apartments house court's bridge
    january february march april may june july august september october november
    december monday tuesday wednesday thursday friday saturday sunday christmas easter
    eve day days week weeks month months year years bank holiday good boxing new
    morning afternoon evening night today yesterday tomorrow
    male female man woman men women boy girl boys girls person people baby infant
    suspect suspects defendant defendants offender offenders perpetrator complainant
    partner ex-partner husband wife son daughter mother father brother sister friend
    neighbour colleague carer lodger stranger
    english welsh scottish irish british polish romanian lithuanian latvian bulgarian
    portuguese spanish italian french german russian ukrainian turkish kurdish arabic
    urdu punjabi bengali farsi pashto tigrinya gujarati tamil somali chinese
    interpreter interpreters language languages
    whatsapp snapchat instagram facebook tiktok twitter youtube telegram signal
    google apple microsoft iphone android
    sergeant's inspector's officer's victim's suspect's defendant's
    uk gb england wales scotland ireland britain europe
    """
)

_TOKEN = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
_SPACE = frozenset(" \u00a0")


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int  # end of the word itself, a possessive 's excluded
    word: str
    possessive: bool
    initial: bool  # a single capital, optionally with a full stop: "M." in "Hannah M. Doyle"


def _tokens(text: str, pos: int = 0, endpos: int | None = None) -> list[_Token]:
    tokens: list[_Token] = []
    for m in _TOKEN.finditer(text, pos, len(text) if endpos is None else endpos):
        word = m.group()
        possessive = bool(_POSSESSIVE.search(word)) and len(word) > 2
        if possessive:
            word = word[:-2]
        initial = len(word) == 1 and word.isupper()
        tokens.append(_Token(m.start(), m.start() + len(word), word, possessive, initial))
    return tokens


def _title(word: str) -> bool:
    """Title-case in any of the ways names are written: "Doyle", "McAllister", "O'Neill"."""
    return word[0].isupper() and any(map(str.islower, word))  # map: no frame per letter


def _capitals(word: str) -> bool:
    return len(word) >= 2 and word.isupper()


def _joined(text: str, left: _Token, right: _Token) -> bool:
    """Whether two tokens sit in one name: one space apart, or after an initial's stop."""
    if left.possessive:
        return False
    gap = text[left.end : right.start]
    if left.initial and gap.startswith("."):
        gap = gap[1:]
    return len(gap) == 1 and gap in _SPACE


def _case_word(word: str) -> bool:
    return word.casefold() in CASE_WORDS


def _common(word: str, names: Gazetteer) -> bool:
    """An everyday English word that is not also somebody's surname or first name."""
    folded = word.casefold()
    return folded in names.ambiguous_first or (
        folded in names.ambiguous_surnames and folded not in names.first
    )


def _runs(text: str, tokens: list[_Token], shape: str) -> Iterator[list[_Token]]:
    """Maximal runs of adjacent capitalised (or all-capitals) tokens that are not case words."""
    run: list[_Token] = []
    for token in tokens:
        fits = (
            (token.initial or _title(token.word))
            if shape == "title"
            else _capitals(token.word) or token.initial
        ) and not _case_word(token.word)
        if fits and run and _joined(text, run[-1], token):
            run.append(token)
            continue
        if len(run) >= 2:
            yield run
        run = [token] if fits else []
    if len(run) >= 2:
        yield run


def _starts_name(first: _Token, second: _Token, names: Gazetteer, capitals: bool) -> bool:
    word, other = first.word, second.word
    if names.is_clear_first(word):
        if capitals:  # "LIAM BRENNAN": the second word must not be an acronym
            return names.is_surname(other) or (len(other) >= 3 and not _common(other, names))
        return not _common(other, names) or names.is_surname(other)
    if names.is_first(word):  # "Mark Thompson", but not "May Day"
        return names.is_surname(other) and other.casefold() not in names.hand_ambiguous_surnames
    if capitals or len(word) < 3 or _common(word, names):
        return False
    return names.is_clear_surname(other)  # "Bartosz Nowak"


def _name_spans_in_run(
    run: list[_Token], names: Gazetteer, capitals: bool
) -> Iterator[tuple[int, int]]:
    index = 0
    while index < len(run) - 1:
        first = run[index]
        if first.initial:
            index += 1
            continue
        following = index + 1
        while following < len(run) and run[following].initial:
            following += 1
        if following >= len(run) or not _starts_name(first, run[following], names, capitals):
            index += 1
            continue
        end = following
        # Further surname parts: "Mary Ann Smith", "Aled Price Jones".
        while (
            end + 1 < len(run)
            and end - index < 3
            and not run[end].possessive
            and (names.is_surname(run[end + 1].word) or not _common(run[end + 1].word, names))
        ):
            end += 1
        yield first.start, run[end].end
        index = end + 1


# Words that make the capitalised words before them a place or an institution: "Newton
# Abbot Magistrates' Court", "Milton Keynes Hospital", "Stanley Park Road".
_PLACE_FOLLOWER = re.compile(
    r"[ \u00a0]+(?:Crown|Magistrates|County|Youth|Family|Combined|Court|Courts|Police|Station"
    r"|Hospital|Prison|Custody|Airport|University|College|School|Academy|Library|Church"
    r"|Cathedral|Town|City|Village|Borough|Council|Centre|Center|Road|Street|Avenue|Lane"
    r"|Way|Drive|Close|Crescent|Terrace|Square|Park|Estate|Services|Service|District"
    r"|Health|Community|Leisure|Retail|Shopping|Railway|Bus|Trust|Foundation|Charity"
    r"|Hospice|Fund|Institute|Society)\b"
)
# Charities and schemes named after a person, which case notes mention by that name alone.
_NAMED_ORGANISATIONS = frozenset({"marie curie", "suzy lamplugh", "lucy faithfull"})


# Two or more words starting with a capital, next to each other: the only places a bare
# name can be. Finding them with one regex first keeps the word-by-word work to a few
# per cent of a narrative (Latin Extended capitals are over-included; _runs re-checks).
_CAPITAL_START = r"[A-Z\u00c0-\u00de\u0100-\u024f]"
_CANDIDATE_RUN = re.compile(
    rf"{_CAPITAL_START}[^\W\d_]*(?:['’\-][^\W\d_]+)*"
    rf"(?:\.?[ \u00a0]{_CAPITAL_START}[^\W\d_]*(?:['’\-][^\W\d_]+)*)+"
)


def bare_name_spans(text: str) -> Iterator[tuple[int, int]]:
    """Spans of names written without a title, in capitalised words or in capitals."""
    names = gazetteer()
    for candidate in _CANDIDATE_RUN.finditer(text):
        yield from _bare_names_in(text, _tokens(text, candidate.start(), candidate.end()), names)


def _bare_names_in(text: str, tokens: list[_Token], names: Gazetteer) -> Iterator[tuple[int, int]]:
    for shape in ("title", "capitals"):
        for run in _runs(text, tokens, shape):
            for start, end in _name_spans_in_run(run, names, capitals=shape == "capitals"):
                if shape == "title" and _PLACE_FOLLOWER.match(text, end):
                    continue
                if " ".join(text[start:end].casefold().split()) in _NAMED_ORGANISATIONS:
                    continue
                if names.is_place(text[start:end]):  # "moved to Newton Abbot"
                    continue
                yield start, end


# Lower-case names are only trusted after a role word: "the witness, ellen marsh,".
# Both detectors below start from the rare word that is a first name and only then look
# back for the role word or verb: scanning prose for the long alternations themselves would
# cost more than the rest of the screen together.
_ROLE_BEFORE = re.compile(
    r"\b(?:(?:ex|former)[\s-]?)?(?:witness|victim|suspect|defendant|offender|complainant"
    r"|perpetrator|partner|husband|wife|boyfriend|girlfriend|fianc[ée]e?|son|daughter"
    r"|step-?son|step-?daughter|mother|father|mum|dad|brother|sister|cousin|aunt|uncle"
    r"|nephew|niece|grandmother|grandfather|grandson|granddaughter|neighbour|friend"
    r"|colleague|carer|lodger|flatmate|child|named|called|officer|oic)"
    r"[ \t\u00a0]*,?[ \t\u00a0]+$",
    re.IGNORECASE,
)
_LOOK_BACK = 40
_LOWER_WORD = re.compile(r"(?<![\w'’\-])[a-z][a-z'’\-]+")
_NEXT_LOWER_WORD = re.compile(r"[ \t\u00a0]+([a-z][a-z'’\-]+)")
_APPOSITION_END = re.compile(r"[ \t\u00a0]*[,)]|[ \t\u00a0]*\.(?:\s|$)|[ \t\u00a0]*$")


def lowercase_name_spans(text: str) -> Iterator[tuple[int, int]]:
    """Lower-case names that a role word introduces: "the witness, ellen marsh,"."""
    names = gazetteer()
    clear_first = names.clear_first
    # Lower-case words are their own case-folded forms, so the sets are asked directly; and
    # most notes have no lower-case first name at all, which one set operation settles.
    if clear_first.isdisjoint(_LOWER_WORD.findall(text)):
        return
    for m in _LOWER_WORD.finditer(text):
        first = m.group()
        if first not in clear_first or first in CASE_WORDS:
            continue
        if not _ROLE_BEFORE.search(text, max(0, m.start() - _LOOK_BACK), m.start()):
            continue
        following = _NEXT_LOWER_WORD.match(text, m.end())
        last = following.group(1) if following else ""
        # "ellen marsh": a known surname, or any uncommon word closed off by a comma.
        if (
            following
            and not _case_word(last)
            and (
                names.is_surname(last)
                or (not _common(last, names) and _APPOSITION_END.match(text, following.end()))
            )
        ):
            yield m.start(), following.end()
        elif _APPOSITION_END.match(text, m.end()):  # "his son, theo, was..."
            yield m.start(), m.end()


# A first name on its own, after a verb whose object is a person: "spoke to Amanda".
_VERB_BEFORE = re.compile(
    r"\b(?i:(?:spoke|speaking|talked|talking|wrote|writing|texted|messaged|emailed|replied"
    r"|explained|apologised|apologized|lied|sent\s+it|handed\s+it)\s+to"
    r"|told|asked|called|rang|phoned|texted|messaged|contacted|interviewed|arrested|charged"
    r"|informed|updated|visited|met|followed|threatened|assaulted|punched|kicked|pushed"
    r"|grabbed|stalked|harassed|attacked|strangled|warned|accompanied|reassured|blamed"
    r"|reminded|thanked)[ \t\u00a0]+$"
)
_CAPITALISED_WORD = re.compile(r"(?<=[ \t\u00a0])[A-Z][a-z]+(?:['’\-][A-Z]?[a-z]+)*(?![\w'’\-])")
_NEXT_CAPITAL = re.compile(r"[ \u00a0]+[A-Z]")


def first_name_after_verb_spans(text: str) -> Iterator[tuple[int, int]]:
    """A clear first name standing alone after a verb that takes a person."""
    names = gazetteer()
    for m in _CAPITALISED_WORD.finditer(text):
        word = m.group()
        if _case_word(word) or not names.is_clear_first(word) or names.is_place(word):
            continue
        if _NEXT_CAPITAL.match(text, m.end()):
            continue  # "Marek Zielinski": the run rules already judged the whole name
        if _VERB_BEFORE.search(text, max(0, m.start() - _LOOK_BACK), m.start()):
            yield m.start(), m.end()
