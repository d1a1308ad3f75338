import Foundation
import PostgresNIO

extension PostgresStore {
    /// The migrations, under the same names as the SQLite store's, applied in order and never edited once
    /// released. Instants are integer milliseconds since 1970, as on SQLite: exact, and the same values on
    /// both stores.
    static let migrations: [(name: String, sql: String)] = [
        (
            "v1 workflows, deals, history, tasks, timers, outbox",
            """
            CREATE TABLE workflow_versions (
                workflow_id TEXT COLLATE "C" NOT NULL,
                version INTEGER NOT NULL,
                source TEXT NOT NULL,
                file TEXT NOT NULL,
                applied_at BIGINT NOT NULL,
                PRIMARY KEY (workflow_id, version)
            );

            CREATE TABLE deals (
                id TEXT COLLATE "C" PRIMARY KEY,
                workflow_id TEXT COLLATE "C" NOT NULL,
                workflow_version INTEGER NOT NULL,
                stage TEXT NOT NULL,
                owner TEXT NOT NULL,
                fields TEXT NOT NULL,
                version INTEGER NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                entered_stage_at BIGINT NOT NULL,
                outcome TEXT,
                FOREIGN KEY (workflow_id, workflow_version) REFERENCES workflow_versions (workflow_id, version)
            );
            CREATE INDEX deals_by_workflow_and_stage ON deals (workflow_id, stage);
            CREATE INDEX deals_by_owner ON deals (owner);
            CREATE INDEX deals_by_creation ON deals (created_at, id);

            -- History and audit entries share one sequence, so that they read in the order they happened.
            CREATE SEQUENCE history_seq;

            CREATE TABLE deal_history (
                seq BIGINT PRIMARY KEY DEFAULT nextval('history_seq'),
                deal_id TEXT COLLATE "C" NOT NULL REFERENCES deals (id),
                deal_version INTEGER NOT NULL,
                kind TEXT NOT NULL,
                at BIGINT NOT NULL,
                actor TEXT NOT NULL,
                role TEXT,
                transition TEXT,
                from_stage TEXT,
                to_stage TEXT,
                changes TEXT NOT NULL,
                note TEXT,
                UNIQUE (deal_id, deal_version)
            );

            CREATE TABLE deal_audit (
                seq BIGINT PRIMARY KEY DEFAULT nextval('history_seq'),
                deal_id TEXT COLLATE "C" NOT NULL REFERENCES deals (id),
                kind TEXT NOT NULL,
                at BIGINT NOT NULL,
                actor TEXT NOT NULL,
                role TEXT,
                transition TEXT,
                stage TEXT,
                blockers TEXT NOT NULL,
                note TEXT
            );
            CREATE INDEX deal_audit_by_deal ON deal_audit (deal_id, seq);

            CREATE FUNCTION dealflow_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_TABLE_NAME = 'deals' THEN
                    RAISE EXCEPTION 'deals are never deleted: their history must stay whole';
                END IF;
                RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
            END
            $$;
            CREATE TRIGGER deals_refuse_delete BEFORE DELETE ON deals
                FOR EACH ROW EXECUTE FUNCTION dealflow_refuse_change();
            CREATE TRIGGER deal_history_is_append_only BEFORE UPDATE OR DELETE ON deal_history
                FOR EACH ROW EXECUTE FUNCTION dealflow_refuse_change();
            CREATE TRIGGER deal_history_refuses_truncate BEFORE TRUNCATE ON deal_history
                FOR EACH STATEMENT EXECUTE FUNCTION dealflow_refuse_change();
            CREATE TRIGGER deal_audit_is_append_only BEFORE UPDATE OR DELETE ON deal_audit
                FOR EACH ROW EXECUTE FUNCTION dealflow_refuse_change();
            CREATE TRIGGER deal_audit_refuses_truncate BEFORE TRUNCATE ON deal_audit
                FOR EACH STATEMENT EXECUTE FUNCTION dealflow_refuse_change();

            CREATE TABLE idempotency_keys (
                deal_id TEXT NOT NULL REFERENCES deals (id),
                key TEXT NOT NULL,
                request TEXT NOT NULL,
                result TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (deal_id, key)
            );

            CREATE TABLE tasks (
                id TEXT COLLATE "C" PRIMARY KEY,
                deal_id TEXT COLLATE "C" NOT NULL REFERENCES deals (id),
                workflow_id TEXT NOT NULL,
                title TEXT NOT NULL,
                kind TEXT NOT NULL,
                assignee TEXT NOT NULL,
                due_at BIGINT NOT NULL,
                status TEXT NOT NULL,
                stage TEXT NOT NULL,
                keep BOOLEAN NOT NULL,
                escalate_at BIGINT,
                escalate_to TEXT,
                timer_index INTEGER,
                created_at BIGINT NOT NULL,
                closed_at BIGINT,
                closed_by TEXT
            );
            CREATE INDEX tasks_by_deal_and_status ON tasks (deal_id, status);
            CREATE INDEX tasks_by_status_and_due ON tasks (status, due_at);

            CREATE TABLE timers (
                id TEXT COLLATE "C" PRIMARY KEY,
                deal_id TEXT COLLATE "C" NOT NULL REFERENCES deals (id),
                workflow_id TEXT NOT NULL,
                stage TEXT NOT NULL,
                timer_index INTEGER NOT NULL,
                due_at BIGINT NOT NULL,
                zone TEXT NOT NULL,
                effect TEXT NOT NULL,
                transition TEXT,
                every TEXT,
                status TEXT NOT NULL,
                late BOOLEAN NOT NULL,
                created_at BIGINT NOT NULL,
                closed_at BIGINT
            );
            CREATE INDEX timers_by_deal_and_status ON timers (deal_id, status);
            CREATE INDEX timers_by_status_and_due ON timers (status, due_at);

            CREATE TABLE metadata (key TEXT PRIMARY KEY, value TEXT NOT NULL);

            CREATE TABLE outbox (
                id BIGSERIAL PRIMARY KEY,
                type TEXT NOT NULL,
                deal_id TEXT NOT NULL,
                workflow_id TEXT NOT NULL,
                at BIGINT NOT NULL,
                data TEXT NOT NULL
            );
            """
        ),
        (
            "v2 scheduler: reminders, recurrences, outbox keys, task log, delivery",
            """
            ALTER TABLE tasks ADD COLUMN reminded_at BIGINT;
            ALTER TABLE tasks ADD COLUMN escalated_at BIGINT;
            CREATE INDEX tasks_awaiting_reminder ON tasks (due_at, id) WHERE status = 'open' AND reminded_at IS NULL;
            CREATE INDEX tasks_awaiting_escalation ON tasks (escalate_at, id)
                WHERE status = 'open' AND escalated_at IS NULL AND escalate_at IS NOT NULL;
            CREATE INDEX tasks_by_assignee ON tasks (assignee, status, due_at);

            ALTER TABLE timers ADD COLUMN anchor_at BIGINT;
            ALTER TABLE timers ADD COLUMN occurrence INTEGER NOT NULL DEFAULT 0;
            UPDATE timers SET anchor_at = due_at;
            CREATE INDEX timers_pending ON timers (due_at, id) WHERE status = 'pending';

            -- Several schedulers share the schedule: an item a scheduler works on is leased to it, on the
            -- database's clock, and another takes it over only once the lease has run out.
            ALTER TABLE tasks ADD COLUMN leased_by TEXT;
            ALTER TABLE tasks ADD COLUMN lease_until BIGINT;
            ALTER TABLE timers ADD COLUMN leased_by TEXT;
            ALTER TABLE timers ADD COLUMN lease_until BIGINT;
            CREATE INDEX tasks_leased ON tasks (leased_by) WHERE leased_by IS NOT NULL;
            CREATE INDEX timers_leased ON timers (leased_by) WHERE leased_by IS NOT NULL;

            ALTER TABLE outbox ADD COLUMN key TEXT;
            CREATE UNIQUE INDEX outbox_by_key ON outbox (key);
            CREATE INDEX outbox_by_type ON outbox (type, id);

            CREATE TABLE task_log (
                seq BIGSERIAL PRIMARY KEY,
                task_id TEXT NOT NULL REFERENCES tasks (id),
                at BIGINT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                detail TEXT
            );
            CREATE INDEX task_log_by_task ON task_log (task_id, seq);
            CREATE TRIGGER task_log_is_append_only BEFORE UPDATE OR DELETE ON task_log
                FOR EACH ROW EXECUTE FUNCTION dealflow_refuse_change();
            CREATE TRIGGER task_log_refuses_truncate BEFORE TRUNCATE ON task_log
                FOR EACH STATEMENT EXECUTE FUNCTION dealflow_refuse_change();

            CREATE TABLE delivery_cursors (
                consumer TEXT PRIMARY KEY,
                last_event_id BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            );
            CREATE TABLE delivery_dead_letters (
                consumer TEXT NOT NULL,
                event_id BIGINT NOT NULL REFERENCES outbox (id),
                attempts INTEGER NOT NULL,
                last_error TEXT NOT NULL,
                failed_at BIGINT NOT NULL,
                PRIMARY KEY (consumer, event_id)
            );
            """
        ),
        (
            "v3 roster and access refusals",
            """
            -- Who may act once the roster has a user; roles as a JSON array, in the order granted.
            CREATE TABLE users (
                id TEXT COLLATE "C" PRIMARY KEY,
                name TEXT,
                roles TEXT NOT NULL,
                created_at BIGINT NOT NULL
            );
            CREATE TABLE access_refusals (
                seq BIGSERIAL PRIMARY KEY,
                at BIGINT NOT NULL,
                actor TEXT NOT NULL,
                role TEXT,
                action TEXT NOT NULL,
                deal_id TEXT,
                reason TEXT NOT NULL
            );
            CREATE TRIGGER access_refusals_is_append_only BEFORE UPDATE OR DELETE ON access_refusals
                FOR EACH ROW EXECUTE FUNCTION dealflow_refuse_change();
            CREATE TRIGGER access_refusals_refuses_truncate BEFORE TRUNCATE ON access_refusals
                FOR EACH STATEMENT EXECUTE FUNCTION dealflow_refuse_change();
            """
        ),
        (
            "v4 indexes for the reports and the scheduler's backlog",
            """
            -- The stage entries in deal order, from the index alone (the scheduler's partial indexes have
            -- carried the id here since v2; SQLite's gained it in this migration).
            CREATE INDEX deal_history_stage_entries ON deal_history (deal_id, deal_version, at, to_stage)
                WHERE kind IN ('created', 'transitioned');
            """
        ),
        (
            "v5 a workflow's deals in id order, for the reports",
            "CREATE INDEX deals_by_workflow_and_id ON deals (workflow_id, id)"
        ),
    ]

    /// Applies the migrations not yet applied, each in its own transaction. Processes starting at once
    /// queue on an advisory lock held for the whole of it: one migrates, the others find the schema ready.
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_advisory_lock(\(migrationLock))", logger: logger)
        do {
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS dealflow_migrations (
                    name TEXT PRIMARY KEY,
                    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                )
                """,
                logger: logger
            )
            let applied = Set(
                try await connection.query("SELECT name FROM dealflow_migrations", logger: logger)
                    .decode(String.self).reduce(into: []) { $0.append($1) }
            )
            for migration in migrations where !applied.contains(migration.name) {
                try await connection.query("BEGIN", logger: logger)
                do {
                    for statement in statements(in: migration.sql) {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        "INSERT INTO dealflow_migrations (name) VALUES (\(migration.name))",
                        logger: logger
                    )
                    try await connection.query("COMMIT", logger: logger)
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(migrationLock))", logger: logger)
            throw error
        }
        try await connection.query("SELECT pg_advisory_unlock(\(migrationLock))", logger: logger)
    }

    /// The statements of a migration, one by one: the extended protocol runs one per query. A semicolon
    /// ends a statement unless it is inside a `$$` body or a `--` comment.
    static func statements(in sql: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var inBody = false
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            let code = line.trimmingCharacters(in: .whitespaces)
            if code.hasPrefix("--") { continue }
            current += line + "\n"
            if line.components(separatedBy: "$$").count % 2 == 0 { inBody.toggle() }
            if !inBody, code.hasSuffix(";") {
                statements.append(current.trimmingCharacters(in: .whitespacesAndNewlines))
                current = ""
            }
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { statements.append(rest) }
        return statements
    }

    /// The advisory lock key under which the schema is migrated.
    static let migrationLock: Int64 = 0x6465_616C_666C_6F01
    /// The advisory lock key under which outbox events are appended (see ``PostgresStore/appendEvents``).
    static let outboxLock: Int64 = 0x6465_616C_666C_6F02
}
