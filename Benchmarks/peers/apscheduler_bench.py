"""APScheduler 3: 100,000 jobs all due, fired by a BackgroundScheduler, with a SQLite job store or in memory.

Each job appends to a list (its "effect"); the time is from start() to the last job run.
"""
import argparse
import os
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from importlib.metadata import version

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from workload import report

parser = argparse.ArgumentParser()
parser.add_argument("--store", choices=["sqlite", "memory"], required=True)
parser.add_argument("--jobs", type=int, default=100_000)
parser.add_argument("--dir", default=None)
arguments = parser.parse_args()

fired = []
done = threading.Event()


def remind(index):
    fired.append(index)
    if len(fired) == arguments.jobs:
        done.set()


if arguments.store == "sqlite":
    directory = tempfile.mkdtemp(dir=arguments.dir, prefix="apscheduler-")
    store = SQLAlchemyJobStore(url=f"sqlite:///{os.path.join(directory, 'jobs.sqlite')}")
else:
    store = MemoryJobStore()
scheduler = BackgroundScheduler(
    jobstores={"default": store},
    executors={"default": ThreadPoolExecutor(4)},
    job_defaults={"misfire_grace_time": None, "coalesce": False, "max_instances": 1},
    timezone=timezone.utc,
)
due = datetime.now(timezone.utc) - timedelta(seconds=1)
# Added while paused, so that the jobs exist (in the store) before the first one is fired.
scheduler.start(paused=True)
for index in range(arguments.jobs):
    scheduler.add_job(remind, "date", run_date=due, args=[index], id=f"job-{index}")
started = time.perf_counter()
scheduler.resume()
done.wait()
elapsed = time.perf_counter() - started
scheduler.shutdown(wait=False)
report(
    f"APScheduler {version('APScheduler')}, {arguments.store} job store",
    arguments.jobs / elapsed,
    unit="jobs fired/s",
    count=arguments.jobs,
    seconds=round(elapsed, 3),
)
