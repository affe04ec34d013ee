#!/usr/bin/env bash
# The test command: every test of the solution, against a real RabbitMQ and PostgreSQL that this script installs
# (if missing), starts on private ports, and stops again whatever happens. Extra arguments go to `dotnet test`,
# e.g. scripts/test.sh --filter "FullyQualifiedName~Simulator".
set -uo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
cleanup() { scripts/deps.sh stop || true; }
trap cleanup EXIT INT TERM

# The chart's values are validated with ajv (tests/LlmOps.Deployment.Tests runs charts/llmops/ci/validate.mjs).
npm ci --prefix charts/llmops/ci --no-audit --no-fund --loglevel=error \
  || { echo "[test] npm ci in charts/llmops/ci failed (the chart's schema check needs ajv)" >&2; exit 1; }

scripts/deps.sh start || { echo "[test] could not start the test dependencies" >&2; exit 1; }
eval "$(scripts/deps.sh env)"

dotnet test LlmOpsPlatform.sln --configuration Release --blame-hang-timeout 10m "$@"
status=$?

# The trace collector's, cost-accountant's, feedback-ingest's, evaluator's and alerting's stores write with SQL of their own (binary COPY,
# RETURNING, ON CONFLICT, bulk updates and deletes): their tests run again on PostgreSQL.
if [ "$#" -eq 0 ]; then
  for project in LlmOps.TraceCollector.Tests LlmOps.CostAccountant.Tests LlmOps.FeedbackIngest.Tests LlmOps.Evaluator.Tests LlmOps.Alerting.Tests; do
    LLMOPS_COLLECTOR_TESTS_ON_POSTGRES=1 LLMOPS_QUERY_TESTS_ON_POSTGRES=1 LLMOPS_COST_TESTS_ON_POSTGRES=1 LLMOPS_FEEDBACK_TESTS_ON_POSTGRES=1 \
    LLMOPS_EVALUATOR_TESTS_ON_POSTGRES=1 LLMOPS_ALERTING_TESTS_ON_POSTGRES=1 \
      dotnet test "tests/$project" --configuration Release --no-build --blame-hang-timeout 10m
    again=$?
    [ "$status" -eq 0 ] && status=$again
  done
fi

echo "[test] dotnet test exited with $status after $(( $(date +%s) - started )) s"
exit $status
