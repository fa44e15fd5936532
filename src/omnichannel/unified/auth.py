"""Tokens a channel grants for one shop."""

from __future__ import annotations

from pydantic import Field

from omnichannel.unified.base import AwareDatetime, UnifiedModel


class TokenSet(UnifiedModel):
    """An access/refresh pair. Refresh tokens may be single-use: store the new one at once."""

    access_token: str = Field(repr=False)
    refresh_token: str = Field(repr=False)
    access_expires_at: AwareDatetime
    refresh_expires_at: AwareDatetime | None = None
    shop_id: str | None = None
