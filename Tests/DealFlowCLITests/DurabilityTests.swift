import DealFlowEngine
import DealFlowSQLite
import Foundation
import GRDB
import Testing

/// Several processes on one database file, and processes killed mid-write: nothing acknowledged is
/// lost, nothing is half written, no update overwrites another.
@Suite("Durability and concurrency", .serialized)
struct DurabilityTests {
    /// Starts `dealflow` without waiting for it.
    static func start(_ arguments: [String], database: String, now: String = "2026-11-23T15:00:00Z") throws -> Process {
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = arguments
        process.currentDirectoryURL = CLI.root
        process.environment = CLI.baseEnvironment.merging([
            "DEALFLOW_DB": database, "DEALFLOW_NOW": now, "DEALFLOW_ACTOR": "ana", "DEALFLOW_ROLE": "rep",
        ]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func count(_ sql: String, in database: String) throws -> Int {
        try DatabaseQueue(path: database).read { db in try Int.fetchOne(db, sql: sql) ?? -1 }
    }

    static func integrity(of database: String) throws -> String {
        try DatabaseQueue(path: database).read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "" }
    }

    @Test func processesRacingOnTheSameDealsLoseNoUpdate() throws {
        let sandbox = try Sandbox()
        _ = try sandbox.run("workflow", "apply", "workflows/b2b-sales.yaml")
        let deals = 12
        for index in 0..<deals {
            _ = try sandbox.run(
                "deal",
                "create",
                "--workflow",
                "b2b-sales",
                "--id",
                "d\(index)",
                "--set",
                "company=C\(index)",
                "--set",
                "decision_maker=true",
                "--set",
                "contact_email=c\(index)@acme.co"
            )
        }
        // Four processes fire the same transition on each deal at once: exactly one wins per deal, the others
        // decide again on the fresh state and are blocked (the deal has left the stage).
        var statuses: [Int32] = []
        for index in 0..<deals {
            let racers = try (0..<4).map { _ in
                try Self.start(["deal", "fire", "d\(index)", "qualify"], database: sandbox.database)
            }
            for racer in racers {
                racer.waitUntilExit()
                statuses.append(racer.terminationStatus)
            }
        }
        #expect(Set(statuses).isSubset(of: [0, 3]), "unexpected exit codes \(Set(statuses))")
        #expect(statuses.filter { $0 == 0 }.count == deals)
        #expect(
            try Self.count("SELECT COUNT(*) FROM deal_history WHERE kind = 'transitioned'", in: sandbox.database)
                == deals
        )
        // Eight processes change different fields of one deal at once: every change is kept, in order.
        let writers = try (0..<8).map { index in
            try Self.start(
                ["deal", "set", "d0", "notes=writer \(index)", "seats=\(index + 1)"],
                database: sandbox.database
            )
        }
        for writer in writers { writer.waitUntilExit() }
        #expect(writers.allSatisfy { $0.terminationStatus == 0 })
        let version = try Self.count("SELECT version FROM deals WHERE id = 'd0'", in: sandbox.database)
        let entries = try Self.count("SELECT COUNT(*) FROM deal_history WHERE deal_id = 'd0'", in: sandbox.database)
        #expect(version == entries && entries >= 3)
        #expect(try Self.integrity(of: sandbox.database) == "ok")
    }

    @Test func aKilledWriterLosesNothingItAcknowledged() throws {
        let sandbox = try Sandbox()
        _ = try sandbox.run("workflow", "apply", "workflows/b2b-sales.yaml")
        _ = try sandbox.run("deal", "create", "--workflow", "b2b-sales", "--id", "d", "--set", "company=Acme")
        // Kills land from the process's start to twice the time a whole write takes on this machine now,
        // so that some writes finish and some are cut short however loaded the machine is.
        let started = Date()
        #expect(try sandbox.run("deal", "set", "d", "seats=100").status == 0)
        let window = UInt32(max(40_000, 2_000_000 * Date().timeIntervalSince(started)))
        var acknowledged: [Int] = []
        var generator = SystemRandomNumberGenerator()
        for value in 1...40 {
            let process = try Self.start(["deal", "set", "d", "seats=\(value)"], database: sandbox.database)
            usleep(UInt32.random(in: 0...window, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if process.terminationReason == .exit, process.terminationStatus == 0 { acknowledged.append(value) }
        }
        #expect(!acknowledged.isEmpty, "no write finished before its kill; the delays are too short for this machine")
        #expect(try Self.integrity(of: sandbox.database) == "ok")
        let history = try DatabaseQueue(path: sandbox.database).read { db in
            try String.fetchAll(db, sql: "SELECT changes FROM deal_history WHERE deal_id = 'd' ORDER BY seq")
        }
        for value in acknowledged {
            #expect(history.contains { $0.contains("\"to\":\(value)}") }, "the acknowledged seats=\(value) is missing")
        }
        let version = try Self.count("SELECT version FROM deals WHERE id = 'd'", in: sandbox.database)
        #expect(version == history.count)
        // The survivors still work.
        #expect(try sandbox.run("deal", "set", "d", "seats=999").status == 0)
    }

    @Test func aKilledImportLeavesAllOrNothing() throws {
        let sandbox = try Sandbox()
        _ = try sandbox.run("workflow", "apply", "workflows/b2b-sales.yaml")
        let rows = 3_000
        var csv = "workflow,id,owner,stage_path,company,contact_email,amount,currency,close_date\n"
        for index in 0..<rows {
            csv += "b2b-sales,i\(index),ana,prospecting@2026-10-01T10:00Z;qualification@2026-10-05T10:00Z;"
            csv += "proposal@2026-10-09T10:00Z,Company \(index),c\(index)@acme.co,\(1000 + index).50,USD,2027-01-31\n"
        }
        let file = try sandbox.write("big.csv", csv)
        for delay in [150_000, 400_000, 900_000] as [UInt32] {
            let process = try Self.start(["import", file], database: sandbox.database, now: "2026-11-02T13:00:00Z")
            usleep(delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(try Self.integrity(of: sandbox.database) == "ok")
            let count = try Self.count("SELECT COUNT(*) FROM deals", in: sandbox.database)
            #expect(count == 0 || count == rows, "a killed import left \(count) of \(rows) deals")
            if count == rows { return }
        }
        let finished = try sandbox.run("import", file, now: "2026-11-02T13:00:00Z")
        #expect(finished.status == 0)
        #expect(try Self.count("SELECT COUNT(*) FROM deals", in: sandbox.database) == rows)
        #expect(try Self.count("SELECT COUNT(*) FROM deal_history", in: sandbox.database) == rows * 3)
    }
}
