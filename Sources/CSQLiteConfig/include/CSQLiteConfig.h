#ifndef DEALFLOW_CSQLITECONFIG_H
#define DEALFLOW_CSQLITECONFIG_H

/// Turns off SQLite's memory statistics (`SQLITE_CONFIG_MEMSTATUS`), which take a process-wide mutex
/// on every allocation SQLite makes. Returns SQLite's result code: `SQLITE_MISUSE` (21) once SQLite has
/// been initialized, when the setting can no longer change. `sqlite3_config` is variadic, so Swift
/// cannot call it directly.
int dealflow_sqlite_disable_memory_statistics(void);

#endif
