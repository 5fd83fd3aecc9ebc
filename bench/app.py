"""Field app figures: unlock-to-caseload and search-keystroke times, measured on the real screen code.

Run: ``python -m bench.app``. The last lines are ``name: value``:

- ``app_unlock_to_caseload_ms``: a vault with 1,000 cases (and 10,000 notes). From the moment the key is available
  to the caseload's view model AND its Flet control tree built: the vault opens the database with the raw key (the
  Argon2id cost is taken out by using the cheap test KDF, ~1 ms), the services build the repository, the caseload
  state loads every case and ``views.caseload.build`` makes the controls. Median of 5. Goal: at most 1,000 ms.
- ``app_search_keystroke_ms``: 10,000 notes over those cases. For each keystroke of a few search words typed one
  character at a time (from the second character), the time for ``CaseloadState.set_query`` (FTS over the encrypted
  database, then the filtered caseload) plus building the list's controls (the screen shows at most 200 rows).
  Median. Goal: at most 100 ms.
- ``app_form_open_ms``: the longest form (the most questions, counted over the spec's tree) with a full draft (its
  complete example answers, saved as the case's draft): ``views.form.build`` resumes the draft from the vault,
  evaluates it and builds every control. Median of 5. Goal: at most 300 ms.
- ``app_check_answers_ms``: that form's "Check your answers before sending" page: the rows in words
  (``forms.check_answers``) and their controls (``views.form.check_answers_rows``). Median of 5. Goal: at most
  300 ms.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fieldapp._config import AppConfig
from fieldapp._services import Services
from fieldapp.state.case import create_case
from fieldapp.state.caseload import CaseloadState
from fieldapp.state.form import FormSession
from fieldapp.views import caseload as caseload_view
from fieldapp.views import form as form_view
from forms import FormField, FormSpec, Group, Repeat, example_answers, list_specs
from sync import RecordInput

PASSPHRASE = "amber otter quietly folds maps"
CASES = 1_000
NOTES = 10_000
WORDS = [
    "visit",
    "mother",
    "baby",
    "bruise",
    "forearm",
    "feeding",
    "sleep",
    "cot",
    "damp",
    "cold",
    "heating",
    "school",
    "nursery",
    "father",
    "partner",
    "smoking",
    "alcohol",
    "mood",
    "tearful",
    "weight",
    "centile",
    "development",
    "speech",
    "crawling",
    "walking",
    "rash",
    "scratch",
    "burn",
    "appointment",
    "missed",
    "clinic",
    "referral",
    "housing",
    "rent",
    "debt",
    "benefits",
    "garden",
    "dog",
    "stairs",
    "gate",
]
FIRST = [
    "Amy",
    "Ben",
    "Cara",
    "Dan",
    "Ella",
    "Finn",
    "Gwen",
    "Harry",
    "Isla",
    "Jack",
    "Kai",
    "Lily",
    "Max",
    "Nia",
    "Owen",
    "Pia",
    "Reuben",
    "Sofia",
    "Theo",
    "Una",
]
LAST = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Evans",
    "Wilson",
    "Thomas",
    "Roberts",
    "Johnson",
    "Walker",
    "Wright",
    "Hughes",
    "Edwards",
    "Green",
]


class BenchCtx:
    """The slice of the shell a screen uses, without a page (no browser, no client)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.page: Any = None
        self.query: dict[str, str] = {}
        self.listeners: list[Callable[[Any, Any], None]] = []

    def go(self, route: str) -> None:  # navigation is not measured
        pass

    def refresh(self) -> None:
        pass

    def act(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        return fn

    def toast(self, message: str) -> None:
        pass

    def on_event(self, fn: Callable[[Any, Any], None]) -> None:
        self.listeners.append(fn)


def seed(services: Services, rng: random.Random) -> None:
    repo = services.repo
    assert repo is not None
    cases = [
        RecordInput(
            "case",
            {
                "child_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "date_of_birth": f"20{rng.randint(18, 25)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                "postcode": "TQ1 2AB",
                "nhs_number_not_known": True,
            },
        )
        for _ in range(CASES)
    ]
    saved = []
    for i in range(0, CASES, 500):
        saved += repo.save_records(cases[i : i + 500])
    ids = [r.id for r in saved]
    notes = [
        RecordInput("note", {"text": " ".join(rng.choice(WORDS) for _ in range(30))}, case_id=ids[n % CASES])
        for n in range(NOTES)
    ]
    for i in range(0, NOTES, 500):
        repo.save_records(notes[i : i + 500])


def unlock_to_caseload(services: Services) -> float:
    services.lock()
    start = time.perf_counter()
    outcome = services.unlock(PASSPHRASE)
    assert outcome.ok, outcome.message
    view = caseload_view.build(BenchCtx(services))
    elapsed = (time.perf_counter() - start) * 1000
    assert view.route == "/caseload"
    return elapsed


def keystrokes(services: Services) -> list[float]:
    ctx = BenchCtx(services)
    state = CaseloadState(services)
    state.refresh()
    times = []
    for phrase in ("bruise forearm", "tearful mother", "missed appointment", "damp cold", "Amy Smith"):
        for n in range(2, len(phrase) + 1):
            start = time.perf_counter()
            rows = state.set_query(phrase[:n])
            controls = [caseload_view._row(ctx, r) for r in rows[: caseload_view.MAX_ROWS]]
            times.append((time.perf_counter() - start) * 1000)
            assert isinstance(controls, list)
    return times


def _questions(items: tuple[FormField | Group | Repeat, ...]) -> int:
    return sum(_questions(i.items) if isinstance(i, Group | Repeat) else 1 for i in items)


def longest_form() -> FormSpec:
    return max(list_specs(), key=lambda spec: _questions(spec.items))


def _link(path: str) -> Callable[[], Any]:
    async def go() -> None:
        return None

    return go


def form_figures(services: Services) -> tuple[str, int, list[float], list[float]]:
    """(form id, rows on its check page, open times, check-page times), each in ms."""
    spec = longest_form()
    case_id, _ = create_case(services, {"child_name": "Amy Example", "nhs_number_not_known": True})
    assert case_id is not None
    draft = FormSession(services, case_id, spec.id)
    draft.answers = example_answers(spec.id)
    draft.override("", "")  # saves the draft with the full answers
    ctx = BenchCtx(services)
    opened, checked, rows = [], [], 0
    for _ in range(5):
        start = time.perf_counter()
        view = form_view.build(ctx, str(case_id), spec.id)  # type: ignore[arg-type]
        opened.append((time.perf_counter() - start) * 1000)
        assert view.route.endswith(f"/form/{spec.id}")
        session = FormSession(services, case_id, spec.id)
        assert session.answers == draft.answers  # the draft was resumed, in full
        start = time.perf_counter()
        controls = form_view.check_answers_rows(session, _link)
        checked.append((time.perf_counter() - start) * 1000)
        rows = sum(len(s.rows) for s in form_view.check_answers_page(session))
        assert len(controls) > rows
    return spec.id, rows, opened, checked


def main() -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="bench-app-") as tmp:
        services = Services(AppConfig(data_dir=Path(tmp) / "data", fast_kdf=True))
        try:
            assert services.create_vault(PASSPHRASE) == ""
            t0 = time.perf_counter()
            seed(services, rng)
            print(f"seeded {CASES} cases and {NOTES} notes in {time.perf_counter() - t0:.1f} s")
            unlock = [unlock_to_caseload(services) for _ in range(5)]
            keys = keystrokes(services)
            state = CaseloadState(services)
            print(
                f"caseload rows: {len(state.refresh())}; keystrokes measured: {len(keys)}; "
                f"p90 keystroke: {statistics.quantiles(keys, n=10)[-1]:.1f} ms"
            )
            form_id, rows, opened, checked = form_figures(services)
            print(f"longest form: {form_id}, {rows} answers on its check page")
            print(f"app_unlock_to_caseload_ms: {statistics.median(unlock):.1f}")
            print(f"app_search_keystroke_ms: {statistics.median(keys):.1f}")
            print(f"app_form_open_ms: {statistics.median(opened):.1f}")
            print(f"app_check_answers_ms: {statistics.median(checked):.1f}")
        finally:
            services.close()


if __name__ == "__main__":
    main()
