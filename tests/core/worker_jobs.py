"""Jobs the worker processes of test_schedule_workers.py declare (imported in those children
only): each appends a line to the file RAPPORT_TEST_JOB_LOG names, so the test counts runs by
their effects, not only by the rows that record them."""

import datetime as dt
import os
import time

from rapport.core.schedule import JobContext, periodic


def _log(line: str) -> None:
    with open(os.environ["RAPPORT_TEST_JOB_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{line} {os.getpid()}\n")


if os.environ.get("RAPPORT_TEST_JOBS") == "race":

    @periodic("test.race", every=dt.timedelta(seconds=1), takes_context=True)
    def race(context: JobContext) -> None:
        _log(f"{context.slot.isoformat()} {context.skipped_slots}")


if os.environ.get("RAPPORT_TEST_JOBS") == "crash":

    @periodic("test.crash", every=dt.timedelta(hours=1), takes_context=True)
    def crash(context: JobContext) -> None:
        _log(f"start {context.attempt} {context.slot.isoformat()}")
        if context.attempt == 1:
            time.sleep(120)  # killed meanwhile
        _log(f"done {context.attempt} {context.slot.isoformat()}")


if os.environ.get("RAPPORT_TEST_JOBS") == "slow":

    @periodic("test.slow", every=dt.timedelta(hours=1), takes_context=True)
    def slow(context: JobContext) -> None:
        _log(f"start {context.attempt}")
        time.sleep(3)  # the worker is asked to stop meanwhile
        _log(f"done {context.attempt}")
