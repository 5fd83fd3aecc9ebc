"""Is this the same child? The matching rules, pure: normalising, blocking keys and a Fellegi-Sunter style score.

A referral names a child by name, date of birth, postcode and (when known) NHS number. With an NHS number on both
sides the number decides. Without, each field is compared at a few levels, and each level adds (agreement) or takes
away (disagreement) a weight, roughly log2(m/u): how much likelier the level is for the same child than for two
different children. The sum is compared with two thresholds: at or above ``SURE`` the item links by itself, from
``POSSIBLE`` up to it staff decide, below it the child is someone new.

- Given names: the same after the nickname table (``hub._nicknames``: Bill/William, Peggy/Margaret, transliterations
  such as Mohammed/Muhammad), a typo (one edit in a name of four letters or more, or Jaro-Winkler >= 0.94), or the
  same phonetic key (metaphone or NYSIIS); anything else counts against. Aliases on either side are tried too.
- Family names: the same (any part of a double-barrelled name), a typo, or the same phonetic key.
- Dates of birth: the same; day and month swapped; one part different (a typo); within a year when either date is
  estimated; anything else counts strongly against.
- Postcodes: the same, the same sector, the same district; a different one counts only a little against (families
  move). Gender, when both sides give it and they differ, counts strongly against.

Blocking keys (``keys``) name the small groups worth comparing, so a match is never a scan of everything: the NHS
number; family-name sound + birth year; given-name (canonical) sound + date of birth with day and month in order
(so a swap lands in the same block); postcode district + that date; family-name sound + postcode. Rapidfuzz and
jellyfish do the string comparisons.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Final

import jellyfish
from rapidfuzz.distance import OSA, JaroWinkler

from hub._nicknames import canonical

SURE: Final = 20.0
POSSIBLE: Final = 14.0
NO_MATCH: Final = -100.0

_LETTERS: Final = re.compile(r"[^a-z' -]")
_POSTCODE: Final = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9])([A-Z]{2})$")


@dataclass(frozen=True)
class Person:
    """A child as one item names them, normalised (``person`` builds one from raw values)."""

    given: str = ""
    family: str = ""
    dob: dt.date | None = None
    dob_estimated: bool = False
    postcode: str = ""  # "TQ1 2AB", or ""
    nhs_number: str = ""  # ten digits, or ""
    gender: str = ""
    aliases: tuple[str, ...] = field(default_factory=tuple)  # other given names (normalised)

    def as_json(self) -> dict[str, object]:
        return {
            "given": self.given,
            "family": self.family,
            "dob": self.dob.isoformat() if self.dob else None,
            "dob_estimated": self.dob_estimated,
            "postcode": self.postcode,
            "nhs_number": self.nhs_number,
            "gender": self.gender,
            "aliases": list(self.aliases),
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Person:
        dob = data.get("dob")
        aliases = data.get("aliases")
        return cls(
            given=str(data.get("given") or ""),
            family=str(data.get("family") or ""),
            dob=dt.date.fromisoformat(dob) if isinstance(dob, str) else None,
            dob_estimated=data.get("dob_estimated") is True,
            postcode=str(data.get("postcode") or ""),
            nhs_number=str(data.get("nhs_number") or ""),
            gender=str(data.get("gender") or ""),
            aliases=tuple(str(a) for a in aliases) if isinstance(aliases, list) else (),
        )


def _fold(text: str) -> str:
    """Lower case, accents taken off, only letters, spaces, hyphens and apostrophes kept."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(_LETTERS.sub(" ", plain).replace("'", "").split())


def split_name(full: str) -> tuple[str, str]:
    """(given, family) from a full name: the first word and the last (hyphens join a double-barrelled name)."""
    words = _fold(full).split()
    if not words:
        return "", ""
    if len(words) == 1:
        return words[0], ""
    return words[0].replace("-", ""), words[-1]


def normal_postcode(raw: str) -> str:
    match = _POSTCODE.match(" ".join(raw.upper().split()))
    return f"{match[1]} {match[2]}{match[3]}" if match else ""


def person(
    name: str,
    dob: str | None = None,
    *,
    dob_estimated: bool = False,
    postcode: str = "",
    nhs_number: str = "",
    gender: str = "",
    aliases: str = "",
) -> Person:
    """A ``Person`` from the raw values a form holds; never raises on odd input (it reads as missing)."""
    given, family = split_name(name)
    try:
        born = dt.date.fromisoformat(dob[:10]) if dob else None
    except ValueError:
        born = None
    digits = "".join(c for c in nhs_number if c.isdigit())
    others = tuple(split_name(a)[0] for a in re.split(r"[,;/]", aliases) if split_name(a)[0])
    return Person(
        given=given,
        family=family,
        dob=born,
        dob_estimated=dob_estimated,
        postcode=normal_postcode(postcode),
        nhs_number=digits if len(digits) == 10 else "",
        gender=gender.strip().lower()[:20],
        aliases=tuple(a for a in others if a != given),
    )


# -- blocking ----------------------------------------------------------------------------------------------------
def _sound(name: str) -> str:
    return jellyfish.nysiis(name.replace("-", "")) if name else ""


def _dob_key(dob: dt.date) -> str:
    low, high = sorted((dob.month, dob.day))
    return f"{dob.year}-{low:02d}-{high:02d}"


def _district(postcode: str) -> str:
    return postcode.split(" ")[0] if postcode else ""


BROAD: Final = "f:"  # the family-name-and-year block: wide, so read last (hub._linking.candidates)


def keys(p: Person) -> list[str]:
    """The blocks this person falls in (at most five short strings), narrowest first, the broad one last."""
    out: list[str] = []
    if p.nhs_number:
        out.append(f"n:{p.nhs_number}")
    family = _sound(p.family.split("-")[-1]) if p.family else ""
    if p.given and p.dob:
        out.append(f"g:{_sound(canonical(p.given))}:{_dob_key(p.dob)}")
    if p.postcode and p.dob:
        out.append(f"d:{_district(p.postcode)}:{_dob_key(p.dob)}")
    if family and p.postcode:
        out.append(f"p:{family}:{p.postcode}")
    if family and p.dob:
        out.append(f"{BROAD}{family}:{p.dob.year}")
    return out


# -- comparing ---------------------------------------------------------------------------------------------------
def _typo(a: str, b: str) -> bool:
    return (min(len(a), len(b)) >= 4 and OSA.distance(a, b) <= 1) or JaroWinkler.similarity(a, b) >= 0.94


def _phonetic(a: str, b: str) -> bool:
    return jellyfish.metaphone(a) == jellyfish.metaphone(b) or jellyfish.nysiis(a) == jellyfish.nysiis(b)


def given_weight(a: Person, b: Person) -> float:
    if not a.given or not b.given:
        return 0.0
    best = -6.0
    for x in (a.given, *a.aliases):
        for y in (b.given, *b.aliases):
            if x == y or canonical(x) == canonical(y):
                return 6.0
            if _typo(x, y):
                best = max(best, 4.0)
            elif _phonetic(x, y):
                best = max(best, 2.0)
    return best


def family_weight(a: Person, b: Person) -> float:
    if not a.family or not b.family:
        return 0.0
    if a.family == b.family:
        return 7.0
    parts_a, parts_b = set(a.family.split("-")), set(b.family.split("-"))
    if parts_a & parts_b:
        return 6.0
    x, y = a.family.replace("-", ""), b.family.replace("-", "")
    if _typo(x, y):
        return 4.0
    if _phonetic(x, y):
        return 3.0
    return -6.0


def dob_weight(a: Person, b: Person) -> float:
    x, y = a.dob, b.dob
    if x is None or y is None:
        return 0.0
    if x == y:
        return 9.0
    if (x.year, x.month, x.day) == (y.year, y.day, y.month):
        return 6.0
    same = (x.year == y.year) + (x.month == y.month) + (x.day == y.day)
    if same == 2:
        return 4.0
    if (a.dob_estimated or b.dob_estimated) and abs((x - y).days) <= 366:
        return 4.0
    return -9.0


def postcode_weight(a: Person, b: Person) -> float:
    if not a.postcode or not b.postcode:
        return 0.0
    if a.postcode == b.postcode:
        return 3.0
    if a.postcode[:-2] == b.postcode[:-2]:
        return 2.0
    if _district(a.postcode) == _district(b.postcode):
        return 1.0
    return -1.0


def gender_weight(a: Person, b: Person) -> float:
    known = {"male", "female"}
    if a.gender in known and b.gender in known and a.gender != b.gender:
        return -8.0
    return 0.0


def score(a: Person, b: Person) -> float:
    """How sure we are that ``a`` and ``b`` are one child (see the module docstring); NHS numbers decide first."""
    if a.nhs_number and b.nhs_number:
        return 100.0 if a.nhs_number == b.nhs_number else NO_MATCH
    return given_weight(a, b) + family_weight(a, b) + dob_weight(a, b) + postcode_weight(a, b) + gender_weight(a, b)


def verdict(value: float) -> str:
    """ "sure", "possible" or "none" for a score."""
    if value >= SURE:
        return "sure"
    if value >= POSSIBLE:
        return "possible"
    return "none"
