import DealFlowCore
import DealFlowYAML

/// Why the engine did not do what was asked; each case maps to one CLI exit code.
public enum EngineError: Error, Sendable, CustomStringConvertible {
    /// No workflow with this id is applied. (exit 1)
    case unknownWorkflow(String)
    /// No deal with this id exists. (exit 1)
    case unknownDeal(String)
    /// No task with this id exists. (exit 1)
    case unknownTask(String)
    /// A workflow file has errors. (exit 1)
    case invalidWorkflow(LoadedWorkflow)
    /// A workflow file pins a version number that holds other content. (exit 1)
    case workflowVersionTaken(id: String, version: Int)
    /// A deal id is taken. (exit 1)
    case duplicateDeal(String)
    /// The command is bad input: an unknown transition or field, a value that does not fit. (exit 1)
    case invalidInput(Rejection)
    /// Guards, requirements or the stage stop the transition; the attempt was recorded. (exit 3)
    case blocked(dealID: String, transition: String, blockers: [Blocker])
    /// The deal changed since the version the caller expected. (exit 4)
    case conflict(dealID: String, expected: Int, actual: Int)
    /// Other processes kept changing the deal (or workflow) while this command decided. (exit 4)
    case contention(String)
    /// The actor's role may not fire the transition; the refusal was recorded. (exit 5)
    case roleNotAllowed(dealID: String, transition: String, blocker: Blocker)
    /// An import file has rows that cannot be imported; nothing was imported. (exit 1)
    case importFailed([ImportProblem])
    /// The roster does not let the actor act, or not in the role claimed; the refusal was recorded. (exit 5)
    case actorRefused(actor: String, action: String, reason: String)

    /// A stable name for `--json` errors.
    public var kind: String {
        switch self {
        case .unknownWorkflow: "unknown-workflow"
        case .unknownDeal: "unknown-deal"
        case .unknownTask: "unknown-task"
        case .invalidWorkflow: "invalid-workflow"
        case .workflowVersionTaken: "version-taken"
        case .duplicateDeal: "duplicate-deal"
        case .invalidInput(let rejection): rejection.reason.rawValue
        case .blocked: "blocked"
        case .conflict, .contention: "conflict"
        case .roleNotAllowed: "role-not-allowed"
        case .importFailed: "import-failed"
        case .actorRefused: "actor-refused"
        }
    }

    /// One sentence naming the deal, workflow, field or transition.
    public var description: String {
        switch self {
        case .unknownWorkflow(let id): "no workflow '\(id)' is applied; apply it with: dealflow workflow apply FILE"
        case .unknownDeal(let id): "no deal '\(id)'"
        case .unknownTask(let id): "no task '\(id)'; list them with: dealflow tasks list"
        case .invalidWorkflow(let loaded): "'\(loaded.file)' is not a valid workflow"
        case .workflowVersionTaken(let id, let version):
            "version \(version) of workflow '\(id)' is already applied with other content; raise 'version' in the file or remove it"
        case .duplicateDeal(let id): "a deal with id '\(id)' already exists"
        case .invalidInput(let rejection): rejection.message
        case .blocked(let deal, let transition, let blockers):
            "'\(transition)' is blocked on deal '\(deal)': " + blockers.map(\.message).joined(separator: "; ")
        case .conflict(let deal, let expected, let actual):
            "deal '\(deal)' is at version \(actual), not \(expected): it changed since you read it"
        case .contention(let id):
            "'\(id)' kept changing while this command decided, \(Engine.attempts) times; try again"
        case .roleNotAllowed(let deal, let transition, let blocker):
            "'\(transition)' on deal '\(deal)' is not allowed: \(blocker.message)"
        case .importFailed(let problems):
            "nothing was imported: \(problems.count == 1 ? "1 row has" : "\(problems.count) rows have") errors; fix them, "
                + "or import the others with --skip-bad-rows"
        case .actorRefused(_, let action, let reason): "\(action) refused: \(reason)"
        }
    }
}
