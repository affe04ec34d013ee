#!/usr/bin/env bash
# The test command: every test of the solution, against a real RabbitMQ and PostgreSQL that this script installs
# (if missing), starts on private ports, and stops again whatever happens. Extra arguments go to `dotnet test`,
# e.g. scripts/test.sh --filter "FullyQualifiedName~Simulator".
set -uo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
cleanup() { scripts/deps.sh stop || true; }
trap cleanup EXIT INT TERM

scripts/deps.sh start || { echo "[test] could not start the test dependencies" >&2; exit 1; }
eval "$(scripts/deps.sh env)"

dotnet test LlmOpsPlatform.sln --configuration Release --blame-hang-timeout 10m "$@"
status=$?

# The trace collector's store has a PostgreSQL path of its own (binary COPY): its tests run again on PostgreSQL.
if [ "$#" -eq 0 ]; then
  LLMOPS_COLLECTOR_TESTS_ON_POSTGRES=1 LLMOPS_QUERY_TESTS_ON_POSTGRES=1 \
    dotnet test tests/LlmOps.TraceCollector.Tests --configuration Release --no-build --blame-hang-timeout 10m
  collector=$?
  [ "$status" -eq 0 ] && status=$collector
fi

echo "[test] dotnet test exited with $status after $(( $(date +%s) - started )) s"
exit $status
