/* The naive transition of naive_sqlite.py in C: the same schema, the same statements, prepared once,
   one IMMEDIATE transaction per transition, WAL and synchronous=FULL, SQLite's default settings. No
   interpreter and no engine: what SQLite and this disk do for the naive transition itself, the floor
   under any durable fire that writes at least as much. Prints one JSON line.
   Usage: sqlite_floor DIRECTORY [SECONDS] */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monotonic.h"

#define DEALS 10000

static const char *transitions[][3] = {
    {"qualify", "prospecting", "qualification"}, {"propose", "qualification", "proposal"},
    {"negotiate", "proposal", "negotiation"},    {"win", "negotiation", "won"},
    {"onboard", "won", "onboarding"},            {"restart", "onboarding", "prospecting"},
    {"lose", "qualification", "lost"},           {"retry", "lost", "prospecting"},
};
static const int cycle[] = {0, 1, 2, 3, 4, 5, 0, 6, 7};

static sqlite3 *db;
static char path[4096];

/* The database and its WAL go away however the program ends. */
static void remove_files(void) {
    static const char *suffixes[] = {"", "-wal", "-shm"};
    char name[4200];
    for (int index = 0; index < 3; index++) {
        snprintf(name, sizeof name, "%s%s", path, suffixes[index]);
        unlink(name);
    }
}

static void check(int code, const char *what) {
    if (code != SQLITE_OK && code != SQLITE_DONE && code != SQLITE_ROW) {
        fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

static void run(const char *sql) { check(sqlite3_exec(db, sql, NULL, NULL, NULL), sql); }

static sqlite3_stmt *prepare(const char *sql) {
    sqlite3_stmt *statement;
    check(sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement, NULL), sql);
    return statement;
}

int main(int argc, char **argv) {
    const char *directory = argc > 1 ? argv[1] : ".";
    double seconds = argc > 2 ? atof(argv[2]) : 10.0;
    snprintf(path, sizeof path, "%s/sqlite-floor-%d.sqlite", directory, (int)getpid());
    atexit(remove_files);
    check(sqlite3_open(path, &db), path);
    run("PRAGMA journal_mode=WAL");
    run("PRAGMA synchronous=FULL");
    run("CREATE TABLE deals (id INTEGER PRIMARY KEY, stage TEXT NOT NULL, amount REAL NOT NULL,"
        " touched INTEGER NOT NULL, version INTEGER NOT NULL);"
        "CREATE TABLE history (seq INTEGER PRIMARY KEY, deal_id INTEGER NOT NULL, version INTEGER NOT NULL,"
        " transition TEXT NOT NULL, from_stage TEXT NOT NULL, to_stage TEXT NOT NULL);"
        "CREATE TABLE tasks (id INTEGER PRIMARY KEY, deal_id INTEGER NOT NULL, title TEXT NOT NULL,"
        " stage TEXT NOT NULL, status TEXT NOT NULL);");
    run("BEGIN");
    sqlite3_stmt *insert_deal = prepare("INSERT INTO deals VALUES (?, 'prospecting', 1000, 0, 1)");
    for (int index = 0; index < DEALS; index++) {
        sqlite3_bind_int(insert_deal, 1, index);
        check(sqlite3_step(insert_deal), "insert deal");
        sqlite3_reset(insert_deal);
    }
    sqlite3_finalize(insert_deal);
    run("COMMIT");

    sqlite3_stmt *begin = prepare("BEGIN IMMEDIATE");
    sqlite3_stmt *commit = prepare("COMMIT");
    sqlite3_stmt *select = prepare("SELECT stage, amount, version FROM deals WHERE id = ?");
    sqlite3_stmt *update =
        prepare("UPDATE deals SET stage = ?, touched = touched + 1, version = ? WHERE id = ? AND version = ?");
    sqlite3_stmt *history = prepare(
        "INSERT INTO history (deal_id, version, transition, from_stage, to_stage) VALUES (?, ?, ?, ?, ?)");
    sqlite3_stmt *task = prepare("INSERT INTO tasks (deal_id, title, stage, status) VALUES (?, ?, ?, 'open')");
    static int steps[DEALS];
    long count = 0;
    double started = now(), elapsed = 0;
    while (elapsed < seconds) {
        int deal = count % DEALS;
        const char **transition = transitions[cycle[steps[deal] % 9]];
        steps[deal]++;
        check(sqlite3_step(begin), "begin");
        sqlite3_reset(begin);
        sqlite3_bind_int(select, 1, deal);
        int found = sqlite3_step(select);
        check(found, "select");
        if (found != SQLITE_ROW) { fprintf(stderr, "no deal %d\n", deal); return 1; }
        int version = sqlite3_column_int(select, 2);
        if (strcmp((const char *)sqlite3_column_text(select, 0), transition[1]) != 0 ||
            !(sqlite3_column_double(select, 1) > 0)) {
            fprintf(stderr, "%s blocked on deal %d\n", transition[0], deal);
            return 1;
        }
        sqlite3_reset(select);
        sqlite3_bind_text(update, 1, transition[2], -1, SQLITE_STATIC);
        sqlite3_bind_int(update, 2, version + 1);
        sqlite3_bind_int(update, 3, deal);
        sqlite3_bind_int(update, 4, version);
        check(sqlite3_step(update), "update");
        sqlite3_reset(update);
        if (sqlite3_changes(db) != 1) { fprintf(stderr, "lost update\n"); return 1; }
        sqlite3_bind_int(history, 1, deal);
        sqlite3_bind_int(history, 2, version + 1);
        sqlite3_bind_text(history, 3, transition[0], -1, SQLITE_STATIC);
        sqlite3_bind_text(history, 4, transition[1], -1, SQLITE_STATIC);
        sqlite3_bind_text(history, 5, transition[2], -1, SQLITE_STATIC);
        check(sqlite3_step(history), "history");
        sqlite3_reset(history);
        char title[64];
        snprintf(title, sizeof title, "Follow up in %s", transition[2]);
        sqlite3_bind_int(task, 1, deal);
        sqlite3_bind_text(task, 2, title, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(task, 3, transition[2], -1, SQLITE_STATIC);
        check(sqlite3_step(task), "task");
        sqlite3_reset(task);
        check(sqlite3_step(commit), "commit");
        sqlite3_reset(commit);
        count++;
        if (count % 64 == 0) elapsed = now() - started;
    }
    elapsed = now() - started;
    sqlite3_stmt *statements[] = {begin, commit, select, update, history, task};
    for (int index = 0; index < 6; index++) sqlite3_finalize(statements[index]);
    check(sqlite3_close(db), "close");
    printf("{\"peer\": \"the naive transition in C (SQLite, WAL, FULL, prepared once)\", \"value\": %.1f, "
           "\"unit\": \"transitions/s\", \"count\": %ld, \"seconds\": %.3f}\n", count / elapsed, count, elapsed);
    return 0;
}
