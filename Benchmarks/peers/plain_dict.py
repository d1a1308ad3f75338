"""A plain dict state machine in CPython: no guard language, no framework; the floor of Python."""
from workload import DEALS, STAGES, TRANSITIONS, run_timed

table = {name: (source, target) for name, source, target in TRANSITIONS}
deals = [{"stage": "prospecting", "amount": 1000, "touched": 0} for _ in range(DEALS)]


def fire(index, name):
    deal = deals[index]
    source, target = table[name]
    if deal["stage"] != source or not deal["amount"] > 0:
        raise RuntimeError(f"{name} blocked")
    deal["stage"] = target
    deal["touched"] += 1


run_timed("plain dict (CPython)", 1_000_000, fire)
