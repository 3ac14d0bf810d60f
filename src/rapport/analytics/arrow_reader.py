"""`python -m rapport.analytics.arrow_reader FILE`: run queries on a SQLite file with the ADBC
driver, one after the other, and write each result as Arrow IPC to its file (the queries come
as JSON on standard input: [{"sql": "... ? ...", "params": [...], "out": "PATH"}, ...]).

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

    path = sys.argv[1]
    queries = json.loads(sys.stdin.read())
    with adbc.connect(path) as db, db.cursor() as cursor:
        for query in queries:
            params = tuple(query.get("params") or ()) or None
            cursor.execute(query["sql"], params)
            table = pl.DataFrame(cursor.fetch_arrow())
            table.write_ipc(query["out"], compression="uncompressed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
