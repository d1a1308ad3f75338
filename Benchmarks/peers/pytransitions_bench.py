"""pytransitions: one Machine over 10,000 models, a condition on every transition, on_enter on every state."""
import transitions
from transitions import Machine

from workload import DEALS, STAGES, TRANSITIONS, run_timed


class Deal:
    def __init__(self):
        self.amount = 1000
        self.touched = 0

    def amount_positive(self):
        return self.amount > 0

    def touch(self):
        self.touched += 1


deals = [Deal() for _ in range(DEALS)]
states = [{"name": name, "on_enter": "touch"} for name in STAGES]
machine = Machine(
    model=deals,
    states=states,
    transitions=[
        {"trigger": name, "source": source, "dest": target, "conditions": "amount_positive"}
        for name, source, target in TRANSITIONS
    ],
    initial="prospecting",
    auto_transitions=False,
)


def fire(index, name):
    if not getattr(deals[index], name)():
        raise RuntimeError(f"{name} blocked")


run_timed(f"pytransitions {transitions.__version__}", 1_000_000, fire, budget=30)
