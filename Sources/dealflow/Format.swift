import DealFlowCore
import DealFlowEngine
import Foundation

/// How human output writes values and times.
enum Format {
    /// A local time in the workflow's zone with its offset: `2026-01-05 05:00 -05:00`.
    static func time(_ instant: Date, in workflow: ValidatedWorkflow) -> String {
        let calendar = workflow.zonedCalendar
        let (date, second) = calendar.local(instant)
        let offset = DateTimeFormat.offset(seconds: calendar.timeZone.secondsFromGMT(for: instant))
        return "\(date) \(two(second / 3600)):\(two(second / 60 % 60)) \(offset)"
    }

    /// An instant in UTC to the minute, for lists that span workflows: `2026-11-24 14:00`.
    static func utc(_ instant: Date) -> String {
        let (date, second) = ZonedCalendar.utc.local(instant)
        return "\(date) \(two(second / 3600)):\(two(second / 60 % 60))"
    }

    static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// A value as a person reads it: text without quotes, `-` when unset.
    static func value(_ value: Value) -> String {
        switch value {
        case .null: "-"
        case .string(let text): text
        default: FieldValues.storedText(value) ?? "-"
        }
    }

    /// An amount as a person reads money: two decimals, thousands grouped (`85,000.50`).
    static func money(_ value: Value) -> String {
        switch value {
        case .decimal(let amount): amount.formatted()
        case .int(let amount): ExactDecimal(amount).formatted()
        default: "-"
        }
    }

    /// `amount: - → 12000`.
    static func change(_ field: String, _ change: JSONValue?) -> String {
        func text(_ json: JSONValue?) -> String {
            switch json {
            case .string(let text)?, .number(let text)?: text
            case .bool(let flag)?: flag ? "true" : "false"
            default: "-"
            }
        }
        return "\(field): \(text(change?["from"])) → \(text(change?["to"]))"
    }

    /// A lateness as a person reads it: `40 s`, `12 min`, `30 h`, `4 days`.
    static func duration(_ seconds: TimeInterval) -> String {
        let whole = Int(seconds.rounded(.down))
        if whole < 120 { return "\(whole) s" }
        if whole < 7200 { return "\(whole / 60) min" }
        if whole < 172_800 { return "\(whole / 3600) h" }
        return "\(whole / 86_400) days"
    }

    static func plural(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }
}
