"""The writer's own answers ("Your name", "Recorded by", registration, the practice answering) are filled in from the
enrolled user, from the one table the hub checks them against."""

from __future__ import annotations

import forms
from forms import WRITER_ANSWERS, initial_answers, load_spec

WRITER = {"display_name": "Sam Carter", "ods_code": "A81001", "registration": "12A3456B"}


def test_every_writer_answer_of_every_form_is_filled_in_where_it_starts() -> None:
    for form_id in ("hv_concern", "sn_referral", "gp_response", "case_note"):
        answers = initial_answers(load_spec(form_id), writer=WRITER)
        flat = forms.canonical_json(answers).decode()
        for answer_id, source in WRITER_ANSWERS.items():
            if f'"{answer_id}":' in flat:
                assert f'"{answer_id}":"{WRITER[source]}"' in flat, (form_id, answer_id)


def test_the_referrer_is_prefilled_and_nothing_without_a_writer() -> None:
    spec = load_spec("hv_concern")
    with_writer = initial_answers(spec, writer=WRITER)
    without = initial_answers(spec)
    assert forms.canonical_json(with_writer) != forms.canonical_json(without)
    assert "Sam Carter" in forms.canonical_json(with_writer).decode()
    assert "Sam Carter" not in forms.canonical_json(without).decode()


def test_a_prefilled_case_value_is_never_replaced_by_the_writer() -> None:
    spec = load_spec("gp_response")
    answers = initial_answers(spec, request={"practice_ods": "B82002"}, writer=WRITER)
    assert '"practice_ods":"B82002"' in forms.canonical_json(answers).decode()
