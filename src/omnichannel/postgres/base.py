"""Django's PostgreSQL backend, with a statement of many parameters never prepared, and
pipelines the ORM can run in.

A statement a connection runs again is prepared (settings.py), and PostgreSQL's default
``plan_cache_mode=auto`` then moves it to a generic plan once that looks no dearer than
the custom ones. For a statement with a few parameters (one order, one movement) that
saves planning on every request. For a batch's ``IN`` list of hundreds of parameters it
is a trap: the generic plan, made without the values, can scan a whole table (the ledger's
idempotency lookup for 500 movements took 290 ms instead of 6). Those statements are run
unprepared here, so PostgreSQL plans each one with its values; they are rare (one per
batch) and their planning is small next to their work.

A generic plan is only as good as the statistics it was made from: on a table filled
seconds ago it can be poor until autovacuum's ``ANALYZE`` re-plans it (decision 0013).

In a psycopg pipeline (``pipeline``) a statement's answer is read only when a later one's
rows are fetched or the pipeline ends, so its ``rowcount`` is not known when ``execute``
returns. Django decides on it whether an ``UPDATE`` found its row (``Model.save`` would
then ``INSERT``): here ``rowcount`` first waits for the answers still owed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from django.db.backends.postgresql import base

MANY_PARAMETERS = 64
"""Above this, a statement is a batch's: run unprepared, planned for its values. The
widest single-row ``INSERT`` (an order) stays below it."""


_open = threading.local()


@contextmanager
def pipeline(connection: psycopg.Connection) -> Iterator[None]:
    """``connection.pipeline()``, known to this backend's cursors while it is open."""
    with connection.pipeline() as opened:
        outer = getattr(_open, "pipeline", None)
        _open.pipeline = opened
        try:
            yield
        finally:
            _open.pipeline = outer


class Cursor(base.ServerBindingCursor):
    def execute(  # type: ignore[override]
        self,
        query: Any,
        params: Any = None,
        *,
        prepare: bool | None = None,
        binary: bool | None = None,
    ) -> Any:
        if prepare is None and params is not None and len(params) > MANY_PARAMETERS:
            prepare = False
        return super().execute(query, params, prepare=prepare, binary=binary)

    @property
    def rowcount(self) -> int:
        opened = getattr(_open, "pipeline", None)
        if opened is not None:
            opened.sync()  # the answers still owed, this statement's among them
        return super().rowcount


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        if params["cursor_factory"] is base.ServerBindingCursor:
            params["cursor_factory"] = Cursor
        return params
