#!/usr/bin/env bash
# `make serve-cluster`: the production topology on this machine (see tools/cluster.py).
#
# Starts a throw-away PostgreSQL (.ci/postgres; apt-installs it when missing, needs root) on
# 127.0.0.1:$CLUSTER_PG_PORT and a redis-server on 127.0.0.1:$CLUSTER_REDIS_PORT, prepares the demo
# database, then runs two app instances (http://127.0.0.1:8081 and :8082, two gunicorn workers
# each) and two background workers. Ctrl+C stops everything and removes the database.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export PG_PORT=${CLUSTER_PG_PORT:-54331}
export PG_DIR=${CLUSTER_PG_DIR:-/tmp/registry-cluster-pg}
export PG_DB=registry_cluster
REDIS_PORT=${CLUSTER_REDIS_PORT:-6391}
REDIS_DIR=$(mktemp -d -t registry-cluster-redis.XXXXXX)

command -v redis-server >/dev/null || { echo "redis-server is not installed (apt-get install redis-server)" >&2; exit 1; }

cleanup() {
    [ -n "${REDIS_PID:-}" ] && kill "$REDIS_PID" 2>/dev/null && wait "$REDIS_PID" 2>/dev/null || true
    rm -rf "$REDIS_DIR"
    bash .ci/postgres stop || true
}
trap cleanup EXIT

bash .ci/postgres start
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$REDIS_DIR" >"$REDIS_DIR/redis.log" 2>&1 &
REDIS_PID=$!

.venv/bin/python tools/cluster.py --prepare \
    --database-url "postgresql+psycopg2://registry@127.0.0.1:$PG_PORT/$PG_DB" \
    --redis-url "redis://127.0.0.1:$REDIS_PORT/0" "$@"
