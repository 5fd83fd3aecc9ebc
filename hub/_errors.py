"""The hub's exceptions. One tree::

    HubError                    anything the hub raises on purpose
    ├── ApiError                answered to a device as an ErrorBody (status code + ErrorCode + message)
    └── AdminError              a CLI / admin operation that cannot be done (unknown user, bad argument...)

Validation of records never raises: it returns issues that become a ``rejected`` MutationResult.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from protocol import ErrorCode


class HubError(Exception):
    """Base of every error the hub raises on purpose."""


class ApiError(HubError):
    def __init__(
        self, status: int, code: ErrorCode, message: str, details: Any = None, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = dict(headers or {})  # e.g. Retry-After on 429


class AdminError(HubError):
    """An administrative operation refused (the CLI prints the message and exits 1)."""
