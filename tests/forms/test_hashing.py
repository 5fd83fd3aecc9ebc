"""Receipts pinned: known records with their content hash written down as literals, and RFC 8785's own examples.

A receipt proves what was shared by the SHA-256 of the record's canonical JSON. If the canonical form ever changed,
receipts already issued would stop matching the records they name: these vectors fail first. ``protocol`` owns the
canonical form; ``forms`` re-exports it (one function, pinned through both names).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
import rfc8785

import forms
import protocol
from forms._registry import _EARLIER_HASHES, spec_hash_matches

Hasher = Callable[[Mapping[str, Any]], str]
Canon = Callable[[Mapping[str, Any]], bytes]
BOTH_HASHES: list[Hasher] = [forms.content_hash, protocol.content_hash]
BOTH_CANON: list[Canon] = [forms.canonical_json, protocol.canonical_json]

REFERRAL = {
    "case_id": "6f1c2b1e-3a4d-4e5f-8a9b-0c1d2e3f4a5b",
    "created_at": "2026-11-30T10:00:00+00:00",
    "created_by": "Sam Carter",
    "document": {
        "child": {
            "name": "Amy Example",
            "date_of_birth": "2012-03-14",
            "nhs_number": "9434765919",
            "postcode": "TQ1 2AB",
        },
        "concerns": ["neglect", "school_attendance"],
        "forms": [
            {
                "form_id": "sn_referral",
                "form_version": 1,
                "answers": {
                    "attendance_pct": 71.5,
                    "siblings": 2,
                    "seen_alone": True,
                    "notes": "Zoë said “not today”.\nSecond line",
                },
            }
        ],
        "level_of_need": 3,
        "consent": None,
    },
    "local_authority": {"code": "E06000027", "key": "torbay", "name": "Torbay"},
}
RESPONSE = {
    "form_id": "gp_response",
    "form_version": 1,
    "request_id": "0b6c3f7e-1d2a-4b3c-9d4e-5f6a7b8c9d0e",
    "spec_hash": "241a683d36397b15999e0f8e5155b9ae709e7814177aa1b514f61c65d1daf12a",
    "submitted_at": "2026-11-30T10:00:00+00:00",
    "answers": {"known": "yes", "ae_attendances": 4, "summary": "Seen 3 times; mum anxious — follow up"},
    "overrides": {},
}
# Issued before RFC 8785 (Python's json.dumps, sorted and compact): for records like these (no float written with
# ".0" or an exponent, no key beyond U+FFFF) RFC 8785 gives the same bytes, so these receipts still verify.
GOLDEN = [
    (REFERRAL, "d6d10934162b882338dcf669d2c9a685e534e96e7d9eecf7caeccbf9efb921cb"),
    (RESPONSE, "637a1fcbd316a7d219af1b18421c7988b5332f37394074d1a0c607e3086f57a4"),
]
# RFC 8785 section 3.2.2.3 and 3.2.3: numbers as ECMAScript writes them, keys in UTF-16 code-unit order.
CANONICAL = [
    (
        {"a": 1.0, "b": 1e21, "c": 1e-7, "d": -0.0, "e": 0.000001, "f": 333333333.33333329},
        '{"a":1,"b":1e+21,"c":1e-7,"d":0,"e":0.000001,"f":333333333.3333333}',
    ),
    (
        {
            "\u20ac": "Euro",
            "\r": "CR",
            "\ufb33": "Dalet",
            "1": "One",
            "\U0001f600": "Emoji",
            "\u0080": "Ctl",
            "\u00f6": "o",
        },
        '{"\\r":"CR","1":"One","\u0080":"Ctl","\u00f6":"o","\u20ac":"Euro","\U0001f600":"Emoji","\ufb33":"Dalet"}',
    ),
    ({"s": 'tab\there "quoted" \\ \u2028 \x7f \x01'}, '{"s":"tab\\there \\"quoted\\" \\\\ \u2028 \x7f \\u0001"}'),
]
SPEC_HASHES = {
    ("case_note", 1): "4c23100e42d671347d7cfaa1ffa0730b956f42688231055aabfea2e78ab7b12c",
    ("case_note", 2): "431e4397283255a52b53b990018543288af1856d699bb193b1fdc469cb733422",
    ("gp_response", 1): "af4c98bfac4ad9064726fe76ebee34280434ecf6a3d9055feb7a0cb3340b88a1",
    ("hv_concern", 1): "4c413900ce737363b2f2d815ef5334eddc271eb6cb253f9dac2334db66bdb86e",
    ("sn_referral", 1): "36d9c1ff91ad475e29fc56c4b671db0134c6caf4c4bef66fc0b0b609045ed546",
    ("team_response", 1): "5e7a6789324d256c64892b900a7536573a57f97ed8e0944da34cfeea393891c5",
}


@pytest.mark.parametrize("hasher", BOTH_HASHES)
@pytest.mark.parametrize(("record", "expected"), GOLDEN)
def test_receipts_already_issued_still_verify(hasher: Hasher, record: dict[str, Any], expected: str) -> None:
    assert hasher(record) == expected


@pytest.mark.parametrize("canon", BOTH_CANON)
@pytest.mark.parametrize(("value", "expected"), CANONICAL)
def test_canonical_json_is_rfc8785(canon: Canon, value: dict[str, Any], expected: str) -> None:
    assert canon(value) == expected.encode("utf-8")
    assert canon(value) == rfc8785.dumps(value)


@pytest.mark.parametrize("canon", BOTH_CANON)
@pytest.mark.parametrize("bad", [{"x": float("nan")}, {"x": float("inf")}, {"x": 2**53}, {"x": "\ud800"}])
def test_what_jcs_cannot_hold_is_never_hashed(canon: Canon, bad: dict[str, Any]) -> None:
    with pytest.raises(rfc8785.CanonicalizationError):
        canon(bad)


@pytest.mark.parametrize(("key", "expected"), SPEC_HASHES.items())
def test_spec_hashes_are_pinned(key: tuple[str, int], expected: str) -> None:
    """A form's identity: a change here would make every form filled in against it a "different copy"."""
    spec = forms.load_spec(*key)
    assert forms.spec_hash(spec) == expected
    assert spec_hash_matches(spec, expected)


@pytest.mark.parametrize(("key", "earlier"), _EARLIER_HASHES.items())
def test_a_form_hashed_before_rfc8785_still_names_its_spec(key: tuple[str, int], earlier: frozenset[str]) -> None:
    spec = forms.load_spec(*key)
    assert all(spec_hash_matches(spec, value) for value in earlier)
    assert not spec_hash_matches(spec, "0" * 64)
    assert not spec_hash_matches(forms.load_spec("case_note", 1), next(iter(earlier)))


def test_forms_and_the_protocol_share_one_canonical_form() -> None:
    assert forms.canonical_json is protocol.canonical_json
    assert forms.content_hash is protocol.content_hash
