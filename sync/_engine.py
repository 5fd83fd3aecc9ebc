"""The sync loop: push the outbox in batches and pull pages, one ``POST /v1/sync`` round trip each, until both are
done; then attachments. Runs on demand (``sync_once`` / ``sync_now``) or in a background thread woken by
``notify_changed()`` or a timer, backing off with full jitter (and Retry-After) after failures.

The engine tells the truth through ``SyncStatus``: ``idle`` only after the hub answered, ``pending`` counts every
outbox row it has not acknowledged, and a failure leaves a plain-language sentence in ``last_error``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final, Protocol

from protocol import (
    DEFAULT_PULL_LIMIT,
    MAX_BATCH_MUTATIONS,
    MAX_BODY_BYTES,
    ErrorCode,
    SyncRequest,
    SyncResponse,
)
from sync._attachments import upload_pending
from sync._backoff import Backoff
from sync._client import HubClient
from sync._credentials import (
    ACCESS_EXPIRES,
    ENROL_AGAIN,
    HUB_CLOCK_OFFSET,
    LAST_SUCCESS,
    LEASE_EXPIRES,
    StoredCredentials,
    drop_tokens,
    load_credentials,
    load_cursor,
    meta_get,
    meta_put,
    store_credentials,
)
from sync._errors import VaultError
from sync._errors_sync import (
    AccessEnded,
    BadAnswer,
    HubBusy,
    HubRefused,
    HubTimeout,
    HubUnreachable,
    NotEnrolled,
    SyncError,
    TokenExpired,
    TooLarge,
)
from sync._replica import OutboxRow, Replica, VaultPort
from sync._status import Listener, Progress, StatusBoard, SyncState, SyncStatus

Clock = Callable[[], datetime]

_MAX_ROUNDS: Final = 100_000  # a hard stop for one run, far above any real outbox

ENROL_AGAIN_MESSAGE: Final = (
    "This device's sign-in was cancelled by the hub. Enrol again with a new code from your hub administrator; "
    "your unsynced work is kept."
)


#: How a run that raised ends: the first row whose exception matches gives the state and the plain sentence shown
#: (``{code}`` is the hub's error code or HTTP status). Order matters: a subclass comes before its base. Three
#: answers do more than report, before this table is read: a revoked device erases its vault (``AccessEnded.erase``),
#: a dead token family drops the tokens (``AccessEnded.enrol_again``), and dropped tokens mean ``NotEnrolled`` asks
#: for enrolment again (``SyncEngine._consequence``).
FAILURES: Final[tuple[tuple[type[Exception], SyncState, str], ...]] = (
    (AccessEnded, SyncState.ERROR, "The hub no longer accepts this device's sign-in. Enrol it again."),
    (HubTimeout, SyncState.OFFLINE, "The hub is too slow to answer. Your work is kept on this device."),
    (HubUnreachable, SyncState.OFFLINE, "The hub cannot be reached. Your work is kept on this device and sent later."),
    (HubBusy, SyncState.ERROR, "The hub is busy. Sync will try again shortly."),
    (BadAnswer, SyncState.ERROR, "The hub sent an answer this app cannot read. Nothing was changed."),
    (TooLarge, SyncState.ERROR, "The hub refused an item as too large."),
    (NotEnrolled, SyncState.ERROR, "This device is not enrolled with a hub yet."),
    (HubRefused, SyncState.ERROR, "The hub refused the sync ({code})."),
    (VaultError, SyncState.ERROR, "The vault is locked: unlock it to sync."),
)
_HANDLED: Final = tuple(kind for kind, _, _ in FAILURES)


def failure_of(exc: Exception) -> tuple[SyncState, str]:
    """The state and sentence for an exception that ended a run (``FAILURES``)."""
    for kind, state, message in FAILURES:
        if isinstance(exc, kind):
            code = (exc.code or exc.status) if isinstance(exc, HubRefused) else ""
            return state, message.format(code=code)
    raise exc


class EngineVault(VaultPort, Protocol):
    def erase(self) -> None: ...


@dataclass(frozen=True, slots=True)
class EngineSettings:
    batch_max: int = MAX_BATCH_MUTATIONS
    batch_bytes: int = MAX_BODY_BYTES // 2  # room for JSON around the fields
    pull_limit: int = DEFAULT_PULL_LIMIT
    interval_s: float = 60.0  # background sync every minute even without local changes (to pull)
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 300.0
    attachments: bool = True


def _renewable(exc: HubRefused) -> bool:
    """An access token the hub calls expired, or no longer knows: a refresh may still save the sign-in (if the
    refresh token is dead too, the refresh says so and the engine asks for enrolment)."""
    return isinstance(exc, TokenExpired) or exc.code == ErrorCode.TOKEN_INVALID


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class _Run:
    """One run's moving parts, handed from stage to stage."""

    creds: StoredCredentials
    batch_max: int
    total: int  # rows to send, as counted at the start (grows if more are saved meanwhile)
    sent0: int  # the client's byte counters at the start
    received0: int
    done: int = 0
    tried: set[str] = field(default_factory=set)
    more: bool = True
    first: bool = True


class SyncEngine:
    """One device's replication with the hub. Thread-safe; at most one sync runs at a time."""

    def __init__(
        self,
        vault: EngineVault,
        client: HubClient,
        *,
        settings: EngineSettings | None = None,
        replica: Replica | None = None,
        clock: Clock = _utc_now,
        backoff: Backoff | None = None,
    ) -> None:
        self._vault = vault
        self._client = client
        self.settings = settings or EngineSettings()
        self.replica = replica or Replica(vault)
        self._clock = clock
        self._backoff = backoff or Backoff(base=self.settings.backoff_base_s, cap=self.settings.backoff_cap_s)
        self._board = StatusBoard()
        self._run_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = 0  # background runs started / finished: sync_now waits for one that starts after it asks
        self._finished = 0
        self._last_run: SyncStatus | None = None
        self._runs_cond = threading.Condition()
        self._loop_ended = False  # the background loop has returned (revoked, or stopped): no run will follow
        self._revoked = False

    @property
    def hub_url(self) -> str:
        """The hub this engine talks to."""
        return self._client.base_url

    # -- status ---------------------------------------------------------------------------------------------------

    @property
    def status(self) -> SyncStatus:
        return self._board.current

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        return self._board.subscribe(listener)

    def refresh_status(self) -> SyncStatus:
        """Recount pending / conflicts / rejected (after a local save, a resolution...) and publish."""
        try:
            counts = self.replica.counts()
        except VaultError:
            return self._board.current
        return self._board.update(pending=counts.pending, conflicts=counts.conflicts, rejected=counts.rejected)

    # -- one run --------------------------------------------------------------------------------------------------

    def sync_once(self) -> SyncStatus:
        """Run one complete sync now (push everything, pull everything, attachments). Never raises."""
        with self._run_lock:
            return self._guarded()

    def _guarded(self) -> SyncStatus:
        if self._revoked:
            return self._board.update(state=SyncState.REVOKED)
        try:
            self._run(self._start())
        except _HANDLED as exc:
            consequence = self._consequence(exc)
            if consequence is not None:
                return consequence
            state, message = failure_of(exc)
            return self._fail(state, message, exc.retry_after if isinstance(exc, HubBusy) else None)
        return self._finish()

    def _start(self) -> StoredCredentials:
        """Credentials, the hub's clock and a live lease (a check-in renews it); the status says syncing or locked."""
        creds = self._credentials()
        if self._clock_offset() is None:
            creds = self._check_in(creds)  # learn the hub's time once: the lease is measured on its clock
        locked = self._lease_expired()
        if locked:
            creds = self._check_in(creds)  # a check-in that succeeds renews the lease; one that fails raises
            locked = self._lease_expired()
        self._board.update(state=SyncState.LOCKED if locked else SyncState.SYNCING, progress=Progress(), retry_in=None)
        return creds

    def _consequence(self, exc: Exception) -> SyncStatus | None:
        """The answers that do more than report (see ``FAILURES``); None for the others."""
        if isinstance(exc, AccessEnded) and exc.erase:
            self._revoked = True
            self._vault.erase()
            return self._board.update(
                state=SyncState.REVOKED,
                last_error="This device's access was withdrawn by the hub, so its data has been erased.",
            )
        if isinstance(exc, AccessEnded) and exc.enrol_again:
            # Not a reason to erase: the device is not revoked, and the unsynced work must survive.
            try:
                with self._vault.transaction() as conn:
                    drop_tokens(conn, str(exc.code))
            except VaultError:
                pass  # locked meanwhile: the next run hears the same answer and drops them then
            return self._fail(SyncState.ENROL_AGAIN, ENROL_AGAIN_MESSAGE)
        if isinstance(exc, NotEnrolled) and self._must_enrol_again():
            return self._fail(SyncState.ENROL_AGAIN, ENROL_AGAIN_MESSAGE)
        return None

    def _finish(self) -> SyncStatus:
        """The run reached its end: the time of this success, and the counts the hub's answers left."""
        self._backoff.reset()
        counts = self.replica.counts()
        now = self._clock()
        with self._vault.transaction() as conn:
            meta_put(conn, LAST_SUCCESS, now.isoformat())
        return self._board.update(
            state=SyncState.IDLE,
            pending=counts.pending,
            conflicts=counts.conflicts,
            rejected=counts.rejected,
            last_success=now,
            last_error=None,
            retry_in=None,
        )

    def _fail(self, state: SyncState, message: str, retry_after: float | None = None) -> SyncStatus:
        delay = self._backoff.next_delay(retry_after)
        try:
            counts = self.replica.counts()
            locked = self._lease_expired()
        except VaultError:
            return self._board.update(state=state, last_error=message, retry_in=delay)
        return self._board.update(
            state=SyncState.LOCKED if locked else state,
            pending=counts.pending,
            conflicts=counts.conflicts,
            rejected=counts.rejected,
            last_error=message,
            retry_in=delay,
        )

    def _credentials(self) -> StoredCredentials:
        with self._vault.transaction() as conn:
            creds = load_credentials(conn)
        if creds is None:
            raise NotEnrolled("no credentials in the vault")
        return creds

    def _must_enrol_again(self) -> bool:
        try:
            with self._vault.transaction() as conn:
                return meta_get(conn, ENROL_AGAIN) is not None
        except VaultError:
            return False

    def _clock_offset(self) -> float | None:
        with self._vault.transaction() as conn:
            offset = meta_get(conn, HUB_CLOCK_OFFSET)
        return None if offset is None else float(offset)

    def hub_now(self) -> datetime:
        """Our best idea of the hub's clock: the device clock corrected by the offset measured at a check-in (or
        from a Date header). Device clocks are never trusted on their own: a clock a year off changes nothing."""
        return self._clock() + timedelta(seconds=self._clock_offset() or 0.0)

    def _check_in(self, creds: StoredCredentials) -> StoredCredentials:
        """GET /v1/me: the hub's time, the lease, and whether this device is still welcome."""
        try:
            info = self._client.me(creds.access_token)
        except (TokenExpired, AccessEnded) as exc:
            if not _renewable(exc):
                raise
            creds = self._refresh(creds)
            info = self._client.me(creds.access_token)
        offset = (info.server_time - self._clock()).total_seconds()
        with self._vault.transaction() as conn:
            meta_put(conn, HUB_CLOCK_OFFSET, f"{offset:.3f}")
            meta_put(conn, LEASE_EXPIRES, info.lease_expires_at.isoformat())
        return creds

    def _lease_expired(self) -> bool:
        with self._vault.transaction() as conn:
            lease = meta_get(conn, LEASE_EXPIRES)
        return lease is not None and self.hub_now() > datetime.fromisoformat(lease)

    def _run(self, creds: StoredCredentials) -> None:
        """Round trips until the outbox is empty and the hub has nothing more, in named stages (as PouchDB's
        replicate.js): take a batch, send it, store the answers, pull pages ahead, finish (attachments)."""
        counters = self._client.counters
        run = _Run(creds, self.settings.batch_max, self.replica.queued_count(), counters.bytes_sent,
                   counters.bytes_received)  # fmt: skip
        # While a pure pull page is being stored, the next page is already on its way (one request in flight at
        # most; its answer is only used after the page before it committed, so the cursor never runs ahead).
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-prefetch") as pool:
            ahead: Future[tuple[SyncResponse, StoredCredentials]] | None = None
            for _ in range(_MAX_ROUNDS):
                if ahead is not None:
                    batch: list[OutboxRow] = []
                    response, run.creds = ahead.result()
                    ahead = None
                else:
                    batch = self._take_batch(run)
                    if not batch and not run.more and not run.first:
                        break
                    sent = self._send_batch(run, batch)
                    if sent is None:
                        continue  # the batch was made smaller or one mutation set aside: take again
                    response = sent
                ahead = self._pull_ahead(pool, run, batch, response)
                self._store_answers(run, batch, response)
        self._finish_run(run)

    def _take_batch(self, run: _Run) -> list[OutboxRow]:
        """Stage 1: the next rows to send (none when only pulling)."""
        return self.replica.take_batch(run.batch_max, self.settings.batch_bytes, skip=run.tried)

    def _send_batch(self, run: _Run, batch: list[OutboxRow]) -> SyncResponse | None:
        """Stage 2: one round trip with the batch and the cursor. None when the batch must be taken again: a timeout
        halves it (a smaller batch may get through a slow link); a request the hub refused as such is halved until
        the one mutation it cannot take is alone, and that one is set aside for the user (one bad record never
        blocks the queue). Any other failure raises, ending the run (``FAILURES``)."""
        with self._vault.transaction() as conn:
            cursor = load_cursor(conn)
        request = SyncRequest(
            mutations=[r.to_mutation() for r in batch], cursor=cursor, pull_limit=self.settings.pull_limit
        )
        try:
            response, run.creds = self._send(request, run.creds)
        except HubTimeout:
            if len(batch) <= 1:
                raise
            run.batch_max = max(1, len(batch) // 2)
            return None
        except (TooLarge, HubRefused) as exc:
            if isinstance(exc, (HubBusy, TokenExpired, AccessEnded)) or not batch or exc.status not in (400, 413, 422):
                raise
            if len(batch) > 1:
                run.batch_max = max(1, len(batch) // 2)
            else:
                self.replica.refuse_locally(batch[0], str(exc.code or "bad_request"), str(exc))
                run.tried.add(batch[0].mutation_id)
            return None
        return response

    def _pull_ahead(
        self, pool: ThreadPoolExecutor, run: _Run, batch: list[OutboxRow], response: SyncResponse
    ) -> Future[tuple[SyncResponse, StoredCredentials]] | None:
        """Stage 3: a pure pull page with more behind it asks for the next page now, while this one is stored."""
        if batch or not response.more:
            return None
        following = SyncRequest(cursor=response.cursor, pull_limit=self.settings.pull_limit)
        return pool.submit(self._send, following, run.creds)

    def _store_answers(self, run: _Run, batch: list[OutboxRow], response: SyncResponse) -> None:
        """Stage 4: the hub's answers, the pulled page and the cursor in one transaction; then the progress."""
        self._store(batch, response)
        run.tried.update(r.mutation_id for r in batch)
        run.more, run.first = response.more, False
        run.done += len(batch)
        run.total = max(run.total, run.done)
        counters = self._client.counters
        self._board.update(
            progress=Progress(
                items_done=run.done,
                items_total=run.total,
                bytes_sent=counters.bytes_sent - run.sent0,
                bytes_received=counters.bytes_received - run.received0,
            )
        )

    def _finish_run(self, run: _Run) -> None:
        """Stage 5: photographs of saved records, once the records themselves are with the hub."""
        if self.settings.attachments:
            upload_pending(self._vault, self._client, run.creds.access_token)

    def _send(self, request: SyncRequest, creds: StoredCredentials) -> tuple[SyncResponse, StoredCredentials]:
        # No refresh ahead of expiry: that would trust the device clock. The hub says token_expired; we refresh once.
        try:
            return self._client.sync(request, creds.access_token), creds
        except (TokenExpired, AccessEnded) as exc:
            if not _renewable(exc):
                raise
            creds = self._refresh(creds)  # once: a second expiry in a row is a real failure
            return self._client.sync(request, creds.access_token), creds

    def _refresh(self, creds: StoredCredentials) -> StoredCredentials:
        fresh = self._client.refresh(creds.refresh_token)
        with self._vault.transaction() as conn:
            store_credentials(conn, creds.hub_url, fresh)
            meta_put(conn, ACCESS_EXPIRES, fresh.access_expires_at.isoformat())
            stored = load_credentials(conn)
        assert stored is not None
        return stored

    def _store(self, batch: list[OutboxRow], response: SyncResponse) -> None:
        self.replica.store_response(batch, response)
        hub_time = self._client.hub_time
        if hub_time is not None:
            offset = (hub_time - self._clock()).total_seconds()
            with self._vault.transaction() as conn:
                meta_put(conn, HUB_CLOCK_OFFSET, f"{offset:.3f}")

    # -- background -----------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Sync in a background thread: at once, then when woken or every ``interval_s``; after a failure, back off."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping.clear()
        with self._runs_cond:
            self._loop_ended = False
        self._wake.set()
        self._thread = threading.Thread(target=self._loop, name="sync-engine", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the background thread and wait for it (a run in progress finishes its current request first)."""
        thread = self._thread
        if thread is None:
            return
        self._stopping.set()
        self._wake.set()
        if thread is not threading.current_thread():  # a listener on the engine's own thread may ask it to stop
            thread.join(timeout)
        self._thread = None

    def notify_changed(self) -> None:
        """The outbox changed (a local save): recount for the status, and sync soon."""
        self.refresh_status()
        self._wake.set()

    def sync_now(self, timeout: float = 120.0) -> SyncStatus:
        """Sync now and return the status after it. With the background thread, wakes it and waits for its run."""
        if self._thread is None:
            return self.sync_once()
        with self._runs_cond:
            target = self._started + 1
            self._wake.set()
            self._runs_cond.wait_for(
                lambda: self._finished >= target or self._loop_ended or self._stopping.is_set(), timeout
            )
            return self._last_run if self._finished >= target and self._last_run else self._board.current

    def _loop(self) -> None:
        try:
            self._loop_runs()
        finally:
            # However the loop ends (revoked, stopped, or an unexpected error), nobody may wait for a run that will
            # never come: wake every sync_now() waiter, and make later ones return at once.
            with self._runs_cond:
                self._loop_ended = True
                self._runs_cond.notify_all()

    def _loop_runs(self) -> None:
        delay = 0.0
        while not self._stopping.is_set():
            self._wake.wait(timeout=delay)
            if self._stopping.is_set():
                break
            with self._runs_cond:  # clear and count together, so a sync_now() after this waits for the next run
                self._wake.clear()
                self._started += 1
                run = self._started
            status = self.sync_once()
            with self._runs_cond:
                self._finished, self._last_run = run, status
                self._runs_cond.notify_all()
            if status.state == SyncState.REVOKED:
                break
            ok = status.state == SyncState.IDLE
            delay = self.settings.interval_s if ok else (status.retry_in or self.settings.backoff_base_s)


__all__ = [
    "ENROL_AGAIN_MESSAGE",
    "EngineSettings",
    "EngineVault",
    "SyncEngine",
    "SyncError",
]
