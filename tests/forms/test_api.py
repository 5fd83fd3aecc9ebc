"""The public API other packages rely on (tests/test_exported_members.py in httpx does the same)."""

from __future__ import annotations

import inspect

import forms

PROMISED = {
    "FormSpec", "list_specs", "load_spec", "spec_hash", "ValidationIssue", "validate", "evaluate", "FormState",
    "clean_answers", "Draft", "migrate_draft", "DraftMigration", "is_valid_nhs_number", "normalise_nhs_number",
    "normalise_postcode", "postcode_district", "is_valid_ods_code", "LocalAuthority", "route_postcode",
    "load_routing_table", "build_referral", "Referral", "content_hash", "to_fhir_questionnaire",
    "to_fhir_questionnaire_response", "validate_record", "UnknownForm",
}  # fmt: skip


def test_the_promised_names_are_exported() -> None:
    assert set(forms.__all__) >= PROMISED


def test_all_is_exactly_the_public_names() -> None:
    public = {name for name in dir(forms) if not name.startswith("_")} - {"annotations"}
    assert set(forms.__all__) == public
    for name in forms.__all__:
        value = getattr(forms, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            # defined in a private module, exported here (canonical JSON is the protocol's, re-exported)
            assert value.__module__.startswith(("forms._", "protocol._")), name


def test_signatures() -> None:
    assert list(inspect.signature(forms.validate).parameters) == ["spec", "answers", "overrides", "today"]
    assert inspect.signature(forms.validate).parameters["overrides"].kind is inspect.Parameter.KEYWORD_ONLY
    assert list(inspect.signature(forms.validate_record).parameters) == ["record_type", "fields", "partial", "today"]
    assert list(inspect.signature(forms.load_spec).parameters) == ["form_id", "version"]


def test_the_issue_model_is_frozen_with_the_promised_fields() -> None:
    issue = forms.ValidationIssue(path="a", code="b", message="c")
    assert issue.severity == "error"
    assert set(forms.ValidationIssue.model_fields) == {"path", "code", "message", "severity"}
    assert forms.ValidationIssue.model_config.get("frozen") is True


def test_forms_imports_nothing_of_ours_but_the_protocol() -> None:
    import ast
    from pathlib import Path

    # protocol: the pure package below forms, owner of the canonical form of content hashes (canonical_json)
    allowed_roots = {"forms", "protocol", "pydantic", "pydantic_core", "__future__"}
    for path in Path(forms.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                root = node.module.split(".")[0]
                assert root in allowed_roots or root in _stdlib(), f"{path.name} imports {node.module}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    root = alias.name.split(".")[0]
                    assert root in allowed_roots or root in _stdlib(), f"{path.name} imports {alias.name}"


def _stdlib() -> frozenset[str]:
    import sys

    return frozenset(sys.stdlib_module_names)
