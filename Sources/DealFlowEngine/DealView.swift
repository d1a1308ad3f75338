import DealFlowCore
import Foundation

/// A deal with the workflow it follows: what commands return and what `--json` prints.
public struct DealView: Sendable {
    /// The deal.
    public var deal: Deal
    /// Its workflow version.
    public var workflow: ValidatedWorkflow

    /// Creates a view.
    public init(deal: Deal, workflow: ValidatedWorkflow) {
        self.deal = deal
        self.workflow = workflow
    }

    /// The value of a field, by name.
    public func value(of field: String) -> Value {
        workflow.scope.fields[field].map { deal.fields[$0.index] } ?? .null
    }

    /// `{"id", "workflow", "workflow_version", "stage", "owner", "fields": {...}, "version", "created_at",
    /// "updated_at", "entered_stage_at", "outcome"}`: every field of the schema, null when unset.
    public var json: JSONValue {
        .object(jsonMembers)
    }

    var jsonMembers: [(String, JSONValue)] {
        let fields = workflow.definition.fields.enumerated().map { index, field in
            (field.name, FieldValues.json(deal.fields[index]))
        }
        return [
            ("id", .string(deal.id)),
            ("workflow", .string(deal.workflowID)),
            ("workflow_version", .int(deal.workflowVersion)),
            ("stage", .string(deal.stage)),
            ("owner", .string(deal.owner)),
            ("fields", .object(fields)),
            ("version", .int(deal.version)),
            ("created_at", .string(DateTimeFormat.iso8601(deal.createdAt))),
            ("updated_at", .string(DateTimeFormat.iso8601(deal.updatedAt))),
            ("entered_stage_at", .string(DateTimeFormat.iso8601(deal.enteredStageAt))),
            ("outcome", deal.outcome.map { .string($0.rawValue) } ?? .null),
        ]
    }
}

/// What firing a transition did.
public struct FireResult: Sendable {
    /// The deal's id.
    public internal(set) var dealID: String
    /// The transition fired.
    public internal(set) var transition: String
    /// The stage left.
    public internal(set) var from: String
    /// The stage entered.
    public internal(set) var to: String
    /// The deal's version after the change.
    public internal(set) var version: Int
    /// Tasks created by the change.
    public internal(set) var tasksScheduled: Int
    /// Open tasks of the left stage that were cancelled.
    public internal(set) var tasksCancelled: Int
    /// Whether this repeats an earlier fire with the same idempotency key (and changed nothing).
    public internal(set) var replayed: Bool
    /// The deal JSON plus `transition`, `from`, `to`, `tasks_scheduled`, `tasks_cancelled`, exactly as the
    /// first fire printed it.
    public var json: JSONValue {
        switch source {
        case .stored(let json): json
        case .fired(let deal, let workflow):
            .object(
                DealView(deal: deal, workflow: workflow).jsonMembers + [
                    ("transition", .string(transition)), ("from", .string(from)), ("to", .string(to)),
                    ("tasks_scheduled", .int(tasksScheduled)), ("tasks_cancelled", .int(tasksCancelled)),
                ]
            )
        }
    }

    /// Where ``json`` comes from: built when asked (most callers of `fire` never ask), or as stored
    /// with an idempotency key.
    enum Source: Sendable {
        case fired(Deal, ValidatedWorkflow)
        case stored(JSONValue)
    }

    let source: Source
}

/// Whether a transition may fire now, and what stops it.
public struct TransitionAvailability: Sendable {
    /// The transition.
    public var transition: Transition
    /// What stops it; empty when it may fire.
    public var blockers: [Blocker]
    /// Whether it may fire now.
    public var isAllowed: Bool { blockers.isEmpty }
}

extension Blocker {
    /// `{"kind", "expression", "message", "values"}`, with each value as JSON output shows it.
    public var json: JSONValue {
        .object([
            ("kind", .string(kind.rawValue)),
            ("expression", .string(expression)),
            ("message", .string(message)),
            ("explanation", .string(explanation)),
            ("values", .object(values.map { ($0.name, FieldValues.json($0.value)) })),
        ])
    }
}

extension HistoryRecord {
    /// `{"seq", "at", "type", "actor", "role", "transition", "from", "to", "changes", "note"}`, plus
    /// `"blockers"` for a refused or blocked attempt.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("seq", .number(String(sequence))),
            ("at", .string(DateTimeFormat.iso8601(at))),
            ("type", .string(kind)),
            ("actor", .string(actor)),
            ("role", role.map(JSONValue.string) ?? .null),
            ("transition", transition.map(JSONValue.string) ?? .null),
            ("from", from.map(JSONValue.string) ?? .null),
            ("to", to.map(JSONValue.string) ?? .null),
            ("changes", (try? JSONValue.parse(changes)) ?? .object([])),
            ("note", note.map(JSONValue.string) ?? .null),
        ]
        if let blockers { members.append(("blockers", (try? JSONValue.parse(blockers)) ?? .array([]))) }
        return .object(members)
    }
}

extension TaskRecord {
    /// `{"id", "deal", "workflow", "title", "kind", "assignee", "due_at", "status", "stage", "created_at"}`.
    public var json: JSONValue {
        .object([
            ("id", .string(id)), ("deal", .string(dealID)), ("workflow", .string(workflowID)),
            ("title", .string(title)),
            ("kind", .string(kind)), ("assignee", .string(assignee)),
            ("due_at", .string(DateTimeFormat.iso8601(dueAt))),
            ("status", .string(status)), ("stage", .string(stage)),
            ("created_at", .string(DateTimeFormat.iso8601(createdAt))),
        ])
    }
}

extension TimerRecord {
    /// `{"id", "deal", "stage", "due_at", "zone", "effect", "transition", "every", "late"}`.
    public var json: JSONValue {
        .object([
            ("id", .string(id)), ("deal", .string(dealID)), ("stage", .string(stage)),
            ("due_at", .string(DateTimeFormat.iso8601(dueAt))), ("zone", .string(zone)), ("effect", .string(effect)),
            ("transition", transition.map(JSONValue.string) ?? .null), ("every", every.map(JSONValue.string) ?? .null),
            ("late", .bool(late)),
        ])
    }
}
