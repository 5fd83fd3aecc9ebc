"""forms: the safeguarding paperwork as data. Pure: the standard library and pydantic, nothing else of ours.

A guide for whoever renders these forms (fieldapp) or checks them (hub).

Specs
    ``list_specs()`` gives the latest version of each bundled form (hv_concern, gp_response, sn_referral,
    case_note); ``load_spec(form_id, version=None)`` one of them (UnknownForm if absent). A spec is a ``FormSpec``:
    ``id``, ``version``, ``title``, ``record_type`` ("form", "response", "note") and ``items``. ``spec_hash(spec)``
    identifies the exact spec a draft or submission was made against.

Walking a spec
    ``spec.items`` is a tree. Each item has a ``kind``:

    * ``"group"`` (Group): a titled section; render its ``items`` under ``label``. It does not nest the answers.
    * ``"repeat"`` (Repeat): a list of like entries (children, adults, injuries, disclosures); render "add
      <item_label>" and one sub-form per entry from ``items``; ``min``/``max`` bound the count. Answers nest:
      ``{"children": [{"child_name": "Amy", "injuries": [{...}]}]}``. ``presentation == "body_map"`` means: draw the
      entries' ``body_map`` positions on one front/back figure.
    * anything else is a FormField; ``kind`` is one of

      short_text, long_text (str; ``max_length``, ``pattern``) | integer, decimal (numbers; ``min``, ``max``)
      date ("YYYY-MM-DD") and datetime (ISO 8601 with offset); with ``allow_estimated`` also
      ``{"value": "...", "estimated": true}`` | yes_no (bool) | single_choice (one option ``code``) and
      multi_choice (list of codes); show ``option.label`` | nhs_number, postcode, ods_code, phone, email (str,
      checked and normalised) | person_ref ("children[0]" for an entry of a repeat named in ``sources``, or a
      record id) | body_map ``{"marks": [{"figure": "infant"|"child", "view": "front"|"back", "x": 0..1,
      "y": 0..1, "region": code, "size_cm"?: number, "shape"?: code}, ...]}`` (each point from the top left of the
      figure, inside the region it names; regions in ``data/body_regions.json``, see ``region_at``), or the first
      body map's ``{"view", "x"?, "y"?, "region"?}`` (a region from BODY_REGIONS), still valid | attachment
      ``{"sha256", "name", "media_type", "size"}``
      | signature ``{"signed_by", "signed_at", "attested": true}`` with ``text`` as the statement | display
      (read-only ``text``, no answer).

    ``KINDS[kind]`` is the table of kinds: its ``family`` says which control takes the answer, its ``entry`` (for
    typed answers) the hint, the keyboard and how typed text is read (``typed_answer``) and shown (``typed_text``).
    Issue codes this package raises are ``IssueCode`` members (plain strings on the wire).

    ``read_only`` fields are shown as text (``answer_words``), not edited, and a change to one is refused
    (``FieldState.read_only``); ``prefill`` says where they come from: ``case.<field>`` or ``request.<field>``, or
    ``item`` inside a repeat prefilled from a list (``Repeat.prefill``: one item per entry, e.g. per question the hub
    asked; offer no Add or Remove on it). ``help`` is hint text; ``calculate`` fields are computed (show
    ``FormState.calculated``).

Paths
    Every answer has a path: ``"immediate_danger"``, ``"children[0].nhs_number"``,
    ``"children[1].injuries[0].injury_type"``. Issues, field states and draft flags all use these paths; the path of a
    repeat itself (``"children"``) carries its count issues; groups have paths too (their id) for visibility.

On every change
    ``state = evaluate(spec, answers)`` gives ``state.fields[path]`` (FieldState: visible, required, read_only, value,
    issues) for every field of every existing entry, ``state.calculated`` and ``state.issues``. Hidden fields keep
    their answers in the draft (so toggling back restores them) but count as unanswered in all logic. Start a new form
    with ``initial_answers(spec, case=..., request=...)`` (defaults and prefill).

Submitting
    ``validate(spec, answers, overrides={path: reason})`` must return no error. Warnings are *soft*: the user may go
    on, but only with a reason for each (``overrides``); store the reasons with the submission (form record field
    ``overrides``). Submit ``clean_answers(spec, answers)``: hidden answers dropped, identifiers normalised,
    calculated values filled. The hub runs ``validate_record("form", ...)`` on it and rejects any error.

Drafts
    Save ``Draft`` (``new_draft(spec, answers)``). When the bundled spec is newer, ``migrate_draft(draft, spec)``
    keeps what fits and sets aside (``DraftMigration.flagged``, also ``Draft.set_aside``) what does not, with the old
    value and a reason: show those to the user; nothing is dropped silently.

Referrals
    ``build_referral(case_id=..., case=..., forms=[...], created_by=..., created_at=...)`` -> Referral (immutable,
    ``content_hash`` over its ``document``, ``summary`` in plain language, ``local_authority``). Before it, show
    ``referral_issues(...)``; when ``route(postcode)`` says ``choose`` / ``unknown_area`` / ``invalid_postcode``, let
    the user pick from ``Routing.candidates`` and pass ``local_authority=``.

Roles
    ``role_forms(role)`` (``ROLE_FORMS``): the forms a field role raises (``concern_form`` opens on "Raise a
    concern"), the response form that answers a request addressed to it, and its landing screen; ``field_role``
    is None for the console's roles (``CONSOLE_ONLY_ROLES``).

Errors (see forms/_errors.py): FormsError > UnknownForm, SpecError, DraftMismatch, ReferralError. Answers never raise.
"""

from __future__ import annotations

from forms._assets import ASSETS
from forms._body_figure import asset_name, figure_svg
from forms._body_map import Injury, PlacedMark, injuries, injury_lines, placed_mark, raw_marks, referral_injuries
from forms._body_regions import (
    FIGURES,
    POSITIONS,
    Region,
    figure_for_age,
    figure_label,
    place_in_region,
    region_at,
    region_label,
    regions,
)
from forms._check_answers import AnswerRow, AnswerSection, SectionStatus, check_answers, section_statuses
from forms._check_answers import words as answer_words
from forms._checkers import parse_date
from forms._consent import Consent, LawfulBasis, consent_from_answers, lawful_basis_from_answers
from forms._dates import Problem, birth_date_problem, date_from_parts, date_parts, expected_date_problem
from forms._drafts import Draft, DraftMigration, FlaggedAnswer, migrate_draft, new_draft
from forms._echo import response_echo_issues, with_request_copy
from forms._engine import (
    FieldState,
    FormState,
    clean_answers,
    england_today,
    evaluate,
    is_read_only,
    validate,
    validate_submission,
)
from forms._errors import DraftMismatch, FormsError, ReferralError, SpecError, UnknownForm
from forms._examples import EXAMPLE_TODAY, example_answers
from forms._expr import OPERATORS
from forms._fhir import to_fhir_questionnaire, to_fhir_questionnaire_response
from forms._identifiers import (
    format_nhs_number,
    is_valid_nhs_number,
    is_valid_ods_code,
    normalise_email,
    normalise_nhs_number,
    normalise_ods_code,
    normalise_phone,
    normalise_postcode,
    postcode_district,
    postcode_sector,
)
from forms._issues import IssueCode, ValidationIssue
from forms._kinds import FIELD_KINDS, KINDS, Family, Kind, typed_answer, typed_text
from forms._messages import NOT_KNOWN, NOT_KNOWN_TEXT, error_name, is_not_known, required_message
from forms._prefill import initial_answers
from forms._records import (
    RAG_HOURS,
    TEAM_KINDS,
    CaseFields,
    FormFields,
    InfoRequestFields,
    NoteFields,
    PersonFields,
    ResponseFields,
    deadline_for,
    validate_record,
)
from forms._referral import Referral, SubmittedForm, build_referral, referral_issues
from forms._registry import check_spec, list_specs, list_versions, load_spec, spec_hash
from forms._roles import (
    CONSOLE_ONLY_ROLES,
    ROLE_FORMS,
    RoleForms,
    field_role,
    is_field_role,
    raised_forms,
    role_forms,
)
from forms._routing import LocalAuthority, Routing, RoutingTable, load_routing_table, route, route_postcode
from forms._schema import spec_json_schema
from forms._spec import Constraint, FormField, FormSpec, Group, Option, Repeat, Rule
from forms._summary import summary_lines
from forms._values import BODY_REGIONS, MARK_SHAPES, AttachmentRef, BodyMap, BodyMapPosition, BodyMark, Signature
from forms._writer import WRITER_ANSWERS, WriterSource
from protocol import canonical_json, content_hash

__all__ = [
    "ASSETS",
    "BODY_REGIONS",
    "CONSOLE_ONLY_ROLES",
    "EXAMPLE_TODAY",
    "FIELD_KINDS",
    "FIGURES",
    "KINDS",
    "MARK_SHAPES",
    "NOT_KNOWN",
    "NOT_KNOWN_TEXT",
    "OPERATORS",
    "POSITIONS",
    "RAG_HOURS",
    "ROLE_FORMS",
    "TEAM_KINDS",
    "WRITER_ANSWERS",
    "AnswerRow",
    "AnswerSection",
    "AttachmentRef",
    "BodyMap",
    "BodyMapPosition",
    "BodyMark",
    "CaseFields",
    "Consent",
    "Constraint",
    "Draft",
    "DraftMigration",
    "DraftMismatch",
    "Family",
    "FieldState",
    "FlaggedAnswer",
    "FormField",
    "FormFields",
    "FormSpec",
    "FormState",
    "FormsError",
    "Group",
    "InfoRequestFields",
    "Injury",
    "IssueCode",
    "Kind",
    "LawfulBasis",
    "LocalAuthority",
    "NoteFields",
    "Option",
    "PersonFields",
    "PlacedMark",
    "Problem",
    "Referral",
    "ReferralError",
    "Region",
    "Repeat",
    "ResponseFields",
    "RoleForms",
    "Routing",
    "RoutingTable",
    "Rule",
    "SectionStatus",
    "Signature",
    "SpecError",
    "SubmittedForm",
    "UnknownForm",
    "ValidationIssue",
    "WriterSource",
    "answer_words",
    "asset_name",
    "birth_date_problem",
    "build_referral",
    "canonical_json",
    "check_answers",
    "check_spec",
    "clean_answers",
    "consent_from_answers",
    "content_hash",
    "date_from_parts",
    "date_parts",
    "deadline_for",
    "england_today",
    "error_name",
    "evaluate",
    "example_answers",
    "expected_date_problem",
    "field_role",
    "figure_for_age",
    "figure_label",
    "figure_svg",
    "format_nhs_number",
    "initial_answers",
    "injuries",
    "injury_lines",
    "is_field_role",
    "is_not_known",
    "is_read_only",
    "is_valid_nhs_number",
    "is_valid_ods_code",
    "lawful_basis_from_answers",
    "list_specs",
    "list_versions",
    "load_routing_table",
    "load_spec",
    "migrate_draft",
    "new_draft",
    "normalise_email",
    "normalise_nhs_number",
    "normalise_ods_code",
    "normalise_phone",
    "normalise_postcode",
    "parse_date",
    "place_in_region",
    "placed_mark",
    "postcode_district",
    "postcode_sector",
    "raised_forms",
    "raw_marks",
    "referral_injuries",
    "referral_issues",
    "region_at",
    "region_label",
    "regions",
    "required_message",
    "response_echo_issues",
    "role_forms",
    "route",
    "route_postcode",
    "section_statuses",
    "spec_hash",
    "spec_json_schema",
    "summary_lines",
    "to_fhir_questionnaire",
    "to_fhir_questionnaire_response",
    "typed_answer",
    "typed_text",
    "validate",
    "validate_record",
    "validate_submission",
    "with_request_copy",
]
