#!/usr/bin/env bash
# DealFlow against the engines a user would otherwise pick, measured side by side in one run on this
# machine, and printed as a table (the README's performance section is its output).
#
#   Benchmarks/compare.sh            # the full run: about 35 minutes on 2 cores, the builds included
#   Benchmarks/compare.sh --quick    # smaller peer runs, to try the script
#
# It installs what the peers need: PHP and Symfony Workflow from Debian (apt-get, when run as root and
# missing), the Python peers from PyPI into a temporary virtualenv; it compiles the fdatasync probe and
# the naive transition in C (against libsqlite3-dev, which the build needs anyway), builds the CLI as
# the operator's guide installs it (runtime linked statically, in .build/static) and starts a
# throwaway PostgreSQL server (as the `postgres` user when run as root) for the PostgreSQL rows.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
work="$(mktemp -d "${TMPDIR:-/var/tmp}/dealflow-compare.XXXXXX")"
postgres_data=""
cleanup() {
    if [ -n "$postgres_data" ] && [ -f "$postgres_data/postmaster.pid" ]; then
        as_postgres "$pg_bin/pg_ctl" -D "$postgres_data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

echo "preparing the peers in $work" >&2
if ! command -v php >/dev/null || [ ! -f /usr/share/php/Symfony/Component/Workflow/autoload.php ]; then
    if [ "$(id -u)" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q php-cli php-symfony-workflow php-symfony-event-dispatcher >&2
    else
        echo "install php-cli and php-symfony-workflow (Debian) first" >&2
        exit 1
    fi
fi
symfony_version="$(dpkg-query -W -f='${Version}' php-symfony-workflow | cut -d+ -f1)"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "transitions==0.9.3" "python-statemachine==2.6.0" "APScheduler==3.11.0" \
    "SQLAlchemy==2.0.36" "psycopg[binary]==3.2.3" "SpiffWorkflow==3.2.0" >&2
cc -O2 -o "$work/fsync_rate" "$here/peers/fsync_rate.c"
cc -O2 -o "$work/sqlite_floor" "$here/peers/sqlite_floor.c" -lsqlite3

echo "building DealFlow (release)" >&2
# The CLI as the operator's guide installs it (runtime linked statically), for the whole-process rows.
(cd "$root" && swift build -c release --static-swift-stdlib --scratch-path .build/static --product dealflow >&2)
(cd "$here" && swift build -c release >&2)

pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
postgres_url=()
if [ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ]; then
    postgres_data="$work/postgres"
    mkdir -p "$postgres_data"
    [ "$(id -u)" = 0 ] && chown postgres "$work" "$postgres_data"
    chmod 755 "$work"
    as_postgres "$pg_bin/initdb" -D "$postgres_data" -U dealflow --auth=trust >/dev/null
    port=$((20000 + RANDOM % 20000))
    as_postgres "$pg_bin/pg_ctl" -D "$postgres_data" -l "$postgres_data/log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $postgres_data" start >/dev/null
    as_postgres "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U dealflow peers
    postgres_url=(--postgres "postgresql://dealflow@127.0.0.1:$port/peers")
else
    echo "no PostgreSQL server binaries: the PostgreSQL rows are left out" >&2
fi

TMPDIR="$work" "$work/venv/bin/python" "$here/peers/compare.py" --python "$work/venv/bin/python" \
    --fsync "$work/fsync_rate" --sqlite-floor "$work/sqlite_floor" --symfony-version "$symfony_version" "${postgres_url[@]}" "$@"
