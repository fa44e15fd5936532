"""Fixtures of the connector tests: the Shopee sandbox and a shop authorized on it."""

from .shopee_sandbox import sandbox, shop  # noqa: F401
