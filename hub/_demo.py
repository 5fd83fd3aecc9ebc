"""``python -m hub demo``: a demo organisation with one user per role and one information request."""

from __future__ import annotations

from hub import _admin, _staff
from hub._db import Database
from hub._demo_console import demo_console

DEMO_ORG = "Devon MASH (demo)"
DEMO_PRACTICE = "A81001"


def demo(db: Database) -> dict[str, str]:
    """Create (or reuse) users hv1, gp1, nurse1, staff1 and admin1, one request to gp1's practice; print codes."""
    _admin.create_user(db, "hv1", "Hana Visitor", "health_visitor", DEMO_ORG, exist_ok=True, registration="12A3456E")
    _admin.create_user(
        db,
        "gp1",
        "Dr Gina Practitioner",
        "gp",
        "Riverside Surgery",
        DEMO_PRACTICE,
        exist_ok=True,
        registration="1234567",
    )
    _admin.create_user(db, "nurse1", "Nia Nurse", "school_nurse", DEMO_ORG, exist_ok=True)
    _admin.create_user(db, "staff1", "Sam Staff", "hub_staff", DEMO_ORG, exist_ok=True)
    _admin.create_user(db, "admin1", "Ada Admin", "admin", DEMO_ORG, exist_ok=True)
    request = _staff.create_request(
        db,
        practice_ods=DEMO_PRACTICE,
        child={"name": "Alex Example", "date_of_birth": "2024-03-01", "nhs_number": "9434765919"},
        adults=[{"name": "Jordan Example", "date_of_birth": "1994-07-12", "relationship": "mother"}],
        rag="amber",
        questions=["Is the family known to the practice?", "Any concerns about the mother's mental health?"],
        requested_by="staff1",
    )
    print(f"information request {request['reference']} to practice {DEMO_PRACTICE} ({request['record_id']})")
    codes = {}
    for username in ("hv1", "gp1", "nurse1", "staff1", "admin1"):
        codes[username] = _admin.enrol_code(db, username)
        print(f"enrolment code for {username}: {codes[username]}")
    console = demo_console(db, "staff1")
    print(f"console user: {console['username']}, password: {console['password']!r}, "
          f"TOTP secret (add it to an authenticator app): {console['totp_secret']}")  # fmt: skip
    print("the same password and secret sign in devon1, torbay1, plymouth1 and cornwall1 (each its own authority's "
          "MASH) and commissioner1 (counts only)")  # fmt: skip
    return codes
