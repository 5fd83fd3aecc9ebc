"""The matching rules as tables, both ways: the same child written differently links (sure), two different children
who look alike do not (a possible match at most, for staff to decide)."""

from __future__ import annotations

import datetime as dt

import pytest

from hub import _matching
from hub._matching import Person, person, score, verdict

BASE = dict(name="William Hartley", dob="2015-03-07", postcode="EX4 6PX", gender="male")


def _p(**changes: object) -> Person:
    values = {**BASE, **changes}
    name, dob = str(values.pop("name")), values.pop("dob")
    return person(name, None if dob is None else str(dob), **values)  # type: ignore[arg-type]


SAME = [
    ("exactly the same", {}),
    ("nickname", {"name": "Bill Hartley"}),
    ("nickname and moved house", {"name": "Billy Hartley", "postcode": "TQ1 2AB"}),
    ("typo in the given name", {"name": "Willaim Hartley"}),
    ("typo in the family name", {"name": "William Hartly"}),
    ("day and month swapped", {"dob": "2015-07-03"}),
    ("a typo in the day", {"dob": "2015-03-08"}),
    ("upper case, accents and spaces", {"name": "  WILLIAM   HÁRTLEY "}),
    ("middle name given", {"name": "William James Hartley"}),
    ("moved within the district", {"postcode": "EX4 7AA"}),
    ("no postcode", {"postcode": ""}),
    ("estimated date of birth", {"dob": "2015-01-01", "dob_estimated": True}),
]


@pytest.mark.parametrize(("why", "changes"), SAME, ids=[s[0] for s in SAME])
def test_the_same_child_written_differently_is_a_sure_match(why: str, changes: dict[str, object]) -> None:
    assert verdict(score(_p(), _p(**changes))) == "sure", why
    assert verdict(score(_p(**changes), _p())) == "sure", "both ways"


def test_transliterations_are_the_same_name() -> None:
    a = person("Mohammed Khan", "2016-05-01", postcode="PL1 1AA")
    b = person("Muhammad Khan", "2016-05-01", postcode="PL1 1AA")
    assert verdict(score(a, b)) == "sure"


def test_an_alias_matches() -> None:
    a = person("Kai Morgan", "2014-02-02", postcode="TR1 1AA", aliases="Jayden")
    b = person("Jayden Morgan", "2014-02-02", postcode="TR1 1AA")
    assert verdict(score(a, b)) == "sure"


DIFFERENT = [
    ("twins with different names", {"name": "Thomas Hartley"}),
    ("twins of the other sex", {"name": "Willow Hartley", "gender": "female"}),
    ("same name, different date of birth", {"dob": "2011-10-22"}),
    ("a sibling", {"name": "Sophie Hartley", "dob": "2012-09-30", "gender": "female"}),
    ("another child in the street", {"name": "Oliver Brown", "dob": "2015-05-07"}),
]


@pytest.mark.parametrize(("why", "changes"), DIFFERENT, ids=[d[0] for d in DIFFERENT])
def test_two_different_children_alike_never_link_by_themselves(why: str, changes: dict[str, object]) -> None:
    assert verdict(score(_p(), _p(**changes))) != "sure", why
    assert verdict(score(_p(**changes), _p())) != "sure", "both ways"


def test_a_doubtful_match_goes_to_staff_and_strangers_are_nothing() -> None:
    doubtful = _p(name="Willaim Hartley", dob="2015-07-03", postcode="PL4 8AA")  # typo, swap and a move at once
    assert verdict(score(_p(), doubtful)) == "possible"
    assert verdict(score(_p(), _p(name="Thomas Hartley"))) == "none"
    assert verdict(score(_p(), _p(name="Oliver Brown", dob="2015-05-07"))) == "none"


def test_nhs_numbers_decide_both_ways() -> None:
    a = _p(nhs_number="9434765919")
    assert verdict(score(a, _p(name="Someone Else", dob="2001-01-01", nhs_number="9434765919"))) == "sure"
    assert score(a, _p(nhs_number="9434765870")) == _matching.NO_MATCH  # different numbers: different children
    assert verdict(score(a, _p())) == "sure"  # one side without a number: the other fields decide


def test_blocking_puts_variants_in_a_shared_block() -> None:
    base = set(_matching.keys(_p()))
    for _, changes in SAME:
        variant = _p(**changes)
        if variant.dob is not None and variant.dob.year == 2015:
            assert base & set(_matching.keys(variant)), changes
    assert len(base) <= 5


def test_odd_input_reads_as_missing() -> None:
    p = person("", "not a date", postcode="nowhere", nhs_number="12")
    assert (p.given, p.dob, p.postcode, p.nhs_number) == ("", None, "", "")
    assert Person.from_json(_p().as_json()) == _p()
    assert _p().dob == dt.date(2015, 3, 7)
