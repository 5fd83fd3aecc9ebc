"""FastAPI dependencies shared by the routes: the caller's identity from the bearer token."""

from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hub import _auth
from hub._db import Database
from hub._lanes import Lanes
from hub._settings import Settings
from hub._tables import devices

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
    who = _auth.authenticate(db, settings, header)
    now = settings.clock()
    if who.last_seen_at is None or now - who.last_seen_at > _LAST_SEEN_EVERY_S:
        with db.write(urgent=True) as conn:
            conn.execute(sa.update(devices).where(devices.c.device_id == who.device_id).values(last_seen_at=now))
    return who


Who = Annotated[_auth.Principal, Depends(principal)]
