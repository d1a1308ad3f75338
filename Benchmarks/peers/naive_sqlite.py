"""Naive Python + sqlite3: the transition a developer writes by hand against the same tables.

WAL, synchronous=FULL. Per transition: select the deal, check the stage and the guard, update it with
a version check, insert a history row and a task row. `--batch N` commits every N transitions.
"""
import argparse
import os
import sqlite3
import tempfile

from workload import DEALS, TRANSITIONS, run_timed

parser = argparse.ArgumentParser()
parser.add_argument("--batch", type=int, default=1)
parser.add_argument("--dir", default=None)
parser.add_argument("--count", type=int, default=None)
arguments = parser.parse_args()

directory = tempfile.mkdtemp(dir=arguments.dir, prefix="naive-sqlite-")
path = os.path.join(directory, "naive.sqlite")
db = sqlite3.connect(path, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=FULL")
db.executescript(
    """
    CREATE TABLE deals (id INTEGER PRIMARY KEY, stage TEXT NOT NULL, amount REAL NOT NULL,
                        touched INTEGER NOT NULL, version INTEGER NOT NULL);
    CREATE TABLE history (seq INTEGER PRIMARY KEY, deal_id INTEGER NOT NULL, version INTEGER NOT NULL,
                          transition TEXT NOT NULL, from_stage TEXT NOT NULL, to_stage TEXT NOT NULL);
    CREATE TABLE tasks (id INTEGER PRIMARY KEY, deal_id INTEGER NOT NULL, title TEXT NOT NULL,
                        stage TEXT NOT NULL, status TEXT NOT NULL);
    """
)
db.execute("BEGIN")
db.executemany(
    "INSERT INTO deals VALUES (?, 'prospecting', 1000, 0, 1)", [(index,) for index in range(DEALS)]
)
db.execute("COMMIT")
table = {name: (source, target) for name, source, target in TRANSITIONS}
pending = 0


def fire(index, name):
    global pending
    if pending == 0:
        db.execute("BEGIN IMMEDIATE")
    stage, amount, version = db.execute(
        "SELECT stage, amount, version FROM deals WHERE id = ?", (index,)
    ).fetchone()
    source, target = table[name]
    if stage != source or not amount > 0:
        raise RuntimeError(f"{name} blocked on deal {index}")
    changed = db.execute(
        "UPDATE deals SET stage = ?, touched = touched + 1, version = ? WHERE id = ? AND version = ?",
        (target, version + 1, index, version),
    ).rowcount
    if changed != 1:
        raise RuntimeError("lost update")
    db.execute(
        "INSERT INTO history (deal_id, version, transition, from_stage, to_stage) VALUES (?, ?, ?, ?, ?)",
        (index, version + 1, name, source, target),
    )
    db.execute(
        "INSERT INTO tasks (deal_id, title, stage, status) VALUES (?, ?, ?, 'open')",
        (index, f"Follow up in {target}", target),
    )
    pending += 1
    if pending == arguments.batch:
        db.execute("COMMIT")
        pending = 0


count = arguments.count or (1_000_000 if arguments.batch > 1 else 30_000)
name = "naive Python + sqlite3 (WAL, FULL), " + (
    "one transaction per transition" if arguments.batch == 1 else f"{arguments.batch} transitions per transaction"
)
run_timed(name, count, fire, budget=60)
if pending:
    db.execute("COMMIT")
db.close()
