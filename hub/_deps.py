"""FastAPI dependencies shared by the routes: the caller's identity from the bearer token."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hub import _auth
from hub._db import Database
from hub._lanes import Lanes
from hub._settings import Settings

_bearer = HTTPBearer(auto_error=False, description="An access token from /v1/enrol or /v1/token/refresh")
_LAST_SEEN_EVERY_S = 60.0  # devices list shows last contact; writing it on every request would cost a commit


async def principal(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> _auth.Principal:
    db: Database = request.app.state.db
    settings: Settings = request.app.state.settings
    lanes: Lanes = request.app.state.lanes
    header = f"{creds.scheme} {creds.credentials}" if creds else request.headers.get("authorization")
    return await lanes.read(lambda: _identify(db, settings, header))


def _identify(db: Database, settings: Settings, header: str | None) -> _auth.Principal:
    who = _auth.authenticate(db, settings, header)  # reads only
    now = settings.clock()
    seen = who.last_seen_at is None or now - who.last_seen_at > _LAST_SEEN_EVERY_S
    if seen or who.retires is not None:  # at most once a minute and once per rotation: never on most requests
        with db.write(urgent=True) as conn:
            _auth.record_use(conn, who, now, seen=seen)
    return who


Who = Annotated[_auth.Principal, Depends(principal)]
