"""SpiffWorkflow (BPMN): each stage a manual task, an exclusive gateway with `amount > 0` on every
transition, a script task (the on-enter action) before every stage; the workflow serialized after each
task, as an application that keeps its state does."""
from importlib.metadata import version

from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from workload import DEALS, run_timed

# stage -> the stages its transitions lead to; the branch after qualification follows `lose`.
EDGES = [
    ("prospecting", "qualification", None),
    ("qualification", "proposal", "not lose"),
    ("qualification", "lost", "lose"),
    ("proposal", "negotiation", None),
    ("negotiation", "won", None),
    ("won", "onboarding", None),
    ("onboarding", "prospecting", None),
    ("lost", "prospecting", None),
]
STAGES = ["prospecting", "qualification", "proposal", "negotiation", "won", "lost", "onboarding"]


def bpmn():
    elements = ['<bpmn:startEvent id="start"/>', '<bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="enter_prospecting"/>']
    for stage in STAGES:
        toggle = "lose = not lose\n" if stage == "prospecting" else ""
        elements.append(
            f'<bpmn:scriptTask id="enter_{stage}"><bpmn:script>{toggle}touched = touched + 1</bpmn:script></bpmn:scriptTask>'
        )
        elements.append(f'<bpmn:manualTask id="{stage}"/>')
        elements.append(f'<bpmn:sequenceFlow id="f_enter_{stage}" sourceRef="enter_{stage}" targetRef="{stage}"/>')
        elements.append(f'<bpmn:exclusiveGateway id="leave_{stage}"/>')
        elements.append(f'<bpmn:sequenceFlow id="f_leave_{stage}" sourceRef="{stage}" targetRef="leave_{stage}"/>')
    for source, target, branch in EDGES:
        condition = "amount &gt; 0" + (f" and {branch}" if branch else "")
        elements.append(
            f'<bpmn:sequenceFlow id="f_{source}_{target}" sourceRef="leave_{source}" targetRef="enter_{target}">'
            f'<bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">'
        '<bpmn:process id="deal" isExecutable="true">' + "".join(elements) + "</bpmn:process></bpmn:definitions>"
    )


parser = BpmnParser()
parser.add_bpmn_str(bpmn().encode())
spec = parser.get_spec("deal")
serializer = BpmnWorkflowSerializer()
workflows = {}
saved = {}


def deal(index):
    workflow = workflows.get(index)
    if workflow is None:
        workflow = BpmnWorkflow(spec)
        workflow.get_tasks(state=TaskState.READY)[0].data.update(amount=1000, touched=0, lose=True)
        workflow.do_engine_steps()
        workflows[index] = workflow
    return workflow


def fire(index, _name):
    workflow = deal(index)
    task = workflow.get_next_task(state=TaskState.READY, manual=True)
    task.run()
    workflow.do_engine_steps()
    saved[index] = serializer.serialize_json(workflow)


run_timed(f"SpiffWorkflow {version('SpiffWorkflow')} (BPMN, state saved after each task)", 1_000_000, fire, budget=30)
