"""The workload every peer runs, as DealFlow's EngineBenchmarks run it.

Seven stages; a guard `amount > 0` on every transition; an on-enter action on every stage (it counts
the deal's touches); 10,000 deals, each walking the same nine-step cycle (a win, onboarding and back
to prospecting, then a loss and back), round-robin over the deals.
"""
import json
import sys
import time

STAGES = ["prospecting", "qualification", "proposal", "negotiation", "won", "lost", "onboarding"]
TRANSITIONS = [  # name, source, target
    ("qualify", "prospecting", "qualification"),
    ("propose", "qualification", "proposal"),
    ("negotiate", "proposal", "negotiation"),
    ("win", "negotiation", "won"),
    ("onboard", "won", "onboarding"),
    ("restart", "onboarding", "prospecting"),
    ("lose", "qualification", "lost"),
    ("retry", "lost", "prospecting"),
]
CYCLE = ["qualify", "propose", "negotiate", "win", "onboard", "restart", "qualify", "lose", "retry"]
DEALS = 10_000
TRANSITIONS_TOTAL = 1_000_000


def schedule(total=TRANSITIONS_TOTAL, deals=DEALS):
    """(deal index, transition name) for each step, round-robin over the deals."""
    steps = [0] * deals
    for step in range(total):
        deal = step % deals
        yield deal, CYCLE[steps[deal] % len(CYCLE)]
        steps[deal] += 1


def run_timed(name, total, fire, budget=None, **extra):
    """Fires `total` transitions (or as many as fit in `budget` seconds), prints one JSON line."""
    started = time.perf_counter()
    done = 0
    for deal, transition in schedule(total):
        fire(deal, transition)
        done += 1
        if budget is not None and done % 1000 == 0 and time.perf_counter() - started > budget:
            break
    elapsed = time.perf_counter() - started
    report(name, done / elapsed, unit="transitions/s", count=done, seconds=round(elapsed, 3), **extra)


def report(name, value, unit, **extra):
    print(json.dumps({"peer": name, "value": round(value, 1), "unit": unit, **extra}))
    sys.stdout.flush()
