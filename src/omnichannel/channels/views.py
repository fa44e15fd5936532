"""The public receiver of channel pushes: ``POST /hooks/<channel>/<app id>``.

A plain Django view (not the unified API): channels authenticate with their signature,
not a bearer token, and the answer must come fast and small.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from omnichannel.channels import webhooks
from omnichannel.errors import DomainError


def signed_url(request: HttpRequest) -> str:
    """The URL the channel signed: ours as the world sees it (``OMNI_PUBLIC_URL`` behind a
    proxy that rewrites the host or scheme), with the exact path and query received."""
    base = settings.OMNI_PUBLIC_URL.rstrip("/")
    return f"{base}{request.get_full_path()}" if base else request.build_absolute_uri()


@csrf_exempt
@require_POST
def receive_push(request: HttpRequest, channel: str, app_id: int) -> JsonResponse:
    """Store the push (once) and acknowledge; 401 for a bad signature, 404 for no app."""
    try:
        receipt = webhooks.receive(
            channel, app_id, signed_url(request), request.headers, request.body
        )
    except DomainError as exc:
        return JsonResponse(
            {"error": {"code": exc.code, "message": exc.message}}, status=exc.status
        )
    except ValueError as exc:  # signed by the channel, yet not a push we can read
        message = f"Unreadable push: {exc}"[:300]
        return JsonResponse(
            {"error": {"code": "webhook.unreadable", "message": message}}, status=400
        )
    return JsonResponse({"ok": True, "stored": receipt.stored, "duplicates": receipt.duplicates})


def receiver_path(channel: str, app_id: int) -> str:
    """The path to configure as the channel app's push URL."""
    return f"/hooks/{channel}/{app_id}"
