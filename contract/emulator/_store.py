"""SQLite state of the emulator.

One connection guarded by a re-entrant lock: uvicorn may run handlers concurrently
and tests read row counts from another thread, so every access takes the lock. Each
row keeps its searchable columns plus the whole resource as a JSON document.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["TABLES", "Document", "Principal", "Store"]

Document = dict[str, Any]

_SQLITE_MAX_INTEGER = 2**63 - 1

#: Tables and their searchable columns (besides `seq`, `id` and `doc`).
TABLES: dict[str, tuple[str, ...]] = {
    "organization": (),
    "user": ("organization_id",),
    "custom_object_type": ("organization_id",),
    "custom_field": ("organization_id", "custom_object_type_id"),
    "lead": ("organization_id",),
    "contact": ("organization_id", "lead_id"),
    "custom_object": ("organization_id", "lead_id", "custom_object_type_id"),
}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts as: the API key, its user and its organization."""

    api_key: str
    user_id: str
    organization_id: str


def _schema() -> str:
    statements = [
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS api_key (key TEXT PRIMARY KEY, label TEXT UNIQUE NOT NULL,"
        " user_id TEXT NOT NULL, organization_id TEXT NOT NULL)",
    ]
    for table, columns in TABLES.items():
        extra = "".join(f", {column} TEXT NOT NULL" for column in columns)
        statements.append(
            f'CREATE TABLE IF NOT EXISTS "{table}" (seq INTEGER PRIMARY KEY,'
            f" id TEXT UNIQUE NOT NULL{extra}, doc TEXT NOT NULL)"
        )
        if columns:
            statements.append(
                f'CREATE INDEX IF NOT EXISTS "{table}_by_{columns[-1]}"'
                f' ON "{table}" ({", ".join(columns)})'
            )
    return ";\n".join(statements) + ";"


class Store:
    """All persistent state; methods are atomic and thread-safe."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.RLock()
        # The connection is created here and used from the server thread as well;
        # the lock serialises every use, which is what check_same_thread protects.
        self._conn = sqlite3.connect(
            ":memory:" if path is None else str(path), check_same_thread=False
        )
        if path is not None:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_schema())
        self._conn.commit()
        self._closed = False

    def close(self) -> None:
        """Close the connection; later calls raise `sqlite3.ProgrammingError`."""
        with self._lock:
            if not self._closed:
                self._conn.close()
                self._closed = True

    # -- meta and keys -------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        """A stored setting, or None."""
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting."""
        with self._lock, self._conn:
            self._conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def set_api_key(self, label: str, key: str, user_id: str, organization_id: str) -> None:
        """Bind `key` to a user; `label` names the slot so a restart can replace the key."""
        with self._lock, self._conn:
            self._conn.execute("DELETE FROM api_key WHERE label = ? OR key = ?", (label, key))
            self._conn.execute(
                "INSERT INTO api_key (key, label, user_id, organization_id) VALUES (?, ?, ?, ?)",
                (key, label, user_id, organization_id),
            )

    def principal_for_key(self, key: str) -> Principal | None:
        """The principal an API key stands for, or None for an unknown key."""
        with self._lock:
            row = self._conn.execute(
                "SELECT key, user_id, organization_id FROM api_key WHERE key = ?", (key,)
            ).fetchone()
        return None if row is None else Principal(row[0], row[1], row[2])

    def principal_for_label(self, label: str) -> Principal:
        """The principal of a key slot such as "demo"."""
        with self._lock:
            row = self._conn.execute(
                "SELECT key, user_id, organization_id FROM api_key WHERE label = ?", (label,)
            ).fetchone()
        if row is None:
            raise LookupError(f"no API key labelled {label!r}")
        return Principal(row[0], row[1], row[2])

    # -- generic documents ---------------------------------------------------------

    def count_rows(self, table: str) -> int:
        """Number of rows in `table`, across all organizations."""
        if table not in TABLES and table != "api_key":
            raise ValueError(f"unknown table {table!r}; known: {', '.join(TABLES)}")
        with self._lock:
            row = self._conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()
        return int(row[0])

    def insert(self, table: str, doc: Document) -> None:
        """Store a new document; its searchable columns are read from the document."""
        columns = ("id", *TABLES[table])
        values = [doc[column] for column in columns]
        placeholders = ", ".join("?" for _ in range(len(columns) + 1))
        with self._lock, self._conn:
            self._conn.execute(
                f'INSERT INTO "{table}" ({", ".join(columns)}, doc) VALUES ({placeholders})',
                (*values, json.dumps(doc)),
            )

    def replace(self, table: str, doc: Document) -> bool:
        """Overwrite the document with the same id; False when it no longer exists."""
        with self._lock, self._conn:
            cursor = self._conn.execute(
                f'UPDATE "{table}" SET doc = ? WHERE id = ?', (json.dumps(doc), doc["id"])
            )
        return cursor.rowcount == 1

    def get(
        self, table: str, object_id: str, organization_id: str | None = None
    ) -> Document | None:
        """One document by id, restricted to an organization unless it is None."""
        query = f'SELECT doc FROM "{table}" WHERE id = ?'
        params: tuple[str, ...] = (object_id,)
        if organization_id is not None:
            query += " AND organization_id = ?"
            params += (organization_id,)
        with self._lock:
            row = self._conn.execute(query, params).fetchone()
        return None if row is None else _load(row[0])

    def find(
        self,
        table: str,
        *,
        skip: int = 0,
        limit: int | None = None,
        **where: str,
    ) -> list[Document]:
        """Documents matching every `column=value`, oldest first."""
        return self._select(table, where, "seq", skip, limit)

    def find_newest(
        self,
        table: str,
        *,
        skip: int = 0,
        limit: int | None = None,
        **where: str,
    ) -> list[Document]:
        """Documents matching every `column=value`, latest `date_created` first, then by id."""
        # Stored timestamps share one format (UTC, microseconds), so text order is time order.
        order = "json_extract(doc, '$.date_created') DESC, id"
        return self._select(table, where, order, skip, limit)

    def _select(
        self, table: str, where: dict[str, str], order: str, skip: int, limit: int | None
    ) -> list[Document]:
        query, params = self._where(table, where)
        query = f'SELECT doc FROM "{table}"{query} ORDER BY {order} LIMIT ? OFFSET ?'
        # SQLite integers are signed 64-bit; a larger skip is past every row anyway.
        skip = min(skip, _SQLITE_MAX_INTEGER)
        with self._lock:
            rows = self._conn.execute(query, (*params, -1 if limit is None else limit, skip))
            return [_load(row[0]) for row in rows.fetchall()]

    def count(self, table: str, **where: str) -> int:
        """Number of documents matching every `column=value`."""
        query, params = self._where(table, where)
        with self._lock:
            row = self._conn.execute(f'SELECT COUNT(*) FROM "{table}"{query}', params).fetchone()
        return int(row[0])

    def exists(self, table: str, object_id: str, **where: str) -> bool:
        """True when a document with this id matches every `column=value`."""
        return self.count(table, id=object_id, **where) > 0

    def delete(self, table: str, object_id: str) -> bool:
        """Remove one document; False when it did not exist."""
        with self._lock, self._conn:
            cursor = self._conn.execute(f'DELETE FROM "{table}" WHERE id = ?', (object_id,))
        return cursor.rowcount == 1

    def delete_lead(self, lead_id: str) -> None:
        """Remove a lead with its contacts and custom object instances, atomically."""
        with self._lock, self._conn:
            for table in ("custom_object", "contact"):
                self._conn.execute(f'DELETE FROM "{table}" WHERE lead_id = ?', (lead_id,))
            self._conn.execute('DELETE FROM "lead" WHERE id = ?', (lead_id,))

    @staticmethod
    def _where(table: str, where: dict[str, str]) -> tuple[str, tuple[str, ...]]:
        for column in where:
            # Column names are interpolated into SQL: only known names may pass.
            if column != "id" and column not in TABLES[table]:
                raise ValueError(f"{table} cannot be searched by {column!r}")
        if not where:
            return "", ()
        clause = " AND ".join(f"{column} = ?" for column in where)
        return f" WHERE {clause}", tuple(where.values())


def _load(text: str) -> Document:
    doc = json.loads(text)
    if not isinstance(doc, dict):
        raise TypeError("corrupt document in the emulator database")
    return doc
