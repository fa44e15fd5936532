"""Answers a view has already validated, rendered the way the API renders every answer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse


def rendered(request: HttpRequest, data: Any, status: int = 200) -> HttpResponse:
    """``data`` (a schema's ``model_dump()``) as the JSON answer, without validating it
    against the operation's response schema a second time."""
    from omnichannel.api.main import api  # api.main mounts every router: import it late

    return api.create_response(request, data, status=status)
