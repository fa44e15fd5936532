"""What every Shopee mapping shares: the channel key, unix times, blank strings."""

from __future__ import annotations

from datetime import UTC, datetime

CHANNEL = "shopee"


def from_timestamp(value: int | None) -> datetime | None:
    """Shopee sends unix seconds; 0 means 'not set'."""
    if not value:
        return None
    return datetime.fromtimestamp(value, tz=UTC)


def to_timestamp(value: datetime) -> int:
    return int(value.timestamp())


def none_if_blank(value: str | None) -> str | None:
    """Shopee sends "" for an absent text field; unified models say None."""
    return value or None
