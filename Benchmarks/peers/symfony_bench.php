<?php
// Symfony Workflow (Debian's php-symfony-workflow) as a state machine: a guard listener on every
// transition (amount > 0), an entered listener on every place; 10,000 deals, 1,000,000 transitions
// round-robin, the same cycle as DealFlow's workload.
require_once 'Symfony/Component/EventDispatcher/autoload.php';
require_once 'Symfony/Component/Workflow/autoload.php';

use Symfony\Component\EventDispatcher\EventDispatcher;
use Symfony\Component\Workflow\DefinitionBuilder;
use Symfony\Component\Workflow\Event\EnteredEvent;
use Symfony\Component\Workflow\Event\GuardEvent;
use Symfony\Component\Workflow\MarkingStore\MethodMarkingStore;
use Symfony\Component\Workflow\StateMachine;
use Symfony\Component\Workflow\Transition;

class Deal {
    public string $stage = 'prospecting';
    public float $amount = 1000;
    public int $touched = 0;
    public function getStage(): string { return $this->stage; }
    public function setStage(string $stage, array $context = []): void { $this->stage = $stage; }
}

$places = ['prospecting', 'qualification', 'proposal', 'negotiation', 'won', 'lost', 'onboarding'];
$transitions = [
    ['qualify', 'prospecting', 'qualification'], ['propose', 'qualification', 'proposal'],
    ['negotiate', 'proposal', 'negotiation'], ['win', 'negotiation', 'won'], ['onboard', 'won', 'onboarding'],
    ['restart', 'onboarding', 'prospecting'], ['lose', 'qualification', 'lost'], ['retry', 'lost', 'prospecting'],
];
$cycle = ['qualify', 'propose', 'negotiate', 'win', 'onboard', 'restart', 'qualify', 'lose', 'retry'];

$builder = new DefinitionBuilder($places);
foreach ($transitions as [$name, $from, $to]) { $builder->addTransition(new Transition($name, $from, $to)); }
$dispatcher = new EventDispatcher();
$dispatcher->addListener('workflow.deal.guard', function (GuardEvent $event) {
    if (!($event->getSubject()->amount > 0)) { $event->setBlocked(true); }
});
$dispatcher->addListener('workflow.deal.entered', function (EnteredEvent $event) {
    $event->getSubject()->touched++;
});
$machine = new StateMachine($builder->build(), new MethodMarkingStore(true, 'stage'), $dispatcher, 'deal');

$deals = [];
for ($i = 0; $i < 10000; $i++) { $deals[] = new Deal(); }
$steps = array_fill(0, 10000, 0);
$total = 1000000;
$started = hrtime(true);
$done = 0;
for ($step = 0; $step < $total; $step++) {
    $index = $step % 10000;
    $machine->apply($deals[$index], $cycle[$steps[$index] % 9]);
    $steps[$index]++;
    $done++;
    if ($done % 1000 == 0 && (hrtime(true) - $started) / 1e9 > 30) { break; }
}
$seconds = (hrtime(true) - $started) / 1e9;
$version = $argv[1] ?? '(Debian php-symfony-workflow)';
echo json_encode(['peer' => "Symfony Workflow $version on PHP " . PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION,
    'value' => round($done / $seconds, 1), 'unit' => 'transitions/s', 'count' => $done, 'seconds' => round($seconds, 3)], JSON_UNESCAPED_SLASHES), "\n";
