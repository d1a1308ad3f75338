import GRDB

extension SQLiteStore {
    /// The one migrator of the embedded store. Migrations are named, never edited once released, and the
    /// PostgreSQL store uses the same names where it makes the same change (v6 is SQLite's alone; the
    /// next migration both stores make is v7).
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 workflows, deals, history, tasks, timers, outbox") { db in
            try db.execute(
                sql: """
                    CREATE TABLE workflow_versions (
                        workflow_id TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        source TEXT NOT NULL,
                        file TEXT NOT NULL,
                        applied_at INTEGER NOT NULL,
                        PRIMARY KEY (workflow_id, version)
                    );

                    CREATE TABLE deals (
                        id TEXT PRIMARY KEY,
                        workflow_id TEXT NOT NULL,
                        workflow_version INTEGER NOT NULL,
                        stage TEXT NOT NULL,
                        owner TEXT NOT NULL,
                        fields TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        entered_stage_at INTEGER NOT NULL,
                        outcome TEXT,
                        FOREIGN KEY (workflow_id, workflow_version) REFERENCES workflow_versions (workflow_id, version)
                    );
                    CREATE INDEX deals_by_workflow_and_stage ON deals (workflow_id, stage);
                    CREATE INDEX deals_by_owner ON deals (owner);

                    -- History and audit entries share one sequence, so that they read in the order they happened.
                    CREATE TABLE sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
                    INSERT INTO sequences (name, value) VALUES ('history', 0);

                    CREATE TABLE deal_history (
                        seq INTEGER PRIMARY KEY,
                        deal_id TEXT NOT NULL REFERENCES deals (id),
                        deal_version INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        at INTEGER NOT NULL,
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
                        seq INTEGER PRIMARY KEY,
                        deal_id TEXT NOT NULL REFERENCES deals (id),
                        kind TEXT NOT NULL,
                        at INTEGER NOT NULL,
                        actor TEXT NOT NULL,
                        role TEXT,
                        transition TEXT,
                        stage TEXT,
                        blockers TEXT NOT NULL,
                        note TEXT
                    );
                    CREATE INDEX deal_audit_by_deal ON deal_audit (deal_id, seq);

                    CREATE TRIGGER deals_refuse_delete BEFORE DELETE ON deals
                    BEGIN SELECT RAISE(ABORT, 'deals are never deleted: their history must stay whole'); END;
                    CREATE TRIGGER deal_history_refuses_update BEFORE UPDATE ON deal_history
                    BEGIN SELECT RAISE(ABORT, 'deal_history is append-only'); END;
                    CREATE TRIGGER deal_history_refuses_delete BEFORE DELETE ON deal_history
                    BEGIN SELECT RAISE(ABORT, 'deal_history is append-only'); END;
                    CREATE TRIGGER deal_audit_refuses_update BEFORE UPDATE ON deal_audit
                    BEGIN SELECT RAISE(ABORT, 'deal_audit is append-only'); END;
                    CREATE TRIGGER deal_audit_refuses_delete BEFORE DELETE ON deal_audit
                    BEGIN SELECT RAISE(ABORT, 'deal_audit is append-only'); END;

                    CREATE TABLE idempotency_keys (
                        deal_id TEXT NOT NULL REFERENCES deals (id),
                        key TEXT NOT NULL,
                        request TEXT NOT NULL,
                        result TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        PRIMARY KEY (deal_id, key)
                    );

                    CREATE TABLE tasks (
                        id TEXT PRIMARY KEY,
                        deal_id TEXT NOT NULL REFERENCES deals (id),
                        workflow_id TEXT NOT NULL,
                        title TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        assignee TEXT NOT NULL,
                        due_at INTEGER NOT NULL,
                        status TEXT NOT NULL,
                        stage TEXT NOT NULL,
                        keep INTEGER NOT NULL,
                        escalate_at INTEGER,
                        escalate_to TEXT,
                        timer_index INTEGER,
                        created_at INTEGER NOT NULL,
                        closed_at INTEGER,
                        closed_by TEXT
                    );
                    CREATE INDEX tasks_by_deal_and_status ON tasks (deal_id, status);
                    CREATE INDEX tasks_by_status_and_due ON tasks (status, due_at);

                    CREATE TABLE timers (
                        id TEXT PRIMARY KEY,
                        deal_id TEXT NOT NULL REFERENCES deals (id),
                        workflow_id TEXT NOT NULL,
                        stage TEXT NOT NULL,
                        timer_index INTEGER NOT NULL,
                        due_at INTEGER NOT NULL,
                        zone TEXT NOT NULL,
                        effect TEXT NOT NULL,
                        transition TEXT,
                        every TEXT,
                        status TEXT NOT NULL,
                        late INTEGER NOT NULL,
                        created_at INTEGER NOT NULL,
                        closed_at INTEGER
                    );
                    CREATE INDEX timers_by_deal_and_status ON timers (deal_id, status);
                    CREATE INDEX timers_by_status_and_due ON timers (status, due_at);

                    -- Facts about the database itself, such as which demo seed made it.
                    CREATE TABLE metadata (key TEXT PRIMARY KEY, value TEXT NOT NULL);

                    CREATE TABLE outbox (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        type TEXT NOT NULL,
                        deal_id TEXT NOT NULL,
                        workflow_id TEXT NOT NULL,
                        at INTEGER NOT NULL,
                        data TEXT NOT NULL
                    );
                    """
            )
        }
        migrator.registerMigration("v2 scheduler: reminders, recurrences, outbox keys, task log, delivery") { db in
            try db.execute(
                sql: """
                    ALTER TABLE tasks ADD COLUMN reminded_at INTEGER;
                    ALTER TABLE tasks ADD COLUMN escalated_at INTEGER;
                    CREATE INDEX tasks_awaiting_reminder ON tasks (due_at) WHERE status = 'open' AND reminded_at IS NULL;
                    CREATE INDEX tasks_awaiting_escalation ON tasks (escalate_at)
                        WHERE status = 'open' AND escalated_at IS NULL AND escalate_at IS NOT NULL;
                    CREATE INDEX tasks_by_assignee ON tasks (assignee, status, due_at);

                    -- A repeating timer's occurrences are computed from its first one, never from the last.
                    ALTER TABLE timers ADD COLUMN anchor_at INTEGER;
                    ALTER TABLE timers ADD COLUMN occurrence INTEGER NOT NULL DEFAULT 0;
                    UPDATE timers SET anchor_at = due_at;
                    CREATE INDEX timers_pending ON timers (due_at) WHERE status = 'pending';

                    -- The effects of a due item carry its identity and due instant: written once, however
                    -- often the item is fired.
                    ALTER TABLE outbox ADD COLUMN key TEXT;
                    CREATE UNIQUE INDEX outbox_by_key ON outbox (key);
                    CREATE INDEX outbox_by_type ON outbox (type, id);

                    CREATE TABLE task_log (
                        seq INTEGER PRIMARY KEY,
                        task_id TEXT NOT NULL REFERENCES tasks (id),
                        at INTEGER NOT NULL,
                        actor TEXT NOT NULL,
                        action TEXT NOT NULL,
                        detail TEXT
                    );
                    CREATE INDEX task_log_by_task ON task_log (task_id, seq);
                    CREATE TRIGGER task_log_refuses_update BEFORE UPDATE ON task_log
                    BEGIN SELECT RAISE(ABORT, 'task_log is append-only'); END;
                    CREATE TRIGGER task_log_refuses_delete BEFORE DELETE ON task_log
                    BEGIN SELECT RAISE(ABORT, 'task_log is append-only'); END;

                    CREATE TABLE delivery_cursors (
                        consumer TEXT PRIMARY KEY,
                        last_event_id INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE TABLE delivery_dead_letters (
                        consumer TEXT NOT NULL,
                        event_id INTEGER NOT NULL REFERENCES outbox (id),
                        attempts INTEGER NOT NULL,
                        last_error TEXT NOT NULL,
                        failed_at INTEGER NOT NULL,
                        PRIMARY KEY (consumer, event_id)
                    );
                    """
            )
        }
        migrator.registerMigration("v3 roster and access refusals") { db in
            try db.execute(
                sql: """
                    -- Who may act once the roster has a user; roles as a JSON array, in the order granted.
                    CREATE TABLE users (
                        id TEXT PRIMARY KEY,
                        name TEXT,
                        roles TEXT NOT NULL,
                        created_at INTEGER NOT NULL
                    );
                    CREATE TABLE access_refusals (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        at INTEGER NOT NULL,
                        actor TEXT NOT NULL,
                        role TEXT,
                        action TEXT NOT NULL,
                        deal_id TEXT,
                        reason TEXT NOT NULL
                    );
                    CREATE TRIGGER access_refusals_refuse_update BEFORE UPDATE ON access_refusals
                    BEGIN SELECT RAISE(ABORT, 'access_refusals is append-only'); END;
                    CREATE TRIGGER access_refusals_refuse_delete BEFORE DELETE ON access_refusals
                    BEGIN SELECT RAISE(ABORT, 'access_refusals is append-only'); END;
                    """
            )
        }
        migrator.registerMigration("v4 indexes for the reports and the scheduler's backlog") { db in
            try db.execute(
                sql: """
                    -- The reports read every stage entry in deal order: from this index alone, without
                    -- visiting the table for each of a million rows.
                    CREATE INDEX deal_history_stage_entries ON deal_history (deal_id, deal_version, at, to_stage)
                    WHERE kind IN ('created', 'transitioned');

                    -- The scheduler takes due items in (due, id) order. Without the id in the index, a backlog
                    -- due at one instant was sorted whole for every batch of 500.
                    DROP INDEX tasks_awaiting_reminder;
                    CREATE INDEX tasks_awaiting_reminder ON tasks (due_at, id) WHERE status = 'open' AND reminded_at IS NULL;
                    DROP INDEX tasks_awaiting_escalation;
                    CREATE INDEX tasks_awaiting_escalation ON tasks (escalate_at, id)
                        WHERE status = 'open' AND escalated_at IS NULL AND escalate_at IS NOT NULL;
                    DROP INDEX timers_pending;
                    CREATE INDEX timers_pending ON timers (due_at, id) WHERE status = 'pending';
                    """
            )
        }
        migrator.registerMigration("v5 a workflow's deals in id order, for the reports") { db in
            // The reports walk a workflow's deals in id order beside the history: with this index they
            // come in that order, instead of through a sort of every deal of the workflow. Updates of
            // a deal never touch it (neither column changes).
            try db.execute(sql: "CREATE INDEX deals_by_workflow_and_id ON deals (workflow_id, id)")
        }
        migrator.registerMigration("v6 fewer pages written by a fire") { db in
            // A commit writes every page it changed whole to the WAL, and a fire's commit wrote about
            // thirteen. Three of them held nothing a reader needs:
            // - the entry of a keyless event (every event but the scheduler's) in the index of keys;
            // - the row counting history entries, whose next value is the largest `seq` of the history
            //   and audit tables plus one;
            // - the outbox's row in `sqlite_sequence`, which AUTOINCREMENT rewrote on every insert (it
            //   also made an insert a seventh slower) so that the id of a deleted row is never given
            //   again: the outbox now refuses deletes, like the history and audit tables, so an id one
            //   more than the largest is as new (delivery cursors rely on ids only growing). The table
            //   is rebuilt without it, ids kept, the way SQLite's documentation gives for changes ALTER
            //   TABLE cannot make (foreign keys are off while a migration runs and checked after it).
            try db.execute(
                sql: """
                    CREATE TABLE outbox_rebuilt (
                        id INTEGER PRIMARY KEY,
                        type TEXT NOT NULL,
                        deal_id TEXT NOT NULL,
                        workflow_id TEXT NOT NULL,
                        at INTEGER NOT NULL,
                        data TEXT NOT NULL,
                        key TEXT
                    );
                    INSERT INTO outbox_rebuilt (id, type, deal_id, workflow_id, at, data, key)
                        SELECT id, type, deal_id, workflow_id, at, data, key FROM outbox ORDER BY id;
                    DROP TABLE outbox;
                    ALTER TABLE outbox_rebuilt RENAME TO outbox;
                    CREATE UNIQUE INDEX outbox_by_key ON outbox (key) WHERE key IS NOT NULL;
                    CREATE INDEX outbox_by_type ON outbox (type, id);
                    DELETE FROM sqlite_sequence WHERE name = 'outbox';
                    CREATE TRIGGER outbox_refuses_delete BEFORE DELETE ON outbox
                        BEGIN SELECT RAISE(ABORT, 'the outbox is append-only'); END;
                    DROP TABLE sequences;
                    """
            )
        }
        return migrator
    }
}
