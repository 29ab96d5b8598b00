"""SQL helpers that take the fast path each backend offers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import ARRAY, Column, Connection, Table, any_, bindparam

IN_CHUNK = 1000  # bound parameters per IN list, far below SQLite's limit


def matching(connection: Connection, column: Column, values: Sequence) -> Iterator[Any]:
    """Yield conditions that together select rows whose ``column`` is in ``values``.

    PostgreSQL gets one ``= ANY(array)`` condition with a single parameter; other backends get
    ``IN`` lists of at most ``IN_CHUNK`` values.
    """
    if not values:
        return
    if connection.dialect.name == "postgresql":
        yield column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
        return
    for start in range(0, len(values), IN_CHUNK):
        yield column.in_(list(values[start : start + IN_CHUNK]))


def bulk_insert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert plain rows fast: COPY on PostgreSQL, ``executemany`` elsewhere."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    copy_rows(connection, table.name, list(rows[0]), rows)


def copy_rows(
    connection: Connection, table_name: str, columns: list[str], rows: list[dict[str, Any]]
) -> None:
    """Write rows into a PostgreSQL table with COPY, inside the connection's transaction."""
    names = ", ".join(f'"{name}"' for name in columns)
    driver = connection.connection.driver_connection
    with (
        driver.cursor() as cursor,
        cursor.copy(f'COPY "{table_name}" ({names}) FROM STDIN') as copy,
    ):
        for row in rows:
            copy.write_row([row[name] for name in columns])


def insert_integer_rows(
    connection: Connection, table: Table, columns: list[str], rows: list[tuple[int, ...]]
) -> None:
    """Insert rows of integers: one COPY text block on PostgreSQL, ``executemany`` elsewhere."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    # Integers need no quoting, so the rows go out as one block instead of a call per row.
    line = "\t".join(["%d"] * len(columns)) + "\n"
    data = "".join([line % row for row in rows])
    names = ", ".join(f'"{name}"' for name in columns)
    driver = connection.connection.driver_connection
    with (
        driver.cursor() as cursor,
        cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy,
    ):
        copy.write(data)
