"""``spotify-assets sql``: queries on the published snapshot, from the command line or a prompt.

Each statement opens the snapshot read-only and closes it when its rows are printed, so it always
answers from the newest snapshot, any number of readers can share it, and between statements the
prompt holds nothing open. It never touches the live warehouse, so it answers while a run (or
a notebook) holds that file.
"""

from __future__ import annotations

import contextlib
import csv
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TextIO

from spotify_assets.resources.warehouse_lock import lock_holder
from spotify_assets.snapshot.publish import INFO_TABLE

if TYPE_CHECKING:
    import duckdb

Format = Literal["table", "csv", "json"]
FORMATS: tuple[Format, ...] = ("table", "csv", "json")
QUIT = {".quit", ".exit", "\\q", "quit", "exit"}


class SnapshotUnavailableError(RuntimeError):
    """The snapshot cannot be opened: not published yet, or held read-write by another program."""


@contextmanager
def open_snapshot(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the snapshot, closed on exit."""
    import duckdb

    if not path.is_file():
        raise SnapshotUnavailableError(
            f"no snapshot at {path} yet: it is published at the end of each successful day "
            "(spotify-assets run, the daily schedule or a backfill)"
        )
    try:
        conn = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as exc:
        holder = lock_holder(str(exc))
        if holder is None:
            raise SnapshotUnavailableError(f"cannot open the snapshot {path}: {exc}") from None
        raise SnapshotUnavailableError(
            f"the snapshot {path} is held open read-write by {holder}, which keeps every other reader out "
            "of this copy until the next day is published; open it read-only instead "
            f"(duckdb.connect('{path}', read_only=True), or duckdb -readonly)"
        ) from None
    try:
        yield conn
    finally:
        conn.close()


def run_statement(path: Path, sql: str, out_format: Format, out: TextIO) -> None:
    """Run one statement on the snapshot and print its rows to ``out`` in ``out_format``."""
    with open_snapshot(path) as conn:
        cursor = conn.execute(sql)
        if not cursor.description:  # a statement without rows (SET, a temp table...)
            return
        columns = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    write_rows(columns, rows, out_format, out)


def write_rows(columns: Sequence[str], rows: Sequence[Sequence[Any]], out_format: Format, out: TextIO) -> None:
    if out_format == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    elif out_format == "json":
        # Dates, timestamps and decimals as their text; one object per row, keyed by column name.
        out.write(json.dumps([dict(zip(columns, row, strict=True)) for row in rows], default=str, ensure_ascii=False))
        out.write("\n")
    else:
        out.write(text_table(columns, rows))


def text_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Columns padded to their widest value (numbers right-aligned), a rule under the header, and
    the row count: readable in a terminal, and copied as plain text."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max([len(name), *(len(row[i]) for row in cells)]) for i, name in enumerate(columns)]
    numeric = [
        bool(rows) and all(isinstance(row[i], int | float) or row[i] is None for row in rows)
        for i in range(len(columns))
    ]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            value.rjust(width) if right else value.ljust(width)
            for value, width, right in zip(values, widths, numeric, strict=True)
        ).rstrip()

    body = [line(columns), line(["-" * width for width in widths]), *(line(row) for row in cells)]
    body.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(body) + "\n"


def _cell(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return f"{value:.6g}"
    return " ".join(str(value).split())  # a value with a newline keeps its row on one line


def describe_snapshot(path: Path) -> str:
    """One line: which snapshot, published when and by which run, how many days it holds."""
    with open_snapshot(path) as conn:
        cursor = conn.execute(f"SELECT published_at, run_id, days_held, first_day, last_day FROM {INFO_TABLE}")
        row = cursor.fetchone()
    if row is None:
        return f"snapshot {path}"
    published_at, run_id, days_held, first_day, last_day = row
    held = f"{days_held} day{'s' if days_held != 1 else ''} ({first_day} to {last_day})" if days_held else "no days"
    return f"snapshot {path}: {held}, published {published_at:%Y-%m-%d %H:%M:%S %Z} by run {run_id[:8]}"


def statements(lines: Iterator[str]) -> Iterator[str]:
    """SQL statements from prompt lines: each ends with ';' (as in the duckdb CLI and psql)."""
    pending: list[str] = []
    for line in lines:
        if not pending and line.strip().lower() in QUIT:
            return
        pending.append(line)
        if line.rstrip().endswith(";"):
            statement = "\n".join(pending).strip()
            pending = []
            if statement.strip(";").strip():
                yield statement
    if "".join(pending).strip():
        yield "\n".join(pending)


def prompt_lines(prompt: str = "sql> ", more: str = "...> ") -> Iterator[str]:
    """Lines typed at the prompt until Ctrl-D, or lines piped in (no prompt shown then, as in the
    duckdb CLI, so the output is only what the statements printed)."""
    if not sys.stdin.isatty():
        prompt = more = ""
    with contextlib.suppress(ImportError):  # readline is missing on some platforms
        import readline  # noqa: F401  (line editing and history for input(), where available)
    continued = False
    while True:
        try:
            line = input(more if continued else prompt)
        except EOFError:
            if prompt:
                print()
            return
        except KeyboardInterrupt:  # Ctrl-C drops the statement being typed, like other SQL prompts
            print()
            continued = False
            continue
        continued = (continued or bool(line.strip())) and not line.rstrip().endswith(";")
        yield line


def interactive(path: Path, out_format: Format) -> int:
    """The prompt: statements ending with ';', each on the newest snapshot; errors are printed and
    the prompt goes on. Returns the exit status."""
    import duckdb

    try:
        print(describe_snapshot(path))
    except SnapshotUnavailableError as exc:
        print(f"spotify-assets: {exc}", file=sys.stderr)
        return 1
    if sys.stdin.isatty():
        print("Statements end with ';'. SHOW TABLES; lists the tables, Ctrl-D (or .quit) leaves.")
    for statement in statements(prompt_lines()):
        try:
            run_statement(path, statement, out_format, sys.stdout)
        except SnapshotUnavailableError as exc:
            print(f"spotify-assets: {exc}", file=sys.stderr)
        except duckdb.Error as exc:  # a mistake in what was typed: say it, keep the prompt
            print(f"error: {_one_line(exc)}", file=sys.stderr)
    return 0


def query_once(path: Path, sql: str, out_format: Format) -> int:
    """One statement (``spotify-assets sql "SELECT ..."``); its error as one line and status 1."""
    import duckdb

    try:
        run_statement(path, sql, out_format, sys.stdout)
    except SnapshotUnavailableError as exc:
        print(f"spotify-assets: {exc}", file=sys.stderr)
        return 1
    except duckdb.Error as exc:
        print(f"spotify-assets: {_one_line(exc)}", file=sys.stderr)
        return 1
    return 0


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
