"""The referral builder and the postcode -> local authority routing table."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from forms import (
    EXAMPLE_TODAY,
    LocalAuthority,
    ReferralError,
    SpecError,
    build_referral,
    clean_answers,
    content_hash,
    example_answers,
    load_routing_table,
    load_spec,
    referral_issues,
    route,
    route_postcode,
    spec_hash,
    validate_record,
)
from tests.forms._helpers import edit

CASE_ID = "0193c1f4-3b5e-7cc2-8a1b-6f2d3e4a5b6c"
FORM_ID = "0193c1f4-3b5e-7cc2-8a1b-000000000001"
CASE = {"child_name": "Amy Example", "date_of_birth": "2021-03-14", "nhs_number": "9990000018", "postcode": "TQ1 2AB"}
AT = dt.datetime(2026, 11, 30, 10, 30, tzinfo=dt.UTC)


def submitted(form_id: str = "hv_concern", record_id: str = FORM_ID, **changes: Any) -> dict[str, Any]:
    spec = load_spec(form_id)
    answers = clean_answers(spec, edit(example_answers(form_id), changes), today=EXAMPLE_TODAY)
    return {"record_id": record_id, "form_id": form_id, "form_version": spec.version, "spec_hash": spec_hash(spec),
            "answers": answers, "submitted_at": "2026-11-30T10:20:00+00:00"}  # fmt: skip


def build(**kwargs: Any) -> Any:
    args: dict[str, Any] = {"case_id": CASE_ID, "case": CASE, "forms": [submitted()], "created_by": "Sam Carter",
                            "created_at": AT}  # fmt: skip
    return build_referral(**{**args, **kwargs})


@pytest.mark.parametrize(
    ("postcode", "status", "authority"),
    [
        ("TQ1 2AB", "routed", "Torbay Council"),
        ("tq5 9zz", "routed", "Torbay Council"),
        ("TQ12 1AA", "routed", "Devon County Council"),
        ("EX4 4QJ", "routed", "Devon County Council"),
        ("PL1 2AA", "routed", "Plymouth City Council"),
        ("PL19 8AA", "routed", "Devon County Council"),
        ("TR1 1AA", "routed", "Cornwall Council"),
        ("PL14 3AA", "routed", "Cornwall Council"),
        ("TR21 0AA", "routed", "Council of the Isles of Scilly"),
        ("PL9 0AA", "choose", None),  # Plymstock (Plymouth) and Wembury (Devon) share PL9
        ("EX22 6AA", "choose", None),  # Holsworthy: Devon, with Cornish villages
        ("SW1A 1AA", "unknown_area", None),
        ("not a postcode", "invalid_postcode", None),
        (None, "invalid_postcode", None),
    ],
)
def test_routing(postcode: Any, status: str, authority: str | None) -> None:
    routing = route(postcode)
    assert routing.status == status
    assert (routing.authority.name if routing.authority else None) == authority
    assert route_postcode(postcode) == routing.authority
    assert routing.candidates  # there is always someone to offer
    if status == "choose":
        assert 1 < len(routing.candidates) < len(load_routing_table().authorities)


def test_the_bundled_table_covers_the_four_authorities() -> None:
    names = {a.name for a in load_routing_table().authorities}
    assert {"Devon County Council", "Torbay Council", "Plymouth City Council", "Cornwall Council"} <= names


def test_an_administrator_table_replaces_the_bundled_one_and_a_sector_beats_its_district() -> None:
    table = load_routing_table(
        {
            "version": "local-1",
            "authorities": [
                {"code": "E06000026", "key": "plymouth", "name": "Plymouth City Council"},
                {"code": "E10000008", "key": "devon", "name": "Devon County Council"},
            ],
            "areas": {"PL9": ["plymouth"], "PL9 0": ["devon"]},
        }
    )
    assert route_postcode("PL9 0AA", table) == table.authority("devon")
    assert route_postcode("PL9 7AA", table) == table.authority("plymouth")
    assert route("TQ1 2AB", table).status == "unknown_area"


@pytest.mark.parametrize(
    ("table", "why"),
    [
        ({"version": "x", "authorities": [], "areas": {"PL9": ["plymouth"]}}, r"PL9: unknown or no authority"),
        ({"version": "x", "authorities": [{"code": "bad", "key": "p", "name": "P"}], "areas": {}},
         r"authorities\.0\.code\n  String should match pattern"),
        ("{not json", r"Invalid JSON"),
    ],
)  # fmt: skip
def test_a_broken_table_is_refused(table: Any, why: str) -> None:
    with pytest.raises(SpecError, match=r"^routing table: (?s:.*)" + why):
        load_routing_table(table)


def test_a_referral_is_built_routed_hashed_and_summarised() -> None:
    referral = build()
    assert referral.local_authority.name == "Torbay Council"
    assert referral.level_of_need == 4
    assert referral.form_record_ids == (FORM_ID,)
    assert referral.content_hash == content_hash(referral.document)
    assert referral.summary.splitlines()[0] == "Referral to Torbay Council: level 4 (child protection)."
    assert "NHS number 999 000 0018" in referral.summary
    assert "Child 1 - Child's full name: Amy Example" in referral.summary
    assert len(referral.summary) < 4_000  # a minute's reading
    assert validate_record("referral", referral.model_dump(mode="json")) == []
    assert build() == referral  # the same inputs give the same document and hash


def test_the_hash_is_byte_for_byte_the_protocol_hash() -> None:
    from forms import canonical_json
    from protocol import canonical_json as protocol_json
    from protocol import content_hash as protocol_hash

    referral = build()
    assert protocol_hash(referral.document) == referral.content_hash
    odd = {"ñame": "Zoë", "b": [1.5, None, True], "a": {"z": 1, "y": "\u2028"}}
    assert canonical_json(odd) == protocol_json(odd)


def test_any_change_to_the_document_is_caught() -> None:
    record = build().model_dump(mode="json")
    tampered = {**record, "document": {**record["document"], "level_of_need": 3}}
    assert validate_record("referral", tampered)[0].code == "value_error"
    relabelled = {**record, "summary": "Nothing to see."}
    assert validate_record("referral", relabelled)[0].code == "value_error"


def test_the_user_chooses_the_authority_when_the_postcode_does_not_decide() -> None:
    case = {**CASE, "postcode": "PL9 0AA"}
    with pytest.raises(ReferralError) as caught:
        build(case=case)
    assert [i.code for i in caught.value.issues] == ["choose_local_authority"]
    devon = next(a for a in route("PL9 0AA").candidates if a.key == "devon")
    assert build(case=case, local_authority=devon).local_authority.key == "devon"
    chosen = LocalAuthority(code="E06000052", key="cornwall", name="Cornwall Council")
    assert build(local_authority=chosen).local_authority.name == "Cornwall Council"  # the user's choice wins


EARLY_HELP = {"level_of_need": "2", "referral_decision": "early_help"}


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"forms": []}, "no_forms"),
        ({"forms": [submitted("case_note")]}, "no_referral_form"),
        ({"forms": [submitted(**{"level_of_need": "1", "referral_decision": "early_help"})]}, "no_referral_at_level_1"),
        ({"forms": [submitted(referral_decision="advice_only")]}, "decided_not_to_refer"),
        ({"forms": [submitted(immediate_danger=True)]}, "required"),
        ({"forms": [{**submitted(), "spec_hash": "0" * 64}]}, "spec_mismatch"),
        ({"forms": [{**submitted(), "form_version": 5}]}, "unknown_form"),
        ({"forms": [{"record_id": "x"}]}, "bad_form_record"),
        ({"forms": [submitted(**EARLY_HELP, consent="refused")]}, "consent_required_for_early_help"),
    ],
)  # fmt: skip
def test_inputs_that_do_not_make_a_referral_are_refused_with_every_reason(kwargs: dict[str, Any], code: str) -> None:
    with pytest.raises(ReferralError) as caught:
        build(**kwargs)
    assert code in [i.code for i in caught.value.issues]
    args = {"case": CASE, "forms": [submitted()], **{k: v for k, v in kwargs.items() if k == "forms"}}
    assert code in [i.code for i in referral_issues(**args, today=EXAMPLE_TODAY)]


def test_early_help_with_consent_and_several_forms() -> None:
    concern = submitted(**EARLY_HELP, consent="given", consent_given_by="Mother", consent_not_given_reason=None)
    note = submitted("case_note", record_id="0193c1f4-3b5e-7cc2-8a1b-000000000002")
    referral = build(forms=[concern, note])
    assert referral.level_of_need == 2
    assert referral.consent.consent == "given"
    assert referral.form_record_ids == (FORM_ID, "0193c1f4-3b5e-7cc2-8a1b-000000000002")
    assert "Consent to share: given by Mother." in referral.summary
    assert "From the case note:" in referral.summary


def test_not_telling_the_family_is_in_the_summary_with_the_manager() -> None:
    concern = submitted(parent_informed=False, not_informed_reason="prejudice_police", approving_manager="Jo Hughes")
    referral = build(forms=[concern])
    assert "NOT been told: telling them would prejudice a police investigation (approved by Jo Hughes)" in (
        referral.summary
    )


def test_the_referral_is_immutable() -> None:
    referral = build()
    with pytest.raises(ValueError, match="frozen"):
        setattr(referral, "summary", "changed")  # noqa: B010 - assignment must fail at run time
