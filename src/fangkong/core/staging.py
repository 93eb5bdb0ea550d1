"""The TEMP staging table of a set-based import: checked rows go in by chunks (COPY on
PostgreSQL, executemany on SQLite), then the importer works on them with SQL.

Used by the registry's ledger import and the push-list import (ADR 0008):

    staging = Staging(table="fk_x_stage", columns=[("row_no", "INTEGER"), …],
                      temp_tables=("fk_x_stage", "fk_x_match"), indexes=("row_no",))
    try:
        staging.create()
        staging.load(rows, progress, total)
        … SQL over the staged rows …
    finally:
        staging.drop()
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db import connection

CHUNK = 5000


def temp(name: str) -> str:
    """A temp table's qualified name: DROP must never reach a real table of that name."""
    return f"{'pg_temp' if connection.vendor == 'postgresql' else 'temp'}.{name}"


class Staging:
    def __init__(
        self,
        *,
        table: str,
        columns: Sequence[tuple[str, str]],
        temp_tables: Sequence[str],
        indexes: Sequence[str] = (),
        analyze: Sequence[str] = (),
        chunk: int | None = None,
    ) -> None:
        """`temp_tables`: every temp table of the import (dropped before and after);
        `indexes`: columns indexed once the rows are in; `analyze`: the columns whose
        statistics the joins need on PostgreSQL (all when empty)."""
        connection.ensure_connection()
        self.pg = connection.vendor == "postgresql"
        self.table, self.columns = table, list(columns)
        self.temp_tables, self.indexes, self.analyze = tuple(temp_tables), indexes, analyze
        self.chunk = chunk or CHUNK
        self._names = ", ".join(name for name, _kind in self.columns)
        # SQLite stores dates as text: the one conversion its driver no longer does.
        self._dates = [i for i, (_n, kind) in enumerate(self.columns) if kind == "DATE"]

    def create(self) -> None:
        columns = ", ".join(f"{name} {kind}" for name, kind in self.columns)
        with connection.cursor() as cursor:
            for name in self.temp_tables:
                cursor.execute(f"DROP TABLE IF EXISTS {temp(name)}")
            cursor.execute(f"CREATE TEMP TABLE {self.table} ({columns})")

    def load(
        self,
        rows: Iterator[tuple[Any, ...]],
        progress: Callable[[int, int], None] | None,
        total: int | None,
    ) -> None:
        chunk: list[tuple[Any, ...]] = []
        done = 0
        for row in rows:
            chunk.append(row)
            if len(chunk) >= self.chunk:
                self.write(chunk)
                done += len(chunk)
                chunk = []
                if progress is not None:
                    progress(done, max(total or 0, done))
        if chunk:
            self.write(chunk)
        with connection.cursor() as cursor:
            for column in self.indexes:
                cursor.execute(f"CREATE INDEX {self.table}_{column} ON {self.table} ({column})")
            # Temp tables are never auto-analysed.
            only = f" ({', '.join(self.analyze)})" if self.pg and self.analyze else ""
            cursor.execute(f"ANALYZE {self.table}{only}")

    def write(self, chunk: list[tuple[Any, ...]]) -> None:
        """Append rows to the staging table."""
        if self.pg:
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {self.table} ({self._names}) FROM STDIN") as copy,
            ):
                for row in chunk:
                    copy.write_row(row)
            return
        rows = [self._sqlite_row(row) for row in chunk] if self._dates else chunk
        marks = ", ".join("?" for _c in self.columns)
        raw = connection.connection.cursor()
        own = not connection.in_atomic_block  # one transaction per chunk, on the temp file only
        try:
            if own:
                raw.execute("BEGIN")
            raw.executemany(f"INSERT INTO {self.table} ({self._names}) VALUES ({marks})", rows)
            if own:
                raw.execute("COMMIT")
        except BaseException:
            if own:
                raw.execute("ROLLBACK")
            raise
        finally:
            raw.close()

    def _sqlite_row(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        values = list(row)
        for i in self._dates:
            if isinstance(values[i], dt.date):
                values[i] = values[i].isoformat()
        return tuple(values)

    def drop(self) -> None:
        """Temp tables outlive a transaction on a kept connection: always drop them."""
        with contextlib.suppress(Exception), connection.cursor() as cursor:
            for name in self.temp_tables:
                cursor.execute(f"DROP TABLE IF EXISTS {temp(name)}")
