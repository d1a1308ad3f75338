import ArgumentParser
import DealFlowCore
import DealFlowEngine
import DealFlowSQLite
import Foundation

/// `dealflow events`: the outbox, in order.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Print the outbox: transitions, updates, reminders, escalations and notify events, in order.",
        discussion: """
            Each event has a stable, increasing id; a consumer remembers the last one it handled and asks \
            for --after it, and de-duplicates by id. With --json, an array of {"id", "type", "deal", \
            "workflow", "at", "data"}; with --follow, one JSON object per line, forever, as events are written.
            """
    )

    @Option(help: "Only events with an id above this one.")
    var after: Int64 = 0

    @Option(help: "Only events of this type, e.g. task.reminder.")
    var type: String?

    @Option(help: "At most this many events.")
    var limit: Int?

    @Flag(help: "Keep printing new events as JSON lines until interrupted.")
    var follow = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, not \(limit)") }
        if after < 0 { throw ValidationError("--after must be an event id, 0 or more, not \(after)") }
    }

    func run() async throws {
        let settings = try global.resolved()
        try await Output.run(settings) {
            let store = try await settings.store()
            if follow {
                var cursor = after
                var remaining = limit
                while !Task.isCancelled {
                    let events = try await store.events(after: cursor, type: type, limit: remaining ?? 500)
                    for event in events { Output.print(event.json.rendered(compact: true) + "\n") }
                    cursor = events.last?.id ?? cursor
                    if let left = remaining {
                        remaining = left - events.count
                        if remaining == 0 { return }
                    }
                    if events.isEmpty { try await Task.sleep(for: .milliseconds(500)) }
                }
                return
            }
            let events = try await store.events(after: after, type: type, limit: limit)
            if settings.json {
                Output.print(JSONValue.array(events.map(\.json)).rendered())
                return
            }
            guard !events.isEmpty else {
                Output.print("no events\n")
                return
            }
            Output.print(
                Table.render(
                    ["ID", "AT (UTC)", "TYPE", "DEAL", "DATA"],
                    events.map {
                        [String($0.id), Format.utc($0.at), $0.type, $0.dealID, EventsCommand.summary($0)]
                    }
                )
            )
        }
    }

    /// The one line of an event's data a person wants first.
    static func summary(_ event: EventRecord) -> String {
        guard let data = try? JSONValue.parse(event.data) else { return event.data }
        switch event.type {
        case "deal.transitioned":
            return
                "\(data["transition"]?.text ?? "") \(data["from"]?.text ?? "") -> \(data["to"]?.text ?? "") by \(data["actor"]?.text ?? "")"
        case "task.reminder":
            return
                "\(data["assignee"]?.text ?? ""): \(data["title"]?.text ?? "") (\(data["late_seconds"]?.text ?? "0") s late)"
        case "task.escalated":
            return "to \(data["escalate_to"]?.text ?? ""): \(data["title"]?.text ?? "")"
        case "timer.blocked":
            return "\(data["transition"]?.text ?? ""): "
                + (data["blockers"].flatMap { blockers -> String? in
                    guard case .array(let items) = blockers else { return nil }
                    return items.compactMap { $0["message"]?.text }.joined(separator: "; ")
                } ?? "")
        case "deal.created":
            return "in \(data["stage"]?.text ?? "") for \(data["owner"]?.text ?? "")"
        default:
            return event.data.count > 60 ? String(event.data.prefix(57)) + "..." : event.data
        }
    }
}
