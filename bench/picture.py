"""The child's whole picture: linking quality and speed on a synthetic population, on PostgreSQL.

    python -m bench.picture [--children 100000] [--referrals 1000000] [--sample 2000] [--seed 13]

A seeded generator makes ``--children`` children (some twins: same family, date of birth and address) and
``--referrals`` referrals about them, each naming its child the way real referrals do: nicknames, typos in given
and family names, day and month swapped, a typo in the date, estimated dates, missing NHS numbers (60%), and
families that move (a child's later referrals give the new postcode). Every referral but the sample is bulk-loaded
(PostgreSQL COPY) as a link to its true child with its blocking keys, as if linked already. Then ``--sample`` new
referrals (85% about known children, 15% about new ones) are linked one at a time by ``hub._linking.link_referral``
in its own transaction, rolled back afterwards, and timed.

Figures (printed last): ``link_precision`` (right sure links / sure links), ``link_recall`` (right sure links /
sample referrals about a known child), ``link_possible_rate`` (the share sent to staff) and ``link_new_referral_ms``
(p95 of one link against the loaded referrals).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import time
import uuid
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa

from hub import _linking, _matching
from hub._db import Database
from hub._linking_tables import child_links
from hub._matching import Person
from hub._migrations import migrate
from hub._nicknames import GROUPS
from tests.support.postgres import PostgresCluster


def _words(text: str) -> list[str]:
    return text.split()


GIVEN = [g[0] for g in GROUPS] + _words(
    "oscar noah leo arthur archie freddie theo isla ava ivy rosie poppy evie grace florence willow luna "
    "elsie harper daisy esme maya aria mila ruby phoebe lily jacob ethan logan lucas mason alfie reggie "
    "ronnie tommy finley harrison hugo jasper kai rory seth toby zac ada bonnie cora delilah edie frankie "
    "hallie imogen jade kayla lacey maddison nina orla piper quinn reuben sienna tilly una vera wren yara "
    "zara amir omar ali bilal hamza ibrahim idris musa zain layla noor hana amira inaya safa sara yasmin "
    "wiktor jakub zofia oliwia lena anya milan nikola petra stefan tomasz "
)
FAMILY = _words(
    "smith jones williams taylor brown davies evans wilson thomas johnson roberts robinson thompson "
    "wright walker white edwards hughes green hall lewis harris clarke patel jackson wood turner martin "
    "cooper hill ward morris moore clark lee king baker harrison morgan allen james scott phillips watson "
    "davis parker price bennett young griffiths mitchell kelly cook carter richardson bailey collins bell "
    "shaw murphy miller cox richards khan marshall anderson simpson ellis adams singh begum wilkinson "
    "foster chapman powell webb rogers gray mason ali hunt hussain campbell matthews owen palmer holmes "
    "mills barnes knight lloyd butler russell barker fisher stevens jenkins murray dixon harvey graham "
    "pearson ahmed fletcher walsh kaur gibson howard andrews stewart elliott reynolds saunders payne fox "
    "ford pearce day brooks west lawrence cole atkinson bradley spencer gill dawson ball burton obrien "
    "watts rose booth perry ryan grant wells armstrong francis rees hayes hart hudson newman barrett "
    "webster hunter gregory carr lowe page marsh riley dean berry pengelly trelawny tremayne polglase "
    "penrose nancarrow kowalski nowak wisniewski popescu ionescu silva santos nguyen "
)
DISTRICTS = [f"{a}{n}" for a in ("EX", "TQ", "PL", "TR") for n in range(1, 40)]
NICKS = {g[0]: g[1:] for g in GROUPS}


@dataclass(frozen=True)
class Child:
    child_id: str
    given: str
    family: str
    dob: dt.date
    gender: str
    nhs: str
    postcodes: tuple[str, ...]  # where they lived, in order (a move adds one)


def _nhs(rng: random.Random) -> str:
    while True:
        digits = [rng.randint(0, 9) for _ in range(9)]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def _postcode(rng: random.Random) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"{rng.choice(DISTRICTS)} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"


def population(n: int, rng: random.Random) -> list[Child]:
    out: list[Child] = []
    start = dt.date(2008, 1, 1).toordinal()
    while len(out) < n:
        dob = dt.date.fromordinal(start + rng.randint(0, 18 * 365))
        family = rng.choice(FAMILY)
        postcodes = (_postcode(rng),) + ((_postcode(rng),) if rng.random() < 0.15 else ())
        gender = rng.choice(("male", "female"))
        out.append(Child(str(uuid.uuid4()), rng.choice(GIVEN), family, dob, gender, _nhs(rng), postcodes))
        if rng.random() < 0.02 and len(out) < n:  # a twin: same family, birthday and home, another name
            twin_name = rng.choice([g for g in GIVEN if g != out[-1].given])
            out.append(replace(out[-1], child_id=str(uuid.uuid4()), given=twin_name, nhs=_nhs(rng)))
    return out


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randint(1, len(word) - 2)
    kind = rng.random()
    if kind < 0.4:
        return word[:i] + word[i + 1 :]  # a letter left out
    if kind < 0.7:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # two letters swapped
    return word[:i] + rng.choice("aeiou") + word[i + 1 :]  # a wrong vowel


def written(child: Child, nth: int, rng: random.Random) -> Person:
    """How the ``nth`` referral about ``child`` names them."""
    given, family, dob, estimated = child.given, child.family, child.dob, False
    r = rng.random
    if r() < 0.10 and NICKS.get(given):
        given = rng.choice(NICKS[given])
    elif r() < 0.05:
        given = _typo(given, rng)
    if r() < 0.05:
        family = _typo(family, rng)
    if r() < 0.05 and dob.day <= 12 and dob.day != dob.month:
        dob = dt.date(dob.year, dob.day, dob.month)
    elif r() < 0.03:
        dob = dob.replace(day=min(28, dob.day % 28 + 1))
    elif r() < 0.02:
        dob, estimated = dob.replace(month=1, day=1), True
    moved = len(child.postcodes) > 1 and nth > 0 and r() < 0.5
    postcode = child.postcodes[-1] if moved else child.postcodes[0]
    return Person(
        given=given,
        family=family,
        dob=dob,
        dob_estimated=estimated,
        postcode=postcode if r() > 0.05 else "",
        nhs_number=child.nhs if r() < 0.4 else "",
        gender=child.gender if r() < 0.8 else "",
    )


def _copy(conn: Any, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def load(db: Database, kids: list[Child], referrals: int, rng: random.Random) -> None:
    """Children, and ``referrals`` links (each with its keys) as if linked already, by COPY in chunks."""
    now = time.time()
    with db.write() as conn:
        _copy(conn, "children", ["child_id", "created_at"], [(c.child_id, now) for c in kids])
    counts = [0] * len(kids)
    done, chunk = 0, 100_000
    while done < referrals:
        links: list[tuple[Any, ...]] = []
        keys: list[tuple[Any, ...]] = []
        for _ in range(min(chunk, referrals - done)):
            i = done % len(kids) if done < len(kids) else rng.randrange(len(kids))
            child = kids[i]
            who = written(child, counts[i], rng)
            counts[i] += 1
            link_id = str(uuid.uuid4())
            identity = json.dumps(who.as_json(), sort_keys=True)
            links.append(
                (link_id, child.child_id, "referral", str(uuid.uuid4()), 0, "sure_match", identity, now, "bench", now)
            )
            keys.extend((k, link_id) for k in _matching.keys(who))
            done += 1
        cols = ["link_id", "child_id", "item_kind", "item_id", "subject", "how", "identity", "happened_at"]
        with db.write() as conn:
            _copy(conn, "child_links", [*cols, "linked_by", "linked_at"], links)
            _copy(conn, "child_keys", ["key", "link_id"], keys)
        print(f"loaded {done} referrals", flush=True)
    with db.write() as conn:
        conn.exec_driver_sql("ANALYZE children; ANALYZE child_links; ANALYZE child_keys")


def _dob(who: Person) -> object:
    if who.dob is None:
        return None
    return {"value": who.dob.isoformat(), "estimated": True} if who.dob_estimated else who.dob.isoformat()


def _fields(who: Person) -> dict[str, Any]:
    child = {
        "child_name": f"{who.given} {who.family}",
        "date_of_birth": _dob(who),
        "postcode": who.postcode,
        "nhs_number": who.nhs_number,
        "gender": who.gender,
    }
    return {"document": {"child": child, "forms": []}, "created_at": "2026-11-30T10:00:00+00:00"}


def measure(db: Database, kids: list[Child], sample: int, rng: random.Random) -> dict[str, float]:
    times: list[float] = []
    right = wrong = known_total = possible = 0
    for _ in range(sample):
        child: Child | None = None
        if rng.random() < 0.85:
            child = rng.choice(kids)
            who = written(child, 1, rng)
            known_total += 1
        else:
            extra = population(1, rng)[0]
            who = written(extra, 0, rng)
        fields = _fields(who)
        with db.write() as conn:
            tx = conn.begin_nested()
            item_id = str(uuid.uuid4())
            started = time.perf_counter()
            linked = _linking.link_referral(conn, item_id, fields, now=time.time())
            times.append((time.perf_counter() - started) * 1000)
            how = conn.execute(sa.select(child_links.c.how).where(child_links.c.item_id == item_id)).scalar()
            opened = conn.exec_driver_sql("SELECT count(*) FROM possible_matches").scalar_one()
            tx.rollback()
        if how in ("sure_match", "nhs_number"):
            if child is not None and linked[0] == child.child_id:
                right += 1
            else:
                wrong += 1
        if opened:
            possible += 1
    times.sort()
    return {
        "link_precision": right / max(1, right + wrong),
        "link_recall": right / max(1, known_total),
        "link_possible_rate": possible / max(1, sample),
        "link_new_referral_ms": times[int(0.95 * (len(times) - 1))],
        "link_new_referral_median_ms": statistics.median(times),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with PostgresCluster() as cluster:
        db = Database(cluster.create_database("bench_picture"))
        migrate(db)
        started = time.perf_counter()
        kids = population(args.children, rng)
        load(db, kids, args.referrals, rng)
        print(f"generated and loaded in {time.perf_counter() - started:.1f} s", flush=True)
        figures = measure(db, kids, args.sample, rng)
        db.dispose()
    print(f"children: {args.children}")
    print(f"referrals_loaded: {args.referrals}")
    for name, value in figures.items():
        print(f"{name}: {value:.4f}" if "ms" not in name else f"{name}: {value:.2f}")


if __name__ == "__main__":
    main()
