"""The per-connection transport: retries, rate limits, token refresh, redacted records."""

from __future__ import annotations

import json
import ssl
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnichannel.connectors.errors import (
    AuthExpired,
    AuthRevoked,
    InvalidRequest,
    RateLimited,
    RemoteUnavailable,
)
from omnichannel.connectors.memory import MemoryRecorder, TokenBucketLimiter
from omnichannel.connectors.transport import (
    MAX_RECORDED_BODY,
    SECRET_KEYS,
    AccessToken,
    OutboundRequest,
    RetryPolicy,
    Transport,
    may_name_a_secret,
    parse_retry_after,
    redact,
)

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


class Script:
    """A fake remote answering with a scripted list of responses (or exceptions)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


class Tokens:
    """A token provider that counts refreshes and can refuse them."""

    def __init__(self, expires_at=None, refuse=False):
        self.token = AccessToken("tok-1", expires_at)
        self.refreshes = 0
        self.refuse = refuse

    def current(self):
        return self.token

    def refresh(self):
        if self.refuse:
            raise AuthRevoked("refresh refused")
        self.refreshes += 1
        self.token = AccessToken(f"tok-{self.refreshes + 1}", NOW + timedelta(hours=4))
        return self.token


def make_transport(script, **kwargs):
    sleeps: list[float] = []
    transport = Transport(
        "https://api.example",
        http_transport=httpx.MockTransport(script),
        sleep=sleeps.append,
        clock=lambda: NOW,
        **kwargs,
    )
    return transport, sleeps


def get(token):
    params = [("x", "1")] + ([("access_token", token)] if token else [])
    return OutboundRequest("GET", "/thing", params=params)


def test_server_errors_are_retried_with_exponential_backoff_when_safe():
    script = Script(httpx.Response(503), httpx.Response(502), httpx.Response(200, json={}))
    transport, sleeps = make_transport(script, retry=RetryPolicy(backoff_base=0.5))

    response = transport.send(get, family="orders", safe_to_retry=True)

    assert response.status_code == 200
    assert sleeps == [0.5, 1.0]


def test_unsafe_calls_are_not_retried_on_server_errors():
    script = Script(httpx.Response(500), httpx.Response(200))
    transport, sleeps = make_transport(script)

    with pytest.raises(RemoteUnavailable):
        transport.send(get, family="stock", safe_to_retry=False)
    assert len(script.requests) == 1
    assert sleeps == []


def test_timeouts_and_connection_errors_become_remote_unavailable_and_retry_when_safe():
    script = Script(
        httpx.ReadTimeout("slow"), httpx.ConnectError("refused"), httpx.Response(200, json={})
    )
    transport, sleeps = make_transport(script)

    assert transport.send(get, family="orders", safe_to_retry=True).status_code == 200
    assert len(sleeps) == 2


def test_retries_stop_after_the_policy_limit():
    script = Script(*[httpx.Response(500) for _ in range(3)])
    transport, _ = make_transport(script, retry=RetryPolicy(max_retries=2))

    with pytest.raises(RemoteUnavailable):
        transport.send(get, family="orders", safe_to_retry=True)
    assert len(script.requests) == 3


def test_rate_limited_calls_wait_the_retry_after_the_channel_gave():
    script = Script(httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200))
    limiter = TokenBucketLimiter(rate_per_second=100, burst=100, clock=lambda: 0.0)
    transport, sleeps = make_transport(script, rate_limiter=limiter)

    transport.send(get, family="stock", safe_to_retry=False)

    assert sleeps == [7.0]  # the limiter holds the retry back for the whole family
    assert len(script.requests) == 2


def test_without_a_limiter_the_transport_itself_waits_the_retry_after():
    script = Script(httpx.Response(429, headers={"Retry-After": "2"}), httpx.Response(200))
    transport, sleeps = make_transport(script)

    transport.send(get, family="stock")

    assert sleeps == [2.0]


def test_a_retry_after_beyond_the_bound_is_raised_for_the_job_to_reschedule():
    script = Script(httpx.Response(429, headers={"Retry-After": "600"}))
    transport, sleeps = make_transport(script, retry=RetryPolicy(max_retry_after=30))

    with pytest.raises(RateLimited) as raised:
        transport.send(get, family="stock")
    assert raised.value.retry_after == 600
    assert sleeps == []


def test_auth_expired_refreshes_once_and_retries_with_the_new_token():
    script = Script(httpx.Response(401), httpx.Response(200))
    tokens = Tokens()
    transport, _ = make_transport(script, token_provider=tokens)

    transport.send(get, family="orders")

    assert tokens.refreshes == 1
    assert script.requests[0].url.params["access_token"] == "tok-1"
    assert script.requests[1].url.params["access_token"] == "tok-2"


def test_auth_expired_twice_is_raised_after_a_single_refresh():
    script = Script(httpx.Response(401), httpx.Response(401))
    tokens = Tokens()
    transport, _ = make_transport(script, token_provider=tokens)

    with pytest.raises(AuthExpired):
        transport.send(get, family="orders")
    assert tokens.refreshes == 1


def test_a_refused_refresh_surfaces_as_auth_revoked():
    script = Script(httpx.Response(401))
    transport, _ = make_transport(script, token_provider=Tokens(refuse=True))

    with pytest.raises(AuthRevoked):
        transport.send(get, family="orders")


def test_a_token_close_to_expiry_is_refreshed_before_the_call():
    script = Script(httpx.Response(200))
    tokens = Tokens(expires_at=NOW + timedelta(minutes=2))
    transport, _ = make_transport(script, token_provider=tokens)

    transport.send(get, family="orders")

    assert tokens.refreshes == 1
    assert script.requests[0].url.params["access_token"] == "tok-2"


def test_client_errors_are_invalid_requests_and_never_retried():
    script = Script(httpx.Response(400), httpx.Response(200))
    transport, _ = make_transport(script)

    with pytest.raises(InvalidRequest):
        transport.send(get, family="orders", safe_to_retry=True)
    assert len(script.requests) == 1


def test_every_attempt_is_recorded_without_secrets():
    body = {"access_token": "AT", "refresh_token": "RT", "shop": {"partner_key": "PK"}, "n": 1}
    script = Script(
        httpx.Response(500),
        httpx.Response(200, json={"request_id": "r1", "refresh_token": "NEW", "ok": True}),
    )
    recorder = MemoryRecorder()
    transport, _ = make_transport(script, recorder=recorder)

    def post(token):
        return OutboundRequest(
            "POST", "/auth", params=[("sign", "SIG"), ("partner_id", "1")], json=body
        )

    transport.send(post, family="auth", safe_to_retry=True)

    assert [call.status_code for call in recorder.calls] == [500, 200]
    first, second = recorder.calls
    assert first.error_code == "remote_unavailable" and first.attempt == 1
    assert second.error_code is None and second.endpoint == "/auth"
    recorded = repr([first.request_body, second.request_body, second.response_body])
    for secret in ("AT", "RT", "PK", "SIG", "NEW"):
        assert f"'{secret}'" not in recorded
    assert second.request_body["query"] == [["sign", "[redacted]"], ["partner_id", "1"]]
    assert second.response_body["ok"] is True


def test_binary_responses_are_recorded_as_a_size_not_the_bytes():
    script = Script(
        httpx.Response(200, content=b"%PDF-1.4 ...", headers={"content-type": "application/pdf"})
    )
    recorder = MemoryRecorder()
    transport, _ = make_transport(script, recorder=recorder)

    transport.send(get, family="fulfillment")

    assert recorder.calls[0].response_body == "<12 bytes application/pdf>"


def recorded_response(response: httpx.Response):
    """The response body as the call record keeps it."""
    recorder = MemoryRecorder()
    transport, _ = make_transport(Script(response), recorder=recorder)
    transport.send(get, family="orders")
    return recorder.calls[0].response_body


def test_a_secret_nested_deep_in_a_response_is_redacted_and_the_rest_kept():
    body = {"response": {"shops": [{"id": 1, "auth": [{"Access_Token": "AT", "n": 2}]}]}}

    recorded = recorded_response(httpx.Response(200, json=body))

    assert recorded == {
        "response": {"shops": [{"id": 1, "auth": [{"Access_Token": "[redacted]", "n": 2}]}]}
    }


@pytest.mark.parametrize(
    "raw",
    [
        rb'{"a": [{"\u0073ign": "HIDDEN"}]}',  # an escaped ASCII letter
        rb'{"a": {"ACCESS_TO\u212aEN": "HIDDEN"}}',  # an escaped Kelvin sign: lowercases to k
        '{"a": {"access_to\u212aen": "HIDDEN"}}'.encode(),  # the Kelvin sign itself
        '{"a": {"Refresh_Token" : "HIDDEN"}}'.encode("utf-16"),  # JSON in UTF-16
    ],
)
def test_a_secret_key_however_it_is_spelled_is_redacted(raw):
    response = httpx.Response(200, content=raw, headers={"content-type": "application/json"})

    recorded = recorded_response(response)

    assert "HIDDEN" not in repr(recorded) and "[redacted]" in repr(recorded)


def test_a_json_body_over_the_bound_is_recorded_as_a_marker_without_its_content():
    body = b'{"access_token": "AT", "orders": [' + b'"x",' * MAX_RECORDED_BODY + b'"x"]}'
    response = httpx.Response(200, content=body, headers={"content-type": "application/json"})

    recorded = recorded_response(response)

    assert recorded == f"<{len(body)} bytes application/json: over 64000, not recorded>"


def test_a_json_body_at_the_bound_is_recorded_whole():
    body = b'{"pad": "' + b"x" * (MAX_RECORDED_BODY - 12) + b'"}'
    assert len(body) == MAX_RECORDED_BODY - 1

    recorded = recorded_response(httpx.Response(200, content=body))

    assert recorded == {"pad": "x" * (MAX_RECORDED_BODY - 12)}


def test_redact_returns_its_input_when_nothing_is_secret_and_never_changes_it():
    clean = {"a": [1, {"b": "c"}], "d": ("e",)}
    assert redact(clean) is clean

    secret = {"a": [1, {"b": "c", "SIGN": "S"}], "d": {"e": 1}}
    redacted = redact(secret)

    assert redacted == {"a": [1, {"b": "c", "SIGN": "[redacted]"}], "d": {"e": 1}}
    assert secret["a"][1]["SIGN"] == "S"  # the input is left as it was
    assert redacted["d"] is secret["d"]  # only the path to the secret is copied


def test_the_text_scan_knows_every_character_that_lowercases_into_a_secret_name():
    from omnichannel.connectors import transport

    name_characters = set("".join(SECRET_KEYS))
    spelling = {
        character
        for character in map(chr, range(0x110000))
        if set(character.lower()) <= name_characters
    }
    assert spelling == set(transport._NAME_SPELLINGS)


@pytest.mark.parametrize(
    ("text", "may"),
    [
        ('{"order": {"design": "sign", "signature_x": 1}}', True),  # a value "sign": walked
        ('{"order": {"design": "signed", "signature_x": 1}}', False),
        ('{"SiGn" : 1}', True),
        (r'{"note": "\\u0073ign"}', True),  # an escaped backslash: walked, harmlessly
        (r'{"name": "\u00e9l\u00e8ve", "\u00e9": 1}', False),  # escaped non-ASCII letters
        ('{"name": "\u00e9l\u00e8ve"}', False),
    ],
)
def test_the_text_scan_says_no_only_when_no_key_can_be_secret(text, may):
    assert may_name_a_secret(text) is may


KEYS = st.one_of(
    st.sampled_from(sorted(SECRET_KEYS)).flatmap(
        lambda name: st.lists(st.booleans(), min_size=len(name), max_size=len(name)).map(
            lambda upper: "".join(c.upper() if u else c for c, u in zip(name, upper, strict=True))
        )
    ),
    st.sampled_from(["access_to\u212aen", "sign ", "signs", "id", "design"]),
    st.text(max_size=8),
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=20,
)


@given(JSON, st.booleans())
def test_a_recorded_json_body_is_the_body_with_every_secret_redacted(value, ascii_only):
    body = json.dumps(value, ensure_ascii=ascii_only).encode()
    response = httpx.Response(200, content=body, headers={"content-type": "application/json"})

    recorded = recorded_response(response)

    assert recorded == redact(json.loads(body))


def test_the_token_bucket_makes_callers_wait_once_the_burst_is_spent():
    now = [0.0]
    limiter = TokenBucketLimiter(rate_per_second=2, burst=2, clock=lambda: now[0])

    waits = [limiter.acquire("catalog", "bulk") for _ in range(3)]

    assert waits == [0.0, 0.0, 0.5]


def test_lanes_have_separate_budgets_so_bulk_work_cannot_starve_stock_pushes():
    limiter = TokenBucketLimiter(rate_per_second=1, burst=1, clock=lambda: 0.0)
    for _ in range(5):
        limiter.acquire("catalog", "bulk")

    assert limiter.acquire("stock", "realtime") == 0.0


def test_retry_after_accepts_seconds_and_http_dates():
    assert parse_retry_after("3", NOW) == 3.0
    assert parse_retry_after("Wed, 01 Jan 2025 12:00:10 GMT", NOW) == 10.0
    assert parse_retry_after("soon", NOW) is None


def test_building_a_transport_does_not_load_the_ca_bundle_again(monkeypatch):
    Transport("https://channel.example")  # the process's one TLS context
    loads: list[object] = []
    load = ssl.SSLContext.load_verify_locations

    def counted(self: ssl.SSLContext, *args: object, **kwargs: object) -> None:
        loads.append(args)
        load(self, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counted)

    for _ in range(3):
        Transport("https://channel.example")

    assert loads == []  # a job builds a transport per connection; the bundle took ~50 ms


def test_a_batch_of_calls_takes_its_budget_in_one_go_and_each_call_waits_its_turn():
    limiter = TokenBucketLimiter(rate_per_second=2, burst=2, clock=lambda: 0.0)
    script = Script(*[httpx.Response(200, json={}) for _ in range(3)])
    transport, sleeps = make_transport(script, rate_limiter=limiter)

    transport.reserve("catalog", "bulk", 3)
    assert limiter.acquire("catalog", "bulk") == 1.0  # the batch's three are taken already
    for _ in range(3):
        transport.send(get, family="catalog", lane="bulk")

    assert len(script.requests) == 3
    assert sleeps == [pytest.approx(0.5, abs=0.05)]  # the third call's turn


def test_a_429_drops_the_reserved_budget_so_the_calls_after_it_wait_for_the_penalty():
    limiter = TokenBucketLimiter(rate_per_second=100, burst=100, clock=lambda: 0.0)
    script = Script(
        httpx.Response(429, headers={"Retry-After": "2"}),
        httpx.Response(200, json={}),
        httpx.Response(200, json={}),
    )
    transport, sleeps = make_transport(script, rate_limiter=limiter)

    transport.reserve("stock", "realtime", 2)
    transport.send(get, family="stock", lane="realtime")
    transport.send(get, family="stock", lane="realtime")

    assert sleeps == [2.0, 2.0]  # the retry and the next call, not a reserved turn
