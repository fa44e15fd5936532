"""The base every unified model shares.

Connectors produce and consume these models; the API exposes them. Each keeps the
channel's own unmapped fields in ``channel_data`` so nothing a user may need is lost.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _must_be_aware(value: datetime) -> datetime:
    """Refuse naive datetimes: a time without a zone is a bug waiting for a DST change."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware (UTC)")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_must_be_aware)]


class UnifiedModel(BaseModel):
    """Base of every unified object: strict about unknown fields, keeps channel extras."""

    model_config = ConfigDict(extra="forbid", use_enum_values=False)

    channel_data: dict[str, Any] = Field(default_factory=dict)
