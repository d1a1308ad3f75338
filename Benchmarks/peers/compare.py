"""Runs DealFlow's benchmarks and the peers interleaved, in one run, and prints the comparison table.

Called by ../compare.sh, which prepares the environment (a virtualenv with the Python peers, PHP with
Symfony Workflow from Debian, the fdatasync probe, a throwaway PostgreSQL server). Every figure is a
median where the tool gives one; the disk's sync rate is measured three times, between the durable runs.
"""
import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BENCHMARKS = os.path.dirname(HERE)
ROOT = os.path.dirname(BENCHMARKS)

parser = argparse.ArgumentParser()
parser.add_argument("--python", required=True, help="the virtualenv's python")
parser.add_argument("--fsync", required=True, help="the compiled fdatasync probe")
parser.add_argument("--sqlite-floor", required=True, help="the compiled naive transition in C")
parser.add_argument("--postgres", help="a PostgreSQL URL for the psycopg peer")
parser.add_argument("--symfony-version", default="")
parser.add_argument("--quick", action="store_true", help="smaller peer runs, for trying the script")
parser.add_argument("--json", help="also write every figure to this file")
arguments = parser.parse_args()
scratch = tempfile.mkdtemp(prefix="dealflow-compare-", dir=os.environ.get("TMPDIR", "/var/tmp"))
figures = {}


def log(text):
    print(text, file=sys.stderr, flush=True)


def peer(key, command, cwd=HERE):
    log(f"· {key}: {' '.join(command)}")
    output = subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True).stdout
    line = [line for line in output.splitlines() if line.startswith("{")][-1]
    result = json.loads(line)
    figures.setdefault(key, []).append(result)
    log(f"  {result['value']:,.1f} {result['unit']}  ({result['peer']})")
    return result["value"]


UNITS = {"ns": 1e-9, "μs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}
SCALES = {"": 1, "K": 1e3, "M": 1e6, "G": 1e9}
# The CLI as the operator's guide installs it; compare.sh builds it.
CLI = os.path.join(ROOT, ".build", "static", "release", "dealflow")


def cells(text):
    """The figures of one row of the plugin's table: p0, p25, p50, p75, p90, p99, p100, samples."""
    return [cell.strip() for cell in text.split("│") if cell.strip()]


def number(cell):
    """`1,234`, `12.5K`: the value, the scale letter applied."""
    match = re.match(r"([\d.]+)([KMG]?)", cell.replace(",", ""))
    return float(match.group(1)) * SCALES[match.group(2)]


def dealflow(key, target, pattern):
    """Runs the benchmarks of one target matching `pattern`; returns {name: seconds (p50)}: per operation
    for a benchmark with a scaling factor (the plugin marks those rows with `*`), per iteration otherwise."""
    log(f"· {key}: DealFlow {target} --filter {pattern!r}")
    command = [
        "swift", "package", "--allow-writing-to-package-directory", "benchmark", "--target", target,
        "--filter", pattern, "--no-progress",
    ]
    output = subprocess.run(command, cwd=BENCHMARKS, check=True, capture_output=True, text=True).stdout
    results = {}
    current = None
    for line in output.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith(("│", "╒", "╞", "├", "╘", "=", "─")) and "│" not in stripped:
            current = stripped
        match = re.match(r"│\s*Time \(wall clock\) \((\w+)\)\s*(\*?)\s*│(.*)", stripped)
        if match and current:
            unit, _scaled, row = match.groups()
            results[current] = number(cells(row)[2]) * UNITS[unit]
        # The plugin scales a large custom metric itself: `lateness (µs) (K)` holds thousands of µs.
        match = re.match(r"│\s*lateness \(µs\)\s*(?:\(([KMG])\))?\s*│(.*)", stripped)
        if match and current:
            scale, row = match.groups()
            values = cells(row)
            factor = SCALES[scale or ""] * 1e-6
            results[current] = number(values[2]) * factor  # p50, like the other rows
            figures.setdefault("lateness p99", []).append({"name": current, "p99 s": number(values[5]) * factor})
        match = re.match(r"│\s*Memory \(resident peak\) \((\w+)\)\s*│(.*)", stripped)
        if match and current:
            unit, row = match.groups()
            figures.setdefault(key + " memory", []).append({"name": current, "p50": cells(row)[2], "unit": unit})
    if not results:
        raise SystemExit(f"no result for {target} {pattern}:\n{output}")
    for name, seconds in results.items():
        log(f"  {name}: {seconds:.6g} s per iteration")
    figures.setdefault(key, []).append(results)
    return results


def only(results):
    assert len(results) == 1, results
    return next(iter(results.values()))


def cli_seconds(arguments_list, environment, runs=21):
    """The median wall clock of a whole `dealflow` process, cold start included."""
    samples = []
    for index in range(runs):
        words = [word.replace("{i}", str(index)) for word in arguments_list]
        started = time.perf_counter()
        result = subprocess.run([CLI] + words, cwd=ROOT, env=environment, capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"dealflow {' '.join(words)} failed: {result.stderr}")
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


fsync_rates = []


def fsync():
    fsync_rates.append(peer("fdatasync", [arguments.fsync, scratch, "3"]))


# --- The run, interleaved: each DealFlow figure next to the peer it is compared with. -------------
quick = arguments.quick
fsync()
decide = 1 / only(dealflow("decide", "EngineBenchmarks", "decide.*"))
pytransitions = peer("pytransitions", [arguments.python, "pytransitions_bench.py"])
symfony = peer("symfony", ["php", "symfony_bench.php", arguments.symfony_version])
statemachine = peer("python-statemachine", [arguments.python, "statemachine_bench.py"])
plain = peer("plain dict", [arguments.python, "plain_dict.py"])
spiff = peer("spiff", [arguments.python, "spiff_bench.py"])

fsync()
fires = dealflow("durable fires", "EngineBenchmarks", "durable fires, one per.*")
fires_full = 1 / next(v for k, v in fires.items() if "FULL" in k)
fires_normal = 1 / next(v for k, v in fires.items() if "NORMAL" in k)
naive_single = peer(
    "naive sqlite single", [arguments.python, "naive_sqlite.py", "--dir", scratch] + (["--count", "5000"] if quick else [])
)
# What SQLite and this disk allow: the naive script's transaction in C, without an interpreter.
floor = peer("sqlite floor", [arguments.sqlite_floor, scratch, "3" if quick else "10"])
fsync()
naive_batched = peer(
    "naive sqlite batched",
    [arguments.python, "naive_sqlite.py", "--batch", "1000", "--dir", scratch] + (["--count", "100000"] if quick else []),
)
imported = 100_000 / only(dealflow("import", "EngineBenchmarks", "import.*"))
reminders = dealflow("scheduler", "SchedulerBenchmarks", "scheduler: fire 100,000.*")
dealflow("lateness", "SchedulerBenchmarks", "scheduler: lateness at 1,000 .*")
reminders_rate = 100_000 / only(reminders)
apscheduler_memory = peer(
    "apscheduler memory", [arguments.python, "apscheduler_bench.py", "--store", "memory"] + (["--jobs", "10000"] if quick else [])
)
apscheduler_sqlite = peer(
    "apscheduler sqlite",
    [arguments.python, "apscheduler_bench.py", "--store", "sqlite", "--jobs", "2000" if quick else "20000", "--dir", scratch],
)
fsync()

reports = {
    name: seconds
    for name, seconds in dealflow("reports", "AnalyticsBenchmarks", "report [a-z_]+: .*").items()
    if not name.startswith("postgres")
}

environment = dict(os.environ, DEALFLOW_DB=os.path.join(scratch, "cli.sqlite"), DEALFLOW_NOW="2026-11-23T14:00:00Z",
                   DEALFLOW_ACTOR="ana", DEALFLOW_ROLE="rep")
subprocess.run([CLI, "workflow", "apply", "workflows/b2b-sales.yaml"], cwd=ROOT, env=environment, check=True,
               capture_output=True)
subprocess.run([CLI, "import", "seeds/b2b-sales.csv"], cwd=ROOT, env=environment, check=True, capture_output=True)
for index in range(21):
    subprocess.run([CLI, "deal", "create", "--workflow", "b2b-sales", "--id", f"cli-{index}", "--set", "company=C",
                    "--set", "decision_maker=true", "--set", "contact_email=c@example.com"], cwd=ROOT, env=environment,
                   check=True, capture_output=True)
show = cli_seconds(["deal", "show", "b2b-0100"], environment)
fire = cli_seconds(["deal", "fire", "cli-{i}", "qualify"], environment)
fsync()

postgres = {}
if arguments.postgres:
    pg_fires = dealflow("postgres fires", "EngineBenchmarks", "postgres: durable fires.*")
    postgres["dealflow 1"] = 1 / next(v for k, v in pg_fires.items() if k.endswith(" 1 concurrent client"))
    postgres["dealflow 4"] = 1 / next(v for k, v in pg_fires.items() if k.endswith(" 4 concurrent clients"))
    postgres["psycopg 1"] = peer("psycopg 1", [arguments.python, "naive_psycopg.py", "--url", arguments.postgres,
                                             "--clients", "1"])
    postgres["psycopg 4"] = peer("psycopg 4", [arguments.python, "naive_psycopg.py", "--url", arguments.postgres,
                                             "--clients", "4"])

# --- The table. ------------------------------------------------------------------------------------
sync_rate = statistics.median(fsync_rates)


def rate(value):
    return f"{value:,.0f}/s"


rows = []


def row(figure, ours, peer_name, theirs, ratio, target, met):
    verdict = "" if not target else "yes" if met else "**no**"
    rows.append((figure, ours, peer_name, theirs, f"{ratio:.2f}×" if ratio is not None else "", target, verdict))


row("`decide` in memory (typed guard, on-enter action)", rate(decide), "pytransitions", rate(pytransitions),
    decide / pytransitions, "≥ 25×", decide >= 25 * pytransitions)
row("", "", "Symfony Workflow", rate(symfony), decide / symfony, "≥ 25×", decide >= 25 * symfony)
row("", "", "python-statemachine", rate(statemachine), decide / statemachine, "", True)
row("", "", "plain dict, no guard language", rate(plain), decide / plain, "", True)
row("Durable fires, one transaction each, WAL + FULL", rate(fires_full), "naive Python + sqlite3",
    rate(naive_single), fires_full / naive_single, "≥ 1.5×", fires_full >= 1.5 * naive_single)
row("", "", "`fdatasync` rate, same run", rate(sync_rate), fires_full / sync_rate, "≥ 0.75×",
    fires_full >= 0.75 * sync_rate)
row("", "", "the naive transition in C, prepared once (the floor)", rate(floor), fires_full / floor, "", True)
row("", "", "SpiffWorkflow (BPMN), state serialized after each task", rate(spiff), fires_full / spiff, "", True)
row("Durable fires, synchronous=NORMAL", rate(fires_normal), "", "", None, "", True)
# The floor against the two durable targets' peers: where it falls short, a fire that writes more than
# the naive one does not reach the target on this disk either.
row("The floor itself (C, not DealFlow), against the peers of the targets 1.5× and 0.75×", rate(floor),
    "naive Python + sqlite3", rate(naive_single), floor / naive_single, "", True)
row("", "", "`fdatasync` rate, same run", rate(sync_rate), floor / sync_rate, "", True)
row("Batched: import (deals with 3-stage paths, one transaction)", rate(imported), "naive, 1,000 per transaction",
    rate(naive_batched), imported / naive_batched, "≥ 2×", imported >= 2 * naive_batched)
row("Batched: scheduler, 100,000 due reminders", rate(reminders_rate), "naive, 1,000 per transaction",
    rate(naive_batched), reminders_rate / naive_batched, "≥ 2×", reminders_rate >= 2 * naive_batched)
row("Scheduler: 100,000 due reminders, effects committed", rate(reminders_rate), "APScheduler, SQLite store",
    rate(apscheduler_sqlite), reminders_rate / apscheduler_sqlite, "≥ 50×", reminders_rate >= 50 * apscheduler_sqlite)
row("", "", "APScheduler, memory store", rate(apscheduler_memory), reminders_rate / apscheduler_memory, "≥ 3×",
    reminders_rate >= 3 * apscheduler_memory)
steady = next(entry for entry in figures["lateness p99"] if "1,000" in entry["name"])
late_ms = steady["p99 s"] * 1000
row("Scheduler: p99 lateness, reminders arriving at a steady 1,000/s", f"{late_ms:.0f} ms", "", "", None, "< 50 ms",
    late_ms < 50)
memory = next((entry for entry in figures.get("scheduler memory", []) if "100,000" in entry["name"]), None)
if memory:
    megabytes = float(memory["p50"].replace(",", "")) * {"M": 1, "K": 1 / 1024, "G": 1024}.get(memory["unit"], 1)
    row("Scheduler: peak resident memory, 100,000 due reminders", f"{megabytes:.0f} MB", "", "", None, "< 100 MB",
        megabytes < 100)
for name, seconds in sorted(reports.items()):
    row(f"Report {name.split(':', 1)[0].removeprefix('report ')}", f"{seconds:.2f} s", "", "", None, "< 1 s", seconds < 1)
row("`dealflow deal show`, whole process (runtime linked statically)", f"{show * 1000:.1f} ms", "", "", None, "< 30 ms", show < 0.030)
row("`dealflow deal fire`, whole process (same)", f"{fire * 1000:.1f} ms", "one sync", f"{1000 / sync_rate:.2f} ms", None,
    "< 40 ms + one sync", fire < 0.040 + 1 / sync_rate)
if postgres:
    row("PostgreSQL: durable fires, 1 client", rate(postgres["dealflow 1"]), "naive psycopg, 1 client",
        rate(postgres["psycopg 1"]), postgres["dealflow 1"] / postgres["psycopg 1"], "", True)
    row("PostgreSQL: durable fires, 4 clients", rate(postgres["dealflow 4"]), "naive psycopg, 4 clients",
        rate(postgres["psycopg 4"]), postgres["dealflow 4"] / postgres["psycopg 4"], "", True)

print(f"Measured {datetime.date.today().isoformat()} on {os.cpu_count()} cores; `fdatasync` "
      f"{', '.join(f'{r:,.0f}' for r in fsync_rates)}/s during the run (median {sync_rate:,.0f}/s).\n")
print("| Figure | DealFlow | Peer | Peer's figure | Ratio | Target | Met |")
print("|---|---|---|---|---|---|---|")
for cells in rows:
    print("| " + " | ".join(cells) + " |")
if arguments.json:
    with open(arguments.json, "w") as file:
        json.dump({"fsync": fsync_rates, "figures": figures}, file, indent=2, default=str)
