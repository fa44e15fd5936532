"""Django's PostgreSQL backend, with a statement of many parameters never prepared, and
cursors the ORM can use in a pipeline.

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

In a psycopg pipeline (``inventory.sql.pipelined``) ``execute`` returns before the
statement's answer is read: psycopg reads it when its rows are fetched. Django and our
helpers also ask a cursor for its ``description`` (the columns, before fetching) and its
``rowcount`` (whether an ``UPDATE`` found its row: ``Model.save`` would otherwise
``INSERT``); here those, too, first read the answer, as a fetch would. A savepoint is a
point where every answer owed is read: an error must surface inside the ``atomic`` block
that can roll it back (``get_or_create`` catches its own ``INSERT``'s conflict), not
after the block has let it through.

Times are read by psycopg's own loader when the session's time zone is UTC (it always is
with ``USE_TZ`` and no database ``TIME_ZONE``): it gives them ``datetime.timezone.utc``
itself, as Django's loader does by replacing each time's zone in Python. Django's, a
Python subclass, was a twentieth of a manual order's CPU in the web process, half of it
making a loader for every time column of every result.
"""

from __future__ import annotations

import contextlib
import datetime
from typing import Any

import psycopg
from django.db.backends.postgresql import base
from django.utils.asyncio import async_unsafe
from psycopg.pq import Format

MANY_PARAMETERS = 64
"""Above this, a statement is a batch's: run unprepared, planned for its values. The
widest single-row ``INSERT`` (an order) stays below it."""


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

    def read_owed(self) -> None:
        """Read the answers a pipeline still owes (its errors raised here); nothing to do
        outside one."""
        self._fetch_pipeline()

    def column_names(self) -> tuple[str, ...]:
        """The result's column names, without ``description``'s column objects and type
        lookups (``inventory.sql.instances`` wants only the names)."""
        self.read_owed()
        result = self.pgresult
        if result is None:
            return ()
        encoding = self._encoding
        return tuple(result.fname(n).decode(encoding) for n in range(result.nfields))

    @property
    def description(self) -> Any:
        self.read_owed()
        return super().description

    @property
    def rowcount(self) -> int:
        self.read_owed()
        return super().rowcount


class DatabaseWrapper(base.DatabaseWrapper):
    def _savepoint(self, sid: str) -> None:
        self._at_savepoint(self.ops.savepoint_create_sql(sid))

    def _savepoint_rollback(self, sid: str) -> None:
        pipeline = self.connection._pipeline
        if pipeline is not None:
            # After an error a pipeline refuses everything until it is synced; what it
            # still owed came after the savepoint and is undone by going back to it.
            with contextlib.suppress(psycopg.Error):
                pipeline.sync()
        self._at_savepoint(self.ops.savepoint_rollback_sql(sid))

    def _savepoint_commit(self, sid: str) -> None:
        self._at_savepoint(self.ops.savepoint_commit_sql(sid))

    def _at_savepoint(self, statement: str) -> None:
        with self.cursor() as cursor:
            cursor.execute(statement)
            with self.wrap_database_errors:
                cursor.cursor.read_owed()

    utc_times = False
    """Whether the connection reads times with psycopg's own loader (``init_connection_state``)."""

    def init_connection_state(self) -> None:
        super().init_connection_state()
        self.utc_times = (
            self.timezone is datetime.UTC
            and self.connection.info.parameter_status("TimeZone") == "UTC"
        )
        if self.utc_times:
            loader = psycopg.adapters.get_loader(base.TIMESTAMPTZ_OID, Format.TEXT)
            self.connection.adapters.register_loader("timestamptz", loader)

    @async_unsafe
    def create_cursor(self, name: str | None = None) -> Any:
        """Django's, except that a connection reading UTC times with psycopg's loader
        needs no loader of Django's on the cursor either (Django would look for its
        loader's ``timezone`` to decide). A named cursor (the ORM's ``iterator()``) is made
        as Django makes it: client-side bindings unless ``server_side_binding``, holdable
        in autocommit."""
        if not self.utc_times:
            return super().create_cursor(name)
        if not name:
            return self.connection.cursor()
        if self.settings_dict["OPTIONS"].get("server_side_binding") is not True:
            return base.ServerSideCursor(
                self.connection, name=name, scrollable=False, withhold=self.connection.autocommit
            )
        return self.connection.cursor(name, scrollable=False, withhold=self.connection.autocommit)

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        if params["cursor_factory"] is base.ServerBindingCursor:
            params["cursor_factory"] = Cursor
        return params
