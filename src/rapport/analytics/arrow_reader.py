"""`python -m rapport.analytics.arrow_reader FILE OUT`: run one query on a SQLite file with the
ADBC driver and write the result as Arrow IPC to OUT (the query and its parameters come as
JSON on standard input: {"sql": "... ? ...", "params": [...]}).

It runs in a process of its own, and imports neither Django nor Python's sqlite3 module, on
purpose: the ADBC driver links its own copy of SQLite, and two copies of SQLite in one process
break each other's POSIX file locks on the same database ("How To Corrupt An SQLite Database
File", §2.2.1) — in a web server or worker, whose other threads hold connections through
Python's sqlite3, that showed as "disk I/O error" and a job stuck running.
"""

import json
import sys


def main() -> int:
    import adbc_driver_sqlite.dbapi as adbc
    import polars as pl

    path, out = sys.argv[1], sys.argv[2]
    query = json.loads(sys.stdin.read())
    params = tuple(query.get("params") or ()) or None
    with adbc.connect(path) as db, db.cursor() as cursor:
        cursor.execute(query["sql"], params)
        table = pl.DataFrame(cursor.fetch_arrow())
    table.write_ipc(out, compression="uncompressed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
