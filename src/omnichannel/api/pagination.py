"""Cursor pagination for every list: stable under inserts, cheap at any depth."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Generic, TypeVar

from django.conf import settings
from django.db.models import QuerySet
from ninja import Schema

from omnichannel.errors import InvalidRequest

T = TypeVar("T")


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        after = json.loads(base64.urlsafe_b64decode(padded.encode()))["after"]
        if not isinstance(after, int):
            raise ValueError(after)
        return after
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise InvalidRequest(
            "The cursor is not one this API gave out.", code="pagination.invalid_cursor"
        ) from exc


def paginate(queryset: QuerySet, cursor: str | None, limit: int | None) -> dict:
    """One page of ``queryset`` in ascending id order, after the cursor's id."""
    size = settings.OMNI_PAGE_SIZE_DEFAULT if limit is None else limit
    if not 1 <= size <= settings.OMNI_PAGE_SIZE_MAX:
        raise InvalidRequest(
            f"limit must be between 1 and {settings.OMNI_PAGE_SIZE_MAX}.",
            code="pagination.invalid_limit",
        )
    if cursor:
        queryset = queryset.filter(pk__gt=decode_cursor(cursor))
    rows = list(queryset.order_by("pk")[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    return {"items": rows, "next_cursor": encode_cursor(rows[-1].pk) if has_more else None}
