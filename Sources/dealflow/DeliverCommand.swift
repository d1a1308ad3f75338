import ArgumentParser
import DealFlowCore
import DealFlowEngine
import DealFlowSQLite
import DealFlowWebhook
import Foundation

/// `dealflow deliver`: move the outbox's events to another system.
struct DeliverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliver",
        abstract: "Deliver outbox events to a command or a webhook, in order, at least once.",
        discussion: """
            Each consumer (--consumer) has its own position in the outbox, stored after every acknowledged \
            event: a delivery stopped at any moment resumes where it was, so an event may arrive twice and \
            receivers de-duplicate by its id. --exec runs the command with /bin/sh once per event, with \
            the event's JSON on standard input (exit 0 acknowledges); --webhook POSTs it (2xx acknowledges). \
            A failure is retried with exponential backoff; after --max-attempts the event goes to the \
            consumer's dead-letter list and delivery goes on. --failed lists the dead letters and \
            --retry-failed sends them again.

            Without --once, delivery keeps running until SIGINT or SIGTERM, waiting for new events.
            """
    )

    @Option(help: ArgumentHelp("Run this shell command for each event.", valueName: "command"))
    var exec: String?

    @Option(help: ArgumentHelp("POST each event to this http(s) URL.", valueName: "url"))
    var webhook: String?

    @Option(help: "The consumer's name: its position and dead letters are its own.")
    var consumer = "default"

    @Flag(help: "Deliver what is pending, then exit.")
    var once = false

    @Flag(help: "List the consumer's dead letters instead of delivering.")
    var failed = false

    @Flag(help: "Send the consumer's dead letters again, then exit.")
    var retryFailed = false

    @Option(help: "Attempts per event before it is dead-lettered (default 5).")
    var maxAttempts = 5

    @Option(help: "Seconds to wait after a first failure; doubled after each further one (default 1).")
    var backoff = 1.0

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if failed && retryFailed { throw ValidationError("give --failed or --retry-failed, not both") }
        if !failed {
            switch (exec, webhook) {
            case (nil, nil): throw ValidationError("say where events go: --exec COMMAND or --webhook URL")
            case (.some, .some): throw ValidationError("give --exec or --webhook, not both")
            default: break
            }
        }
        if let webhook {
            guard let url = URL(string: webhook), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
                url.host != nil
            else { throw ValidationError("'\(webhook)' is not an http or https URL for --webhook") }
        }
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be at least 1, not \(maxAttempts)") }
        guard backoff >= 0 else { throw ValidationError("--backoff must be 0 or more seconds, not \(backoff)") }
        guard !consumer.isEmpty else { throw ValidationError("--consumer must not be empty") }
    }

    func run() async throws {
        let settings = try global.resolved()
        try await Output.run(settings) {
            let store = try await settings.store()
            if failed {
                let letters = try await store.deadLetters(consumer: consumer)
                if settings.json {
                    Output.print(JSONValue.array(letters.map(\.json)).rendered())
                } else if letters.isEmpty {
                    Output.print("no failed events for consumer '\(consumer)'\n")
                } else {
                    Output.print(
                        Table.render(
                            ["EVENT", "TYPE", "DEAL", "ATTEMPTS", "LAST ERROR"],
                            letters.map {
                                [
                                    String($0.event.id), $0.event.type, $0.event.dealID, String($0.attempts),
                                    $0.lastError,
                                ]
                            }
                        )
                    )
                }
                return
            }
            let transport: any EventTransport =
                if let exec { CommandTransport(command: exec) } else { WebhookTransport(url: URL(string: webhook!)!) }
            let policy = Delivery.Policy(
                maxAttempts: maxAttempts,
                initialBackoff: .milliseconds(Int64(backoff * 1000))
            )
            let delivery = Delivery(
                outbox: store,
                transport: transport,
                consumer: consumer,
                policy: policy,
                clock: settings.clock
            )
            let json = settings.json
            let progress: @Sendable (EventRecord, DeliveryFailure?) -> Void = { event, failure in
                guard let failure else { return }
                if !json { Output.error("event \(event.id) (\(event.type)) failed: \(failure.reason)\n") }
            }
            if retryFailed {
                let report = try await delivery.retryFailed(onEvent: progress)
                Output.print(report.text(json: json, retrying: true))
                if report.failed > 0 { throw ExitCode(Output.Status.badInput) }
                return
            }
            if once {
                Output.print(try await delivery.deliverPending(onEvent: progress).text(json: json, retrying: false))
                return
            }
            try await Daemon.run(
                body: {
                    try await delivery.run(
                        onEvent: progress,
                        onReport: { Output.print($0.text(json: json, retrying: false)) }
                    )
                },
                stop: { delivery.stop() }
            )
        }
    }
}

extension Delivery.Report {
    func text(json: Bool, retrying: Bool) -> String {
        if json { return JSONValue.object([("delivered", .int(delivered)), ("failed", .int(failed))]).rendered() }
        let failures =
            retrying ? "\(failed) still failing" : "\(Format.plural(failed, "event")) moved to the failed list"
        return "delivered \(Format.plural(delivered, "event")), \(failures)\n"
    }
}

extension DeadLetter {
    /// The event with the consumer's attempts and last error.
    var json: JSONValue {
        .object([
            ("consumer", .string(consumer)), ("event", event.json), ("attempts", .int(attempts)),
            ("last_error", .string(lastError)), ("failed_at", .string(DateTimeFormat.iso8601(failedAt))),
        ])
    }
}
