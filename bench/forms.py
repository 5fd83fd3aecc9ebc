"""Benchmark of the forms engine: python -m bench.forms

The figure that matters is ``forms_validate_full_ms``: the median time to validate a fully filled health visitor
concern form with 3 children, 2 adults and 4 injuries (goal: at most 5 ms, since the app validates on every
keystroke). The others show the costs around it: the one-off compile, what the renderer calls, what the hub runs.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable

from forms import (
    EXAMPLE_TODAY,
    FormSpec,
    build_referral,
    clean_answers,
    evaluate,
    example_answers,
    load_spec,
    spec_hash,
    validate,
    validate_record,
)
from forms._compile import compile_spec


def _median_ms(fn: Callable[[], object], runs: int) -> float:
    for _ in range(min(20, runs)):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    spec = load_spec("hv_concern")
    answers = example_answers("hv_concern")
    children = answers["children"]
    injuries = sum(len(c.get("injuries", [])) for c in children)
    assert (len(children), len(answers["adults"]), injuries) == (3, 2, 4), "the benchmark form changed shape"
    assert validate(spec, answers, today=EXAMPLE_TODAY) == [], "the benchmark form must be valid"

    fresh = FormSpec.model_validate(spec.model_dump())
    clean = clean_answers(spec, answers, today=EXAMPLE_TODAY)
    record = {
        "form_id": spec.id,
        "form_version": spec.version,
        "spec_hash": spec_hash(spec),
        "answers": clean,
        "submitted_at": "2026-11-30T10:20:00+00:00",
    }
    case = {
        "child_name": "Amy Example",
        "date_of_birth": "2021-03-14",
        "nhs_number": "9990000018",
        "postcode": "TQ1 2AB",
    }
    form = {**record, "record_id": "0193c1f4-3b5e-7cc2-8a1b-000000000001"}
    at = dt.datetime(2026, 11, 30, 10, 30, tzinfo=dt.UTC)

    figures = {
        "forms_compile_spec_ms": _median_ms(lambda: compile_spec(fresh), 30),
        "forms_evaluate_full_ms": _median_ms(lambda: evaluate(spec, answers, today=EXAMPLE_TODAY), 300),
        "forms_clean_answers_ms": _median_ms(lambda: clean_answers(spec, answers, today=EXAMPLE_TODAY), 300),
        "forms_validate_record_form_ms": _median_ms(lambda: validate_record("form", record), 200),
        "forms_build_referral_ms": _median_ms(
            lambda: build_referral(case_id="c", case=case, forms=[form], created_by="Sam", created_at=at), 100
        ),
        "forms_validate_full_ms": _median_ms(lambda: validate(spec, answers, today=EXAMPLE_TODAY), 500),
    }
    for name, value in figures.items():
        print(f"{name}: {value:.3f}")


if __name__ == "__main__":
    main()
