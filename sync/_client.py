"""The hub's HTTP API as typed calls over an injected ``httpx.Client``.

Every call has a timeout, request bodies are gzipped, answers are read with a size cap and validated against the
protocol models; every failure becomes one of the ``sync._errors_sync`` exceptions (never an httpx or pydantic one).
"""

from __future__ import annotations

import gzip
import ipaddress
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Final, TypeVar
from uuid import UUID

import httpx
import truststore
from pydantic import BaseModel, ValidationError

from protocol import (
    API_PREFIX,
    MAX_BODY_BYTES,
    AttachmentStatus,
    Credentials,
    DeviceInfo,
    EnrolRequest,
    ErrorBody,
    ErrorCode,
    RefreshRequest,
    SyncRequest,
    SyncResponse,
)
from sync._backoff import parse_retry_after
from sync._errors_sync import (
    AccessEnded,
    BadAnswer,
    ConsoleUser,
    HubBusy,
    HubNotTrusted,
    HubRefused,
    HubTimeout,
    HubUnreachable,
    InsecureHubURL,
    TokenExpired,
    TooLarge,
)

_M = TypeVar("_M", bound=BaseModel)

#: Largest answer we read: a pull page of MAX_PULL_LIMIT records fits easily; anything bigger is refused unread.
DEFAULT_MAX_ANSWER_BYTES: Final = 4 * MAX_BODY_BYTES
DEFAULT_TIMEOUT_S: Final = 30.0
_GZIP_MIN_BYTES: Final = 512  # below this gzip costs more than it saves

_ACCESS_ENDED: Final = frozenset(
    {ErrorCode.DEVICE_REVOKED, ErrorCode.REFRESH_REUSED, ErrorCode.USER_DISABLED, ErrorCode.TOKEN_INVALID}
)


def check_hub_url(url: str) -> str:
    """Return the URL without a trailing slash, or raise InsecureHubURL unless it is https or on loopback."""
    parsed = httpx.URL(url)
    if parsed.scheme not in ("https", "http") or not parsed.host:
        raise InsecureHubURL(f"{url!r} is not a web address the app can use for the hub")
    if parsed.scheme == "http" and not _is_loopback(parsed.host):
        raise InsecureHubURL("The hub address must start with https:// (plain http is only allowed on this computer)")
    return str(parsed).rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class WireCounters:
    """Bytes on the wire (headers and bodies) and requests made; the benchmark and progress read them."""

    requests: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0


def tls_context(ca_bundle: str | None = None) -> ssl.SSLContext:
    """How the hub's certificate is checked: against the operating system's trust store (truststore), so a council's
    internal CA installed by its IT team works; or, when a CA bundle file is named, against that file alone."""
    if ca_bundle:
        return ssl.create_default_context(cafile=ca_bundle)
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def _certificate_refused(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class HubClient:
    """Typed calls to the hub. Owns no state but the last hub time seen and the wire counters."""

    def __init__(
        self,
        base_url: str,
        *,
        http: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES,
        gzip_requests: bool = True,
        ca_bundle: str | None = None,
    ) -> None:
        self.base_url = check_hub_url(base_url)
        self._own_http = http is None
        self._http = http or httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10)),
            verify=tls_context(ca_bundle),
        )
        self._timeout = timeout
        self._max_answer = max_answer_bytes
        self._gzip = gzip_requests
        self.counters = WireCounters()
        self.hub_time: datetime | None = None  # the hub's clock at its last answer (Date header)
        self.hub_time_seen_at: datetime | None = None  # our clock at that moment

    def close(self) -> None:
        if self._own_http:
            self._http.close()

    # -- calls ---------------------------------------------------------------------------------------------------

    def enrol(
        self, code: str, device_name: str, only_for_user: UUID | None = None, *, field_app: bool = False
    ) -> Credentials:
        """``field_app``: enrolling the field app, which only field roles may (``ConsoleUser`` otherwise)."""
        body = EnrolRequest(code=code, device_name=device_name, only_for_user=only_for_user, field_app=field_app)
        return self._call("POST", "/enrol", Credentials, model=body)

    def refresh(self, refresh_token: str) -> Credentials:
        return self._call("POST", "/token/refresh", Credentials, model=RefreshRequest(refresh_token=refresh_token))

    def sync(self, request: SyncRequest, token: str) -> SyncResponse:
        return self._call("POST", "/sync", SyncResponse, model=request, token=token)

    def me(self, token: str) -> DeviceInfo:
        return self._call("GET", "/me", DeviceInfo, token=token)

    def attachment_status(self, sha256: str, token: str, *, case_id: str | None = None) -> AttachmentStatus:
        """What the hub holds of this content for ``case_id`` (each case that names a photograph uploads it)."""
        query = f"?case_id={case_id}" if case_id else ""
        return self._call("GET", f"/attachments/{sha256}{query}", AttachmentStatus, token=token)

    def put_chunk(
        self, sha256: str, index: int, data: bytes, token: str, *, size: int, case_id: str | None = None
    ) -> AttachmentStatus:
        query = f"?size={size}" + (f"&case_id={case_id}" if case_id else "")
        path = f"/attachments/{sha256}/chunks/{index}{query}"
        return self._call("PUT", path, AttachmentStatus, raw=data, token=token)

    def attachment_content(self, sha256: str, token: str) -> bytes:
        return self._raw_call("GET", f"/attachments/{sha256}/content", token=token)

    # -- plumbing ------------------------------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        answer: type[_M],
        *,
        model: BaseModel | None = None,
        raw: bytes | None = None,
        token: str | None = None,
    ) -> _M:
        content = raw
        headers: dict[str, str] = {}
        if model is not None:
            content = model.model_dump_json(exclude_defaults=False).encode()
            headers["content-type"] = "application/json"
            if self._gzip and len(content) >= _GZIP_MIN_BYTES:
                content = gzip.compress(content, compresslevel=5)
                headers["content-encoding"] = "gzip"
        elif raw is not None:
            headers["content-type"] = "application/octet-stream"
        body = self._raw_call(method, path, content=content, headers=headers, token=token)
        try:
            return answer.model_validate_json(body)
        except ValidationError as exc:
            raise BadAnswer(
                f"the hub's answer to {path} does not match the protocol ({exc.error_count()} errors)"
            ) from exc

    def _raw_call(
        self,
        method: str,
        path: str,
        *,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        token: str | None = None,
    ) -> bytes:
        all_headers = {"accept-encoding": "gzip", **(headers or {})}
        if token is not None:
            all_headers["authorization"] = f"Bearer {token}"
        url = f"{self.base_url}{API_PREFIX}{path}"
        request = self._http.build_request(method, url, content=content, headers=all_headers, timeout=self._timeout)
        self.counters.requests += 1
        self.counters.bytes_sent += _head_size(request) + len(content or b"")
        try:
            response = self._http.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise HubTimeout("the hub did not answer in time") from exc
        except httpx.TransportError as exc:
            if _certificate_refused(exc):
                raise HubNotTrusted("the hub's certificate is not trusted by this computer") from exc
            raise HubUnreachable(f"the hub cannot be reached ({type(exc).__name__})") from exc
        try:
            body = self._read_capped(response)
        finally:
            response.close()
        self._note_hub_time(response)
        if response.status_code >= 400:
            raise _refusal(response, body)
        return body

    def _read_capped(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self._max_answer:
            raise BadAnswer(f"the hub's answer is too large ({declared} bytes)")
        chunks: list[bytes] = []
        size = 0
        wire = 0
        try:
            for chunk in response.iter_bytes():  # decoded (gunzipped) bytes: the cap applies to what we hold
                size += len(chunk)
                if size > self._max_answer:
                    raise BadAnswer("the hub's answer is too large")
                chunks.append(chunk)
            wire = response.num_bytes_downloaded
        except httpx.TimeoutException as exc:
            raise HubTimeout("the hub's answer stopped arriving") from exc
        except (httpx.TransportError, httpx.DecodingError) as exc:
            raise HubUnreachable(f"the hub's answer was cut off ({type(exc).__name__})") from exc
        finally:
            self.counters.bytes_received += _head_size(response) + (wire or response.num_bytes_downloaded)
        return b"".join(chunks)

    def _note_hub_time(self, response: httpx.Response) -> None:
        date = response.headers.get("date")
        if not date:
            return
        try:
            when = parsedate_to_datetime(date)
        except (TypeError, ValueError, IndexError):
            return
        self.hub_time = when if when.tzinfo else when.replace(tzinfo=UTC)
        self.hub_time_seen_at = datetime.now(UTC)


def _head_size(message: httpx.Request | httpx.Response) -> int:
    """Approximate bytes of the start line and headers as HTTP/1.1 puts them on the wire."""
    start = 40 if isinstance(message, httpx.Response) else len(message.method) + len(message.url.raw_path) + 12
    return start + sum(len(k) + len(v) + 4 for k, v in message.headers.raw) + 2


def _refusal(response: httpx.Response, body: bytes) -> HubRefused:
    status = response.status_code
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    code: ErrorCode | None = None
    message = f"the hub answered {status}"
    try:
        error = ErrorBody.model_validate_json(body)
        code, message = error.code, error.message
    except ValidationError:
        pass
    if code == ErrorCode.TOKEN_EXPIRED:
        return TokenExpired(message, status=status, code=code)
    if code == ErrorCode.ENROLMENT_CONSOLE_USER:
        return ConsoleUser(status=status, code=code)
    if code in _ACCESS_ENDED:
        return AccessEnded(message, status=status, code=code)
    if status == 413 or code == ErrorCode.TOO_LARGE:
        return TooLarge(message, status=status, code=code)
    if status in (408, 429) or status >= 500 or code in (ErrorCode.RATE_LIMITED, ErrorCode.UNAVAILABLE):
        return HubBusy(message, status=status, code=code, retry_after=retry_after)
    return HubRefused(message, status=status, code=code, retry_after=retry_after)


__all__ = ["DEFAULT_MAX_ANSWER_BYTES", "DEFAULT_TIMEOUT_S", "HubClient", "WireCounters", "check_hub_url"]
