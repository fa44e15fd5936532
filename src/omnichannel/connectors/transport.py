"""One transport for every outbound call of a connection.

Connectors never touch httpx directly: they describe a request (a function of the current
access token, so a retry is re-signed with a fresh timestamp and a refreshed token) and
the transport does the rest, in one place:

- rate budget per (lane, family) through a pluggable ``RateLimiter``;
- the access token from a pluggable ``TokenProvider``: refreshed shortly before expiry,
  and once more if the channel answers ``auth_expired`` (then the call is retried once);
- explicit timeouts; retries with exponential backoff only when ``safe_to_retry`` (on
  server errors, timeouts, connection failures); ``rate_limited`` honours retry-after up to
  a bound, then surfaces so the job can be rescheduled instead of blocking a worker;
- a redacted ``CallRecord`` per attempt to a pluggable ``CallRecorder`` (the audit log).

The Django side implements the three protocols with the database (shared budget,
refresh under a cross-process lock, ApiCallLog); in-memory versions live here for tests.
"""

from __future__ import annotations

import functools
import json
import os
import re
import ssl
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import quote, urlencode

import httpx

from omnichannel.connectors.errors import (
    AuthExpired,
    ConnectorError,
    InvalidRequest,
    NotFound,
    RateLimited,
    RemoteUnavailable,
)

SECRET_KEYS = frozenset(
    {
        "access_token",
        "refresh_token",
        "sign",
        "signature",
        "partner_key",
        "secret",
        "client_secret",
        "app_secret",
        "api_key",
        "password",
        "authorization",
        "x-tts-access-token",
    }
)
REDACTED = "[redacted]"
MAX_RECORDED_BODY = 64_000
"""The most of a response body a call record keeps: text is cut there; a JSON body longer
than this (in bytes) is recorded as a marker, ``"<N bytes application/json: over 64000,
not recorded>"``, like a binary body. A detail batch of 50 orders answers ~90 KB: the log
of a 4PL's million orders a day would otherwise grow by gigabytes."""


def utc_now() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------- protocols


@dataclass(frozen=True)
class AccessToken:
    token: str = field(repr=False)
    expires_at: datetime | None = None


class TokenProvider(Protocol):
    """The connection's access token. ``refresh`` must run under a lock shared by every
    process (refresh tokens are single-use) and raise ``AuthRevoked`` when refused."""

    def current(self) -> AccessToken: ...

    def refresh(self) -> AccessToken: ...


class RateLimiter(Protocol):
    """A call budget. ``acquire`` takes one call and returns the seconds to wait first."""

    def acquire(self, family: str, lane: str) -> float: ...

    def acquire_many(self, family: str, lane: str, calls: int) -> list[float]:
        """Take ``calls`` calls at once; the seconds to wait before each, in order."""
        ...

    def penalize(self, family: str, lane: str, seconds: float) -> None:
        """The channel said slow down: no call of this family before ``seconds`` pass."""
        ...


@dataclass(frozen=True)
class CallRecord:
    """One attempt of one call, secrets removed. What ApiCallLog stores."""

    method: str
    endpoint: str
    family: str
    lane: str
    attempt: int
    started_at: datetime
    latency_ms: int
    status_code: int | None
    request_id: str | None
    error_code: str | None
    error_message: str | None
    request_body: Any
    response_body: Any


class CallRecorder(Protocol):
    def record(self, call: CallRecord) -> None: ...


# ----------------------------------------------------------------- requests and outcomes


@dataclass(frozen=True)
class OutboundRequest:
    """A request as a connector describes it; ``path`` is joined to the base URL."""

    method: str
    path: str
    params: Sequence[tuple[str, str]] = ()
    json: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """How a connector reads a response: the typed error, if any, and the request id."""

    error: ConnectorError | None = None
    request_id: str | None = None


RequestFactory = Callable[[str | None], OutboundRequest]
Interpreter = Callable[[httpx.Response], Outcome]


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    rate_limit_retries: int = 3
    max_retry_after: float = 30.0
    default_retry_after: float = 1.0

    def backoff(self, retry_number: int) -> float:
        """Exponential: base, 2*base, 4*base... capped."""
        return min(self.backoff_cap, self.backoff_base * 2 ** (retry_number - 1))


DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=5.0)
# Budget reserved for a batch of calls is used within this many seconds of each call's turn.
RESERVED_SECONDS = 1.0


# ---------------------------------------------------------------------------- helpers


def redact(value: Any) -> Any:
    """``value`` with every secret-named key's value replaced (keys compared lowercased).

    Copy on write: ``value`` itself when nothing under it is secret, else copies of only
    the containers on the way to a secret (a tuple comes back a list, a mapping a dict).
    """
    if isinstance(value, Mapping):
        copied: dict | None = None
        for key, item in value.items():
            if str(key).lower() in SECRET_KEYS:
                redacted: Any = REDACTED
            else:
                redacted = redact(item)
                if redacted is item:
                    continue
            if copied is None:
                copied = dict(value)
            copied[key] = redacted
        return value if copied is None else copied
    if isinstance(value, list | tuple):
        items: list | None = None
        for n, item in enumerate(value):
            redacted = redact(item)
            if redacted is not item:
                if items is None:
                    items = list(value)
                items[n] = redacted
        return value if items is None else items
    return value


def redact_params(params: Sequence[tuple[str, str]]) -> list[list[str]]:
    return [[key, REDACTED if key.lower() in SECRET_KEYS else value] for key, value in params]


# A JSON key is a secret's name once decoded and lowercased only if the text has that name
# in quotes (lowercasing is per character, so the key lowercased is a slice of the text
# lowercased), or if the key spells a character of the name as a ``\uXXXX`` escape: of
# an ASCII character, or of the Kelvin sign, the one other character lowercasing to one
# of them ("k"; the tests check every code point). JSON encoders escape none of these.
_QUOTED_SECRET_KEYS = tuple(f'"{name}"' for name in sorted(SECRET_KEYS))
_NAME_SPELLINGS = sorted(
    character
    for character in map(chr, [*range(128), 0x212A])
    if character.lower() in set("".join(SECRET_KEYS))
)
_ESCAPED_NAME_CHARACTER = re.compile(
    r"\\u(?:" + "|".join(f"{ord(character):04x}" for character in _NAME_SPELLINGS) + ")",
    re.IGNORECASE,
)


def may_name_a_secret(text: str) -> bool:
    """Whether some key of the JSON ``text`` may be a secret's name once decoded and
    lowercased (``redact``'s test); False is certain. A scan of the text (~0.1 ms for
    100 KB) instead of a walk of the parsed value (~3 ms), which most answers need not."""
    lowered = text.lower()
    return any(quoted in lowered for quoted in _QUOTED_SECRET_KEYS) or bool(
        _ESCAPED_NAME_CHARACTER.search(text)
    )


def _recordable_response(response: httpx.Response) -> Any:
    """What a call record keeps of a response: its JSON with secrets redacted, or its text
    cut at ``MAX_RECORDED_BODY``, or a marker with its size (binary, or JSON too large)."""
    content = response.content
    content_type = response.headers.get("content-type", "")
    if "json" in content_type or content[:1] in (b"{", b"["):
        if len(content) > MAX_RECORDED_BODY:
            return (
                f"<{len(content)} bytes {content_type or 'application/json'}: "
                f"over {MAX_RECORDED_BODY}, not recorded>"
            )
        try:
            # As json.loads decodes bytes (UTF-8, or UTF-16/32 when the body says so).
            text = content.decode(json.detect_encoding(content), "surrogatepass")
            value = json.loads(text)
        except ValueError:
            pass
        else:
            return redact(value) if may_name_a_secret(text) else value
    if content_type.startswith("text/"):
        return response.text[:MAX_RECORDED_BODY]
    return f"<{len(content)} bytes {content_type or 'unknown'}>"


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - now).total_seconds())
    except (TypeError, ValueError):
        return None


def http_outcome(response: httpx.Response) -> Outcome:
    """Classify by HTTP status alone: the fallback when a channel's body says nothing."""
    status = response.status_code
    message = f"HTTP {status}"
    if status < 400:
        return Outcome()
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("retry-after"), utc_now())
        return Outcome(RateLimited(message, retry_after=retry_after, status_code=status))
    if status == 401:
        return Outcome(AuthExpired(message, status_code=status))
    if status == 404:
        return Outcome(NotFound(message, status_code=status))
    if status >= 500:
        return Outcome(RemoteUnavailable(message, status_code=status))
    return Outcome(InvalidRequest(message, status_code=status))


# ------------------------------------------------------------------------- the transport


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context per process for every transport. Building one loads the CA bundle
    (tens of milliseconds, ~100 ms on a busy machine), and a transport is built for each
    job of each connection: a stock drain paid twice that before it sent anything."""
    return httpx.create_ssl_context()


@functools.cache
def _client_of_process(pid: int) -> httpx.Client:
    return httpx.Client(timeout=DEFAULT_TIMEOUT, verify=tls_context())


def shared_http_client() -> httpx.Client:
    """One HTTP client per process for every transport: its pool keeps connections to a
    channel's host open from one job to the next (keep-alive, TLS sessions), and building a
    client (proxies read from the environment, the pool) cost ~1 ms per transport, two per
    job. Keyed by process id: a forked worker must not use its parent's sockets."""
    return _client_of_process(os.getpid())


class Transport:
    """Every outbound call of one connection goes through ``send``."""

    def __init__(
        self,
        base_url: str,
        *,
        token_provider: TokenProvider | None = None,
        rate_limiter: RateLimiter | None = None,
        recorder: CallRecorder | None = None,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        refresh_margin: timedelta = timedelta(minutes=5),
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = utc_now,
        http_transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token_provider = token_provider
        self.rate_limiter = rate_limiter
        self.recorder = recorder
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self.refresh_margin = refresh_margin
        self.sleep = sleep
        self.clock = clock
        self._reserved: dict[tuple[str, str], deque[float]] = {}
        self._owns_http = http_transport is not None
        self._http = (
            httpx.Client(timeout=timeout, transport=http_transport, verify=tls_context())
            if self._owns_http
            else shared_http_client()
        )

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def url(self, request: OutboundRequest) -> str:
        """The request's absolute URL with its query: built here once, httpx would parse and
        merge base URL, path and parameters again on every call (~0.2 ms)."""
        url = f"{self.base_url}/{request.path.lstrip('/')}"
        return f"{url}?{urlencode(request.params, quote_via=quote)}" if request.params else url

    def send(
        self,
        build: RequestFactory,
        *,
        family: str,
        lane: str = "default",
        safe_to_retry: bool = False,
        authenticated: bool = True,
        interpret: Interpreter = http_outcome,
        timeout: httpx.Timeout | None = None,
    ) -> httpx.Response:
        """Send a request, returning the successful response or raising a ConnectorError.

        ``build(access_token)`` is called for every attempt so signatures stay fresh.
        A rate-limited call is retried whatever ``safe_to_retry`` says: the channel
        refused it without acting on it.
        """
        attempt = 0
        failures = 0
        rate_limited = 0
        refreshed = False
        while True:
            attempt += 1
            token = self._token(authenticated)
            self._wait_for_budget(family, lane)
            request = build(token)
            error, response = self._attempt(request, family, lane, attempt, timeout, interpret)
            if error is None:
                return response
            if isinstance(error, AuthExpired) and authenticated and not refreshed:
                refreshed = True
                self._refresh()
                continue
            if isinstance(error, RateLimited) and rate_limited < self.retry.rate_limit_retries:
                wait = error.retry_after
                if wait is None:
                    wait = self.retry.default_retry_after
                if self.rate_limiter is not None:
                    # Every caller of this family slows down, not only this one.
                    self.rate_limiter.penalize(family, lane, wait)
                    self._reserved.pop((family, lane), None)
                if wait <= self.retry.max_retry_after:
                    rate_limited += 1
                    if self.rate_limiter is None:
                        self.sleep(wait)
                    continue
            if (
                isinstance(error, RemoteUnavailable)
                and safe_to_retry
                and failures < self.retry.max_retries
            ):
                failures += 1
                self.sleep(self.retry.backoff(failures))
                continue
            raise error

    def _token(self, authenticated: bool) -> str | None:
        """The access token to use, refreshed first when it expires within the margin."""
        if not authenticated or self.token_provider is None:
            return None
        current = self.token_provider.current()
        if current.expires_at is not None and current.expires_at - self.clock() <= (
            self.refresh_margin
        ):
            current = self.token_provider.refresh()
        return current.token

    def _refresh(self) -> None:
        if self.token_provider is None:
            return
        self.token_provider.refresh()

    def reserve(self, family: str, lane: str, calls: int) -> None:
        """Take the budget of the next ``calls`` calls of ``family`` in one go: a connector
        about to make several calls (Shopee: one ``update_stock`` per item) saves the shared
        limiter a statement per call. A reserved turn not used within ``RESERVED_SECONDS``
        is dropped, never given back (the budget is never overspent), and a 429 drops what
        is left, so the calls after it wait for the penalty."""
        if self.rate_limiter is None or calls < 2:
            return
        now = time.monotonic()
        waits = self.rate_limiter.acquire_many(family, lane, calls)
        self._reserved[(family, lane)] = deque(now + wait for wait in waits)

    def _wait_for_budget(self, family: str, lane: str) -> None:
        if self.rate_limiter is None:
            return
        turn = self._reserved_turn(family, lane)
        wait = self.rate_limiter.acquire(family, lane) if turn is None else turn - time.monotonic()
        if wait > 0:
            self.sleep(wait)

    def _reserved_turn(self, family: str, lane: str) -> float | None:
        """When the next reserved call of this family may go (monotonic); None if none."""
        reserved = self._reserved.get((family, lane))
        now = time.monotonic()
        while reserved:
            turn = reserved.popleft()
            if turn + RESERVED_SECONDS >= now:
                return turn
        return None

    def _attempt(
        self,
        request: OutboundRequest,
        family: str,
        lane: str,
        attempt: int,
        timeout: httpx.Timeout | None,
        interpret: Interpreter,
    ) -> tuple[ConnectorError | None, httpx.Response | None]:
        started_at = self.clock()
        began = time.perf_counter()
        response: httpx.Response | None = None
        outcome: Outcome
        try:
            response = self._http.request(
                request.method,
                self.url(request),
                json=request.json,
                headers=dict(request.headers),
                timeout=timeout if timeout is not None else self.timeout,
            )
            outcome = interpret(response)
            if outcome.error is None and response.status_code >= 400:
                outcome = Outcome(http_outcome(response).error, outcome.request_id)
        except httpx.TimeoutException as exc:
            outcome = Outcome(RemoteUnavailable(f"timeout: {type(exc).__name__}"))
        except httpx.TransportError as exc:
            outcome = Outcome(RemoteUnavailable(f"connection failed: {type(exc).__name__}"))
        latency_ms = int((time.perf_counter() - began) * 1000)
        if outcome.error is not None and outcome.error.request_id is None:
            outcome.error.request_id = outcome.request_id
        self._record(request, family, lane, attempt, started_at, latency_ms, response, outcome)
        return outcome.error, response

    def _record(
        self,
        request: OutboundRequest,
        family: str,
        lane: str,
        attempt: int,
        started_at: datetime,
        latency_ms: int,
        response: httpx.Response | None,
        outcome: Outcome,
    ) -> None:
        if self.recorder is None:
            return
        error = outcome.error
        self.recorder.record(
            CallRecord(
                method=request.method,
                endpoint=request.path,
                family=family,
                lane=lane,
                attempt=attempt,
                started_at=started_at,
                latency_ms=latency_ms,
                status_code=response.status_code if response is not None else None,
                request_id=outcome.request_id,
                error_code=(error.channel_code or error.code) if error else None,
                error_message=error.message if error else None,
                request_body={
                    "query": redact_params(request.params),
                    "json": redact(request.json),
                },
                response_body=_recordable_response(response) if response is not None else None,
            )
        )
