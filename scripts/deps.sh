#!/usr/bin/env bash
# Starts and stops the servers the integration and system tests use: RabbitMQ (with its management API) and
# PostgreSQL, on private ports and data directories, so they never touch a system instance.
#
#   scripts/deps.sh start    install what is missing, (re)start both from empty data directories
#   scripts/deps.sh stop     stop both (safe to run when nothing is running)
#   scripts/deps.sh env      print the environment variables the tests read
#
# Settings (environment): LLMOPS_TEST_STATE (default /tmp/llmops-test-deps), LLMOPS_TEST_RABBITMQ_PORT (5673),
# LLMOPS_TEST_RABBITMQ_MANAGEMENT_PORT (15673), LLMOPS_TEST_POSTGRES_PORT (55432).
set -euo pipefail

STATE=${LLMOPS_TEST_STATE:-/tmp/llmops-test-deps}
RABBIT_PORT=${LLMOPS_TEST_RABBITMQ_PORT:-5673}
RABBIT_MGMT_PORT=${LLMOPS_TEST_RABBITMQ_MANAGEMENT_PORT:-15673}
RABBIT_DIST_PORT=$((RABBIT_PORT + 20000))
RABBIT_NODE=llmops-test@localhost
PG_PORT=${LLMOPS_TEST_POSTGRES_PORT:-55432}
RABBIT_DIR=$STATE/rabbitmq
PG_DIR=$STATE/postgres

log() { printf '[deps] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root (or sudo) to run: $*"; return 1; fi
}

rabbit_bin() { echo /usr/lib/rabbitmq/bin; }

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$dir" ] && echo "$dir"
}

install_missing() {
  local packages=()
  [ -x "$(rabbit_bin)/rabbitmq-server" ] || packages+=(rabbitmq-server)
  [ -n "$(pg_bin)" ] || packages+=(postgresql)
  command -v curl >/dev/null || packages+=(curl)
  # Headless browser for the dashboard's Playwright tests (tests/LlmOps.Dashboard.Tests launch /usr/bin/chromium).
  [ -x /usr/bin/chromium ] || packages+=(chromium)
  if [ ${#packages[@]} -gt 0 ]; then
    log "installing ${packages[*]}"
    as_root apt-get update -qq
    # The package's own service start is refused in containers (no init); we start our own instance below.
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
  fi
}

rabbit_env() {
  export HOME=$RABBIT_DIR            # the Erlang cookie lives here, shared by server and rabbitmqctl
  export RABBITMQ_NODENAME=$RABBIT_NODE
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT=$RABBIT_PORT
  export RABBITMQ_DIST_PORT=$RABBIT_DIST_PORT
  export RABBITMQ_MNESIA_BASE=$RABBIT_DIR/mnesia
  export RABBITMQ_LOG_BASE=$RABBIT_DIR/log
  export RABBITMQ_PID_FILE=$RABBIT_DIR/rabbitmq.pid
  export RABBITMQ_ENABLED_PLUGINS_FILE=$RABBIT_DIR/enabled_plugins
  export RABBITMQ_CONFIG_FILE=$RABBIT_DIR/rabbitmq
}

rabbitmqctl() { (rabbit_env; "$(rabbit_bin)/rabbitmqctl" -n "$RABBIT_NODE" "$@"); }

stop_rabbit() {
  if [ -d "$RABBIT_DIR" ] && rabbitmqctl --timeout 5 ping >/dev/null 2>&1; then
    log "stopping RabbitMQ"
    rabbitmqctl --timeout 30 shutdown >/dev/null 2>&1 || true
  fi
  if [ -f "$RABBIT_DIR/rabbitmq.pid" ]; then
    kill "$(cat "$RABBIT_DIR/rabbitmq.pid")" 2>/dev/null || true
  fi
  # A broker from an earlier run that lost its state directory still holds the ports.
  pkill -f "beam.*-sname $RABBIT_NODE" 2>/dev/null || pkill -f "beam.*$RABBIT_NODE" 2>/dev/null || true
}

start_rabbit() {
  stop_rabbit
  rm -rf "$RABBIT_DIR"
  mkdir -p "$RABBIT_DIR/log"
  echo '[rabbitmq_management].' > "$RABBIT_DIR/enabled_plugins"
  cat > "$RABBIT_DIR/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$RABBIT_PORT
management.tcp.port = $RABBIT_MGMT_PORT
management.tcp.ip = 127.0.0.1
CONF
  log "starting RabbitMQ on 127.0.0.1:$RABBIT_PORT (management $RABBIT_MGMT_PORT)"
  (rabbit_env; nohup "$(rabbit_bin)/rabbitmq-server" > "$RABBIT_DIR/log/server.out" 2>&1 &)
  local i
  for i in $(seq 1 90); do
    if rabbitmqctl --timeout 10 await_startup >/dev/null 2>&1; then
      break
    fi
    sleep 1
  done
  if ! rabbitmqctl --timeout 10 await_startup >/dev/null 2>&1; then
    log "RabbitMQ did not start; its output:"; tail -n 40 "$RABBIT_DIR/log/server.out" >&2 || true
    return 1
  fi
  for i in $(seq 1 30); do
    curl -sf -u guest:guest "http://127.0.0.1:$RABBIT_MGMT_PORT/api/overview" >/dev/null 2>&1 && return 0
    sleep 1
  done
  log "RabbitMQ management API did not come up"; return 1
}

pg_run() {
  # PostgreSQL refuses to run as root.
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}

stop_pg() {
  local bin; bin=$(pg_bin) || return 0
  if [ -f "$PG_DIR/data/postmaster.pid" ]; then
    log "stopping PostgreSQL"
    pg_run "$bin/pg_ctl -D $PG_DIR/data -m fast -w -t 30 stop" >/dev/null 2>&1 || true
    # A postmaster that did not stop still holds the port: make sure it is gone.
    if [ -f "$PG_DIR/data/postmaster.pid" ]; then
      kill -9 "$(head -n 1 "$PG_DIR/data/postmaster.pid")" 2>/dev/null || true
    fi
  fi
  wait_port_free "$PG_PORT"
}

wait_port_free() {
  local i
  for i in $(seq 1 30); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null || return 0
    sleep 1
  done
  log "port $1 is still in use"
}

# Starting can fail once for reasons outside our control (a previous instance still letting go of its port):
# try again before giving up.
with_retries() {
  local attempt
  for attempt in 1 2 3; do
    "$@" && return 0
    log "$1 failed (attempt $attempt); retrying"
    sleep 2
  done
  return 1
}

start_pg() {
  stop_pg
  local bin; bin=$(pg_bin)
  rm -rf "$PG_DIR"
  mkdir -p "$PG_DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR" && chmod 755 "$STATE"
  log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
  pg_run "$bin/initdb -D $PG_DIR/data -A trust -U postgres --no-sync" >/dev/null
  pg_run "$bin/pg_ctl -D $PG_DIR/data -l $PG_DIR/server.log -w -t 60 start -o \"-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off\"" >/dev/null \
    || { log "PostgreSQL did not start:"; tail -n 40 "$PG_DIR/server.log" >&2; return 1; }
}

print_env() {
  cat <<ENV
export LLMOPS_TEST_RABBITMQ_HOST=127.0.0.1
export LLMOPS_TEST_RABBITMQ_PORT=$RABBIT_PORT
export LLMOPS_TEST_RABBITMQ_MANAGEMENT_PORT=$RABBIT_MGMT_PORT
export LLMOPS_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres"
ENV
}

case "${1:-}" in
  start)
    install_missing
    mkdir -p "$STATE"
    with_retries start_pg || exit 1
    with_retries start_rabbit || { stop_pg; exit 1; }
    log "ready"
    ;;
  stop)
    stop_rabbit
    stop_pg
    ;;
  env)
    print_env
    ;;
  *)
    echo "usage: $0 start|stop|env" >&2
    exit 2
    ;;
esac
