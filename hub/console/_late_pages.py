"""The late requests page: every information request past its deadline with no answer, across the referrals the
member of staff may read (hub._late_requests decides which), so nobody has to open each referral to find what the
MASH is still waiting for. Chasing happens on the referral's page, one link away."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hub import _late_requests, _screening
from hub.console._pages import _deps, _local, _now, _staff, counts_only
from hub.console._signin_pages import redirect
from hub.console._web import render

router = APIRouter()


@router.get("/late-requests")
async def late_requests(request: Request) -> Response:
    staff = await _staff(request)
    if staff is None:
        return redirect(request, "/sign-in")
    if staff.is_commissioner:
        return counts_only(request)
    db, settings, lanes = _deps(request)
    now = _now(settings)

    def read() -> list[_late_requests.LateRequest]:
        with db.read() as conn:
            return _late_requests.late_requests(conn, staff.authority, now)

    late = await lanes.read(read)
    await lanes.write(lambda: _screening.audit_view(db, staff, "console.late_requests"))
    return render(
        request,
        "late_requests.html",
        title="Information requests past their deadline",
        late=late,
        when=lambda d: _local(settings, d),
    )
