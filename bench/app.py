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
from fieldapp.state.caseload import CaseloadState
from fieldapp.views import caseload as caseload_view
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
            print(f"app_unlock_to_caseload_ms: {statistics.median(unlock):.1f}")
            print(f"app_search_keystroke_ms: {statistics.median(keys):.1f}")
        finally:
            services.close()


if __name__ == "__main__":
    main()
