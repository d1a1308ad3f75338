"""python-statemachine: a StateMachine class, a cond on every transition, on_enter on every state."""
from importlib.metadata import version

from statemachine import State, StateMachine

from workload import DEALS, run_timed


class DealMachine(StateMachine):
    prospecting = State(initial=True)
    qualification = State()
    proposal = State()
    negotiation = State()
    won = State()
    lost = State()
    onboarding = State()

    qualify = prospecting.to(qualification, cond="amount_positive")
    propose = qualification.to(proposal, cond="amount_positive")
    negotiate = proposal.to(negotiation, cond="amount_positive")
    win = negotiation.to(won, cond="amount_positive")
    onboard = won.to(onboarding, cond="amount_positive")
    restart = onboarding.to(prospecting, cond="amount_positive")
    lose = qualification.to(lost, cond="amount_positive")
    retry = lost.to(prospecting, cond="amount_positive")

    def __init__(self):
        self.amount = 1000
        self.touched = 0
        super().__init__()

    def amount_positive(self):
        return self.amount > 0

    def on_enter_state(self):
        self.touched += 1


machines = [DealMachine() for _ in range(DEALS)]


def fire(index, name):
    machines[index].send(name)


run_timed(f"python-statemachine {version('python-statemachine')}", 1_000_000, fire, budget=30)
