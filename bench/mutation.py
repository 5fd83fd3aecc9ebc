"""Mutation testing of the modules that carry the law: python -m bench.mutation (not part of CI; some minutes).

mutmut (configured in pyproject's ``[tool.mutmut]``: which files, which tests) copies the packages to ``mutants/``
(git-ignored), makes every mutant of every function in forms/_consent.py, hub/_access.py, forms/_identifiers.py and
protocol/_merge.py, and runs on each one the selected tests that reach the mutated function. A mutant the tests do not
notice survives. Some survivors are equivalent (no input can tell them from the original): each of those is listed
by hand, with the reason, in bench/mutation_equivalents.toml, the one reviewed file, and left out of the score.

Figures, last, as ``name: value``: ``mutation_score_<module>`` (killed / (all - listed equivalents); goal >= 0.95
each) and ``mutation_survivors_listed`` (the share of surviving mutants that file lists with a reason; goal 1.0).
``--keep`` leaves ``mutants/`` for ``mutmut show NAME`` and ``mutmut browse``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = Path(__file__).with_name("mutation_equivalents.toml")
MODULES = {
    "consent": "forms._consent.",
    "access": "hub._access.",
    "identifiers": "forms._identifiers.",
    "merge": "protocol._merge.",
}
KILLED = {"killed", "timeout", "caught by type check"}


def _mutmut(*args: str, log: Path | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the mutated copy must be the one imported
    mutmut = Path(sys.executable).with_name("mutmut")
    if log is None:
        done = subprocess.run([str(mutmut), *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        return done.stdout
    with log.open("w") as out:
        subprocess.run([str(mutmut), *args], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, check=True)
    return ""


def load_equivalents(path: Path = EQUIVALENTS) -> dict[str, str]:
    """mutant name -> why no test can kill it. Every entry needs a reason."""
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    listed: dict[str, str] = {}
    for entry in table.get("equivalent", []):
        name, reason = str(entry.get("mutant", "")), str(entry.get("reason", "")).strip()
        if not name or not reason:
            raise SystemExit(f"{path.name}: every equivalent mutant needs a name and a reason ({entry!r})")
        listed[name] = reason
    return listed


def results() -> dict[str, str]:
    """mutant name -> status (killed, survived, no tests, timeout, ...), from the last run."""
    found: dict[str, str] = {}
    for line in _mutmut("results", "--all", "true").splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name:
            found[name] = status
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="leave mutants/ for mutmut show and browse")
    args = parser.parse_args(argv)
    equivalents = load_equivalents()
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)  # a fresh run: no verdicts cached from other code
    started = time.perf_counter()
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    log = ROOT / "test-artifacts" / "mutmut.log"
    _mutmut("run", log=log)
    found = results()
    if not args.keep:
        shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    seconds = time.perf_counter() - started
    figures: dict[str, str] = {}
    survivors: list[str] = []
    for module, prefix in MODULES.items():
        mine = {name: status for name, status in found.items() if name.startswith(prefix)}
        counts = Counter(mine.values())
        alive = [name for name, status in mine.items() if status not in KILLED]
        excluded = [name for name in alive if name in equivalents]
        scored = len(mine) - len(excluded)
        killed = sum(counts[s] for s in KILLED)
        print(f"{module}: {len(mine)} mutants, {dict(sorted(counts.items()))}, {len(excluded)} listed as equivalent")
        for name in sorted(alive):
            print(f"    {'equivalent' if name in equivalents else 'SURVIVED  '} {name}")
        survivors += alive
        figures[f"mutation_score_{module}"] = f"{killed / scored:.3f}" if scored else "nan"
    stale = sorted(name for name in equivalents if found.get(name) in KILLED or name not in found)
    for name in stale:
        print(f"listed as equivalent but killed or gone (remove it from {EQUIVALENTS.name}): {name}")
    unlisted = [name for name in survivors if name not in equivalents]
    listed_share = 1.0 if not survivors else (len(survivors) - len(unlisted)) / len(survivors)
    print(f"mutmut log: {log.relative_to(ROOT)}; {len(found)} mutants in {seconds:.0f} s")
    for name, value in figures.items():
        print(f"{name}: {value}")
    print(f"mutation_survivors_unlisted: {len(unlisted)}")
    print(f"mutation_survivors_listed: {listed_share:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
