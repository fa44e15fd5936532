"""The WSGI path for channel pushes: ``POST /hooks/<channel>/<app id>`` without the site's
middleware, on a database connection kept between pushes.

Pushes are the hottest requests of the service (a marketplace sends one per order status
change, and retries a slow answer). They need none of what the site's middleware does —
sessions, CSRF, messages, authentication, static files, idempotency keys — which cost
more than storing the push. So the WSGI application sends push paths here:

- the request is logged like every other (``RequestLogMiddleware``: request id, one line);
- the view is ``views.receive_push``, the same one ``urls.py`` serves to the test client;
- the thread's connection is kept for the next push, and dropped only once it failed.
  That is safe here: the receiver runs single statements in autocommit, never holding a
  transaction or lock between requests. Other requests keep theirs as ``CONN_MAX_AGE``
  says.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.core.handlers.wsgi import WSGIRequest
from django.db import connection as database
from django.http import HttpRequest, HttpResponse, JsonResponse

from omnichannel.api.middleware import RequestLogMiddleware
from omnichannel.channels.views import receive_push

logger = logging.getLogger("omnichannel.webhooks")

PUSH_PATH = re.compile(r"/hooks/(?P<channel>[a-z0-9_-]+)/(?P<app_id>[0-9]+)")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def with_push_receiver(site: WsgiApp) -> WsgiApp:
    """The site's WSGI application, with push paths answered by the lean receiver."""
    logged = RequestLogMiddleware(_respond)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if PUSH_PATH.fullmatch(environ.get("PATH_INFO", "")) is None:
            return site(environ, start_response)
        _drop_broken_connection()
        response = logged(WSGIRequest(environ))
        start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
        # The content, not the response: closing a Django response sends request_finished,
        # which would close the connection this path keeps.
        return [response.content]

    return application


def _respond(request: HttpRequest) -> HttpResponse:
    match = PUSH_PATH.fullmatch(request.path_info)
    assert match is not None
    try:
        return receive_push(request, match["channel"], int(match["app_id"]))
    except SuspiciousOperation as exc:  # e.g. a Host header not in ALLOWED_HOSTS
        return _error(400, "bad_request", str(exc))
    except Exception:
        logger.exception("push receiver failed", extra={"path": request.path_info})
        return _error(500, "server_error", "The push was not stored; send it again.")


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def _drop_broken_connection() -> None:
    """Close the kept connection if a statement failed on it and it no longer answers (the
    database restarted, say); the next query reconnects. Left alone inside a transaction
    this thread did not open here (tests wrap requests in one)."""
    if database.connection is None or database.in_atomic_block:
        return
    if not database.get_autocommit():
        database.close()
    elif database.errors_occurred:
        if database.is_usable():
            database.errors_occurred = False
        else:
            database.close()
