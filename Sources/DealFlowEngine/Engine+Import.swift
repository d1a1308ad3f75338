import DealFlowCore
import Foundation

extension Engine {
    /// What an import did.
    public struct ImportReport: Sendable {
        /// The ids of the deals imported.
        public var imported: [String]
        /// The rows left out, with why (only with `skipBadRows`).
        public var skipped: [ImportProblem]
    }

    /// Imports deals, each created as `create` does, with its stage path replayed.
    ///
    /// Every row is checked before anything is written; with problems, nothing is imported unless
    /// `skipBadRows`. Then all deals are written in one transaction: after a crash they are all there or
    /// none is.
    public func importDeals(
        _ rows: [ImportRow],
        readProblems: [ImportProblem] = [],
        skipBadRows: Bool,
        actor: Actor
    ) async throws -> ImportReport {
        let started = ContinuousClock.now
        defer { metrics.finished("import", since: started) }
        let actor = try await authorize(actor, action: "import")
        var problems = readProblems
        var changes: [(row: Int, change: DealChange)] = []
        var ids = Set<String>()
        let now = clock.now()
        // Each workflow is looked up once, not once per row.
        var workflows: [String: Result<ValidatedWorkflow, EngineError>] = [:]
        for row in rows {
            if workflows[row.workflowID] == nil {
                do {
                    workflows[row.workflowID] = .success(try await self.workflow(id: row.workflowID))
                } catch let error as EngineError {
                    workflows[row.workflowID] = .failure(error)
                }
            }
            let workflow: ValidatedWorkflow
            switch workflows[row.workflowID] {
            case .success(let found)?: workflow = found
            case .failure(let error)?:
                problems.append(ImportProblem(row: row.number, message: error.description))
                continue
            case nil: continue
            }
            let id = row.id ?? identifiers.next("deal")
            guard ids.insert(id).inserted else {
                problems.append(
                    ImportProblem(row: row.number, message: "the deal id '\(id)' is already used by an earlier row")
                )
                continue
            }
            let calendar = workflow.zonedCalendar
            let path = row.stagePath.map { (stage: $0.stage, at: $0.at.instant(in: calendar)) }
            switch DealMachine.replay(
                id: id,
                owner: row.owner,
                input: row.input,
                path: path,
                workflow: workflow,
                actor: actor,
                now: now
            )
            {
            case .failure(let rejection):
                problems.append(ImportProblem(row: row.number, message: rejection.message))
            case .success(let (change, entries)):
                changes.append((row.number, record(change, entries: entries, workflow: workflow)))
            }
        }
        let existing = try await store.existingDealIDs(among: changes.map(\.change.deal.id))
        for (row, change) in changes where existing.contains(change.deal.id) {
            problems.append(ImportProblem(row: row, message: "a deal with id '\(change.deal.id)' already exists"))
        }
        problems.sort { $0.row < $1.row }
        if !problems.isEmpty, !skipBadRows { throw EngineError.importFailed(problems) }
        let accepted = changes.filter { !existing.contains($0.change.deal.id) }
        do {
            try await store.commit(accepted.map(\.change))
            for item in accepted { metrics.committed(item.change) }
        } catch StoreError.duplicateDeal(let id) {
            // Created by another process since the check: report it like any other row.
            let row = accepted.first { $0.change.deal.id == id }?.row ?? 0
            throw EngineError.importFailed(
                problems + [ImportProblem(row: row, message: "a deal with id '\(id)' already exists")]
            )
        }
        return ImportReport(imported: accepted.map(\.change.deal.id), skipped: problems)
    }
}
