"""The bundled specs (forms/specs/<id>.v<version>.json), their hashes, and the compiled-spec cache.

Specs are read once with importlib.resources and compiled once; a spec built by the caller (a test, a hub holding a
newer spec) is compiled on first use and cached by identity, so validation on every keystroke costs no compilation.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import cache
from importlib import resources
from typing import Final

from pydantic import ValidationError

from forms._compile import CompiledSpec, compile_spec
from forms._errors import SpecError, UnknownForm
from forms._spec import FormSpec
from protocol import content_hash

_LOCK = threading.Lock()
_COMPILED: OrderedDict[int, tuple[FormSpec, CompiledSpec]] = OrderedDict()
_MAX_CACHED = 64


@cache
def _bundled() -> dict[tuple[str, int], FormSpec]:
    specs: dict[tuple[str, int], FormSpec] = {}
    for entry in sorted(resources.files("forms").joinpath("specs").iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json"):
            continue
        try:
            spec = FormSpec.model_validate_json(entry.read_bytes())
        except ValidationError as exc:
            raise SpecError(f"{entry.name}: {exc}") from exc
        if entry.name != f"{spec.id}.v{spec.version}.json":
            raise SpecError(f"{entry.name} holds {spec.id} version {spec.version}")
        compiled(spec)  # lint it now: a broken bundled spec fails at load, not at the first keystroke
        specs[(spec.id, spec.version)] = spec
    return specs


def list_specs() -> list[FormSpec]:
    """The latest version of every bundled form, sorted by id."""
    latest: dict[str, FormSpec] = {}
    for (form_id, version), spec in _bundled().items():
        if form_id not in latest or version > latest[form_id].version:
            latest[form_id] = spec
    return [latest[k] for k in sorted(latest)]


def list_versions(form_id: str) -> list[int]:
    """Every bundled version of a form, oldest first (empty if unknown)."""
    return sorted(v for (i, v) in _bundled() if i == form_id)


def load_spec(form_id: str, version: int | None = None) -> FormSpec:
    """A bundled spec: the given version, or the latest. Raises UnknownForm."""
    versions = list_versions(form_id)
    if not versions:
        raise UnknownForm(f"no form {form_id!r}")
    chosen = versions[-1] if version is None else version
    spec = _bundled().get((form_id, chosen))
    if spec is None:
        raise UnknownForm(f"form {form_id!r} has no version {version!r} (have {versions})")
    return spec


def spec_hash(spec: FormSpec) -> str:
    """SHA-256 hex of the spec's canonical JSON (defaults left out, so adding an optional attribute changes nothing)."""
    return content_hash(spec.model_dump(mode="json", exclude_defaults=True))


#: What ``spec_hash`` gave before canonical JSON became RFC 8785, for the specs whose hash it changed (their number
#: bounds were written 200.0 and are now 200). A form filled in against one of them is the same form: it is still
#: accepted. New hashes never join this table: a changed spec is a new version.
_EARLIER_HASHES: Final[dict[tuple[str, int], frozenset[str]]] = {
    ("gp_response", 1): frozenset({"241a683d36397b15999e0f8e5155b9ae709e7814177aa1b514f61c65d1daf12a"}),
    ("hv_concern", 1): frozenset({"32b7e4fc8a8db16350cf223e50bdbd211b977ec2e35f6f17d75077a39fe5dc78"}),
    ("sn_referral", 1): frozenset({"a85f8735c173159295403dbcee317b54c68b8c4e2e76255b81594b09b2855128"}),
}


def spec_hash_matches(spec: FormSpec, value: str) -> bool:
    """Whether ``value`` names this spec: its hash, or the hash it had before RFC 8785 (``_EARLIER_HASHES``)."""
    return value == spec_hash(spec) or value in _EARLIER_HASHES.get((spec.id, spec.version), frozenset())


def check_spec(spec: FormSpec) -> None:
    """Compile a spec to lint it: raises SpecError naming the first problem (for a form author or a CI check)."""
    compiled(spec)


def compiled(spec: FormSpec) -> CompiledSpec:
    """The compiled form of a spec, cached by identity (specs are immutable)."""
    key = id(spec)
    with _LOCK:
        hit = _COMPILED.get(key)
        if hit is not None and hit[0] is spec:
            _COMPILED.move_to_end(key)
            return hit[1]
    result = compile_spec(spec)
    with _LOCK:
        _COMPILED[key] = (spec, result)
        while len(_COMPILED) > _MAX_CACHED:
            _COMPILED.popitem(last=False)
    return result
