"""Naive Python + psycopg on PostgreSQL: the same hand-written transition, one transaction each, from
N client processes on their own deals."""
import argparse
import multiprocessing
import time

import psycopg

from workload import CYCLE, TRANSITIONS, report

parser = argparse.ArgumentParser()
parser.add_argument("--url", required=True)
parser.add_argument("--clients", type=int, default=1)
parser.add_argument("--seconds", type=float, default=15)
arguments = parser.parse_args()
table = {name: (source, target) for name, source, target in TRANSITIONS}
DEALS_PER_CLIENT = 1000


def setup():
    with psycopg.connect(arguments.url, autocommit=True) as db:
        db.execute("DROP TABLE IF EXISTS peer_deals, peer_history, peer_tasks")
        db.execute(
            "CREATE TABLE peer_deals (id INTEGER PRIMARY KEY, stage TEXT NOT NULL, amount NUMERIC NOT NULL, "
            "touched INTEGER NOT NULL, version INTEGER NOT NULL)"
        )
        db.execute(
            "CREATE TABLE peer_history (seq BIGSERIAL PRIMARY KEY, deal_id INTEGER NOT NULL, version INTEGER NOT NULL, "
            "transition TEXT NOT NULL, from_stage TEXT NOT NULL, to_stage TEXT NOT NULL)"
        )
        db.execute(
            "CREATE TABLE peer_tasks (id BIGSERIAL PRIMARY KEY, deal_id INTEGER NOT NULL, title TEXT NOT NULL, "
            "stage TEXT NOT NULL, status TEXT NOT NULL)"
        )
        with db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO peer_deals VALUES (%s, 'prospecting', 1000, 0, 1)",
                [(index,) for index in range(DEALS_PER_CLIENT * arguments.clients)],
            )


def client(number, results):
    db = psycopg.connect(arguments.url)
    first = number * DEALS_PER_CLIENT
    steps = [0] * DEALS_PER_CLIENT
    done = 0
    deadline = time.perf_counter() + arguments.seconds
    while time.perf_counter() < deadline:
        local = done % DEALS_PER_CLIENT
        index = first + local
        name = CYCLE[steps[local] % len(CYCLE)]
        source, target = table[name]
        with db.transaction():
            stage, amount, version = db.execute(
                "SELECT stage, amount, version FROM peer_deals WHERE id = %s", (index,)
            ).fetchone()
            if stage != source or not amount > 0:
                raise RuntimeError(f"{name} blocked")
            cursor = db.execute(
                "UPDATE peer_deals SET stage = %s, touched = touched + 1, version = %s WHERE id = %s AND version = %s",
                (target, version + 1, index, version),
            )
            if cursor.rowcount != 1:
                raise RuntimeError("lost update")
            db.execute(
                "INSERT INTO peer_history (deal_id, version, transition, from_stage, to_stage) VALUES (%s, %s, %s, %s, %s)",
                (index, version + 1, name, source, target),
            )
            db.execute(
                "INSERT INTO peer_tasks (deal_id, title, stage, status) VALUES (%s, %s, %s, 'open')",
                (index, f"Follow up in {target}", target),
            )
        steps[local] += 1
        done += 1
    results.put(done)
    db.close()


if __name__ == "__main__":
    setup()
    results = multiprocessing.Queue()
    processes = [multiprocessing.Process(target=client, args=(n, results)) for n in range(arguments.clients)]
    started = time.perf_counter()
    for process in processes:
        process.start()
    total = sum(results.get() for _ in processes)
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - started
    report(
        f"naive Python + psycopg {psycopg.__version__}, {arguments.clients} client(s)",
        total / elapsed,
        unit="transitions/s",
        count=total,
        seconds=round(elapsed, 3),
    )
