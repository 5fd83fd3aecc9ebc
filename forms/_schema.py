"""The JSON Schema of the spec format, for a form author's editor (also kept as forms/data/form_spec.schema.json)."""

from __future__ import annotations

from typing import Any

from forms._spec import FormSpec

SCHEMA_ID = "urn:mash-field:form-spec:1"


def spec_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a spec file. Structure only: names in expressions, cycles and the like are
    checked when the spec is compiled (``check_spec``, which ``load_spec`` runs on every bundled spec)."""
    schema = FormSpec.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
