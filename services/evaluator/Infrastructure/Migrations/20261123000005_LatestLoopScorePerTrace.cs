using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LlmOps.Evaluator.Infrastructure.Migrations;

/// <summary>
/// <c>loop_scores</c> keeps one row per trace and metric, the latest. The loop controller now counts its window in the
/// database instead of reading every row and keeping the latest per trace itself, so the table must hold only those:
/// older duplicates are deleted (the newest stays; on a tie, the larger score id, as the upsert decides) and a unique
/// index makes the upsert's key.
/// </summary>
[DbContext(typeof(EvaluatorDbContext))]
[Migration("20261123000005_LatestLoopScorePerTrace")]
public sealed class LatestLoopScorePerTrace : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(EvaluatorDbContext.Schema);
        var table = schema is null ? "loop_scores" : $"{schema}.loop_scores";
        migrationBuilder.Sql($"""
            DELETE FROM {table} WHERE EXISTS (
                SELECT 1 FROM {table} AS newer
                WHERE newer.project_id = {table}.project_id AND newer.trace_id = {table}.trace_id AND newer.name = {table}.name
                  AND (newer.recorded_at > {table}.recorded_at OR (newer.recorded_at = {table}.recorded_at AND newer.score_id > {table}.score_id)))
            """);
        migrationBuilder.CreateIndex(name: "ux_loop_scores_project_trace_name", schema: schema, table: "loop_scores",
            columns: ["project_id", "trace_id", "name"], unique: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(EvaluatorDbContext.Schema);
        migrationBuilder.DropIndex(name: "ux_loop_scores_project_trace_name", schema: schema, table: "loop_scores");
    }
}
