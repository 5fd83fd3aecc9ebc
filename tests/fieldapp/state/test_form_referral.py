from __future__ import annotations

import copy

from fieldapp._services import Services
from fieldapp.state.answers import get_at, parse_path, set_at
from fieldapp.state.case import create_case
from fieldapp.state.form import FormSession
from fieldapp.state.referral import ReferralReview, ReferralStatus
from forms import example_answers

CHILD = {
    "child_name": "Amy Example",
    "nhs_number": "999 000 0018",
    "postcode": "TQ1 2AB",
    "date_of_birth": "2021-03-14",
}


def test_paths() -> None:
    assert parse_path("children[0].injuries[12].x") == ["children", 0, "injuries", 12, "x"]
    answers: dict[str, object] = {}
    set_at(answers, "children[1].name", "B")
    assert answers == {"children": [{}, {"name": "B"}]}
    assert get_at(answers, "children[1].name") == "B"
    assert get_at(answers, "children[5].name") is None
    set_at(answers, "children[1].name", None)
    assert answers == {"children": [{}, {}]}


def test_form_draft_saved_at_every_change_and_resumed(unlocked: Services) -> None:
    case_id, _ = create_case(unlocked, CHILD)
    assert case_id is not None
    form = FormSession(unlocked, case_id, "hv_concern")
    assert form.get("children[0].child_name") == "Amy Example"  # prefilled from the case
    form.set("immediate_danger", True)
    assert form.visible("call_999_time")
    assert form.required("call_999_time")
    form.set("worry", "Bruise on a baby")
    assert form.draft_id is not None
    again = FormSession(unlocked, case_id, "hv_concern")
    assert again.draft_id == form.draft_id
    assert again.get("worry") == "Bruise on a baby"
    assert again.get("immediate_danger") is True


def test_errors_show_once_touched_and_block_submit(unlocked: Services) -> None:
    case_id, _ = create_case(unlocked, CHILD)
    assert case_id is not None
    form = FormSession(unlocked, case_id, "hv_concern")
    assert form.shown_issues("visit_date") == []  # not touched yet: no red before the user starts
    form.set("visit_date", "31/12/2026")
    shown = form.shown_issues("visit_date")
    assert shown
    assert shown[0].severity == "error"
    form.set("children[0].nhs_number", "943 476 5918")
    assert any("NHS number" in i.message for i in form.shown_issues("children[0].nhs_number"))
    assert form.submit() is None
    assert form.submit_tried
    assert form.shown_issues("referrer_name")  # after a submit attempt every error shows
    assert "Your name" in form.label_of("referrer_name")


def test_submit_then_referral(unlocked: Services) -> None:
    case_id, _ = create_case(unlocked, CHILD)
    assert case_id is not None
    form = FormSession(unlocked, case_id, "hv_concern")
    form.answers = copy.deepcopy(example_answers("hv_concern"))
    form.set("immediate_danger", False)
    for path, _message in [(w.path, w.message) for w in form.state.warnings]:
        form.override(path, "Agreed with my safeguarding lead")
    assert form.blocking() == []
    record_id = form.submit()
    assert record_id is not None
    assert form.draft_id is None
    assert unlocked.repo is not None
    assert unlocked.repo.list_drafts(case_id=case_id, kind="hv_concern") == []

    review = ReferralReview(unlocked, record_id)
    assert review.load()
    assert review.issues == []
    assert "Referral to" in review.preview
    assert "6(1)(e)" in review.basis_text
    assert review.submit("Hana Visitor") is None
    assert "Confirm" in review.error
    review.consent_confirmed = review.basis_confirmed = True
    referral_id = review.submit("Hana Visitor")
    assert referral_id is not None
    status = ReferralStatus(unlocked, referral_id)
    assert status.load()
    assert status.sync == "Waiting to sync"
    assert status.receipt_lines == []
    assert len(status.content_hash) == 64


def test_gp_nothing_known_path(unlocked: Services) -> None:
    from datetime import UTC, datetime, timedelta
    from uuid import uuid4

    request = {
        "reference": "IR-2026-000001", "rag": "amber", "practice_ods": "A81001",
        "deadline": (datetime.now(UTC) + timedelta(hours=20)).isoformat(timespec="seconds"),
        "child": {"name": "Alex Example", "date_of_birth": "2024-03-01"},
        "adults": [], "questions": ["Is the family known to the practice?"], "requested_by": "staff1",
    }  # fmt: skip
    case_id, request_id = uuid4(), str(uuid4())
    form = FormSession(unlocked, case_id, "gp_response", request=request, draft_key=request_id)
    assert form.get("request_reference") == "IR-2026-000001"  # prefilled, read-only
    form.set("request_rag", "red")
    assert form.get("request_rag") == "amber"  # the request's priority cannot be changed
    assert form.get("question_answers") == [{"question": "Is the family known to the practice?"}]
    form.set("question_answers[0].question", "Something else?")
    assert form.get("question_answers[0].question") == "Is the family known to the practice?"
    form.set("nothing_known", True)
    assert not form.visible("gp_analysis")  # the short circuit: no analysis asked for
    assert not form.visible("question_answers")
    form.set("registration_status", "not_registered")  # separate from "nothing known", and still asked
    form.set("responder_name", "Dr Gina Practitioner")
    form.set("gmc_number", "1234567")
    form.set("responded_at", datetime.now(UTC).isoformat(timespec="minutes"))
    form.set("signature", {"signed_by": "Dr Gina", "signed_at": datetime.now(UTC).isoformat(), "attested": True})
    assert form.blocking() == [], form.blocking()
    record_id = form.submit(extra={"request_id": request_id})
    assert record_id is not None
    assert unlocked.repo is not None
    saved = unlocked.repo.get_record(record_id)
    assert saved is not None
    assert saved.type == "response"
    assert saved.body["request_id"] == request_id
    assert saved.body["answers"]["nothing_known"] is True


def test_a_resumed_answer_shows_the_request_as_the_device_holds_it_now(unlocked: Services) -> None:
    """A re-rating moves the deadline after the GP began: the resumed draft shows the new priority and deadline,
    and keeps the GP's own answers."""
    from uuid import uuid4

    request = {
        "reference": "IR-2026-000002", "rag": "green", "practice_ods": "A81001",
        "deadline": "2026-12-10T10:00:00+00:00", "child": {"name": "Alex Example"}, "adults": [],
        "questions": ["Known to the practice?"], "requested_by": "staff1",
    }  # fmt: skip
    case_id, request_id = uuid4(), str(uuid4())
    begun = FormSession(unlocked, case_id, "gp_response", request=request, draft_key=request_id)
    begun.set("question_answers[0].answer", "Seen twice this year.")
    begun.set("conditions", "Asthma.")
    rerated = {**request, "rag": "red", "deadline": "2026-12-04T14:00:00+00:00"}
    resumed = FormSession(unlocked, case_id, "gp_response", request=rerated, draft_key=request_id)
    assert resumed.draft_id == begun.draft_id
    assert (resumed.get("request_rag"), resumed.get("request_deadline")) == ("red", "2026-12-04T14:00:00+00:00")
    assert resumed.get("question_answers") == [
        {"question": "Known to the practice?", "answer": "Seen twice this year."}
    ]
    assert resumed.get("conditions") == "Asthma."


def test_a_new_form_names_its_writer_from_the_enrolled_user(unlocked: Services) -> None:
    """The hub refuses a "Your name" that is not the signed-in user's: the app fills it in from enrolment."""
    import uuid

    from protocol import Role, UserInfo
    from sync import meta_put
    from sync._credentials import USER

    user = UserInfo(
        user_id=uuid.uuid4(), username="hv1", display_name="Hana Visitor", role=Role.HEALTH_VISITOR,
        organisation="Torbay Health Visiting", registration="12A3456B",
    )  # fmt: skip
    assert unlocked.vault is not None
    with unlocked.vault.transaction() as conn:
        meta_put(conn, USER, user.model_dump_json())
    case_id, _ = create_case(unlocked, CHILD)
    assert case_id is not None
    form = FormSession(unlocked, case_id, "hv_concern")
    written = [path for path in _paths_of(form.answers) if form.get(path) == "Hana Visitor"]
    assert written, form.answers
    assert any(path.endswith("referrer_name") for path in written)
    assert "12A3456B" in [form.get(p) for p in _paths_of(form.answers)]


def _paths_of(value: object, prefix: str = "") -> list[str]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _paths_of(v, f"{prefix}.{k}" if prefix else k)]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _paths_of(v, f"{prefix}[{i}]")]
    return [prefix]


def test_the_review_and_the_receipt_keep_every_mark_of_every_injury(unlocked: Services) -> None:
    case_id, _ = create_case(unlocked, CHILD)
    assert case_id is not None
    form = FormSession(unlocked, case_id, "hv_concern")
    answers = copy.deepcopy(example_answers("hv_concern"))
    first = answers["children"][0]["injuries"][0]
    first["position"] = {"marks": [
        {"figure": "child", "view": "front", "x": 0.5, "y": 0.45, "region": "abdomen", "size_cm": 3},
        {"figure": "child", "view": "back", "x": 0.5, "y": 0.3, "region": "upper_back", "shape": "linear"},
    ]}  # fmt: skip
    answers["children"][0]["injuries"] = [first, {**first, "position": {"view": "front", "region": "face"}}]
    form.answers = answers
    form.set("immediate_danger", False)
    for path in [w.path for w in form.state.warnings]:
        form.override(path, "Agreed with my safeguarding lead")
    record_id = form.submit()
    assert record_id is not None
    review = ReferralReview(unlocked, record_id)
    assert review.load()
    said = [f"{i.title}: {[m.words() for m in i.marks]}" for i in review.injuries]
    assert said[:2] == [
        "Injury 1: ['Abdomen (tummy) (front), 3 cm', 'Upper back (back), a line']",
        "Injury 2: ['Face (front)']",
    ]
    assert "Where on the body: mark 1: Abdomen (tummy) (front), 3 cm; mark 2: Upper back (back), a line" in (
        review.preview
    )
    review.consent_confirmed = review.basis_confirmed = True
    referral_id = review.submit("Hana Visitor")
    assert referral_id is not None
    status = ReferralStatus(unlocked, referral_id)
    assert status.load()
    assert [[m.number for m in i.marks] for i in status.injuries][:2] == [[1, 2], [3]]
    assert status.injuries[0].marks[1].x == 0.5
    assert "mark 2: Upper back (back), a line" in status.summary
