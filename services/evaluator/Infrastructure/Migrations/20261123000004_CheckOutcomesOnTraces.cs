using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LlmOps.Evaluator.Infrastructure.Migrations;

/// <summary>
/// The instruction checks' outcomes move from one <c>loop_scores</c> row per check to two bit masks on the trace's
/// <c>evaluated_traces</c> row (written by the statement that already stores the trace), and <c>loop_scores</c>, which
/// keeps the RAG metrics and people's scores, gets the one index its readers use (project, time) instead of two they did
/// not. Rows already in <c>loop_scores</c> stay where they are: the window reader reads both, so they count until they
/// age out of the window.
/// </summary>
[DbContext(typeof(EvaluatorDbContext))]
[Migration("20261123000004_CheckOutcomesOnTraces")]
public sealed class CheckOutcomesOnTraces : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(EvaluatorDbContext.Schema);

        migrationBuilder.AddColumn<int>(name: "checks_run", schema: schema, table: "evaluated_traces", nullable: false, defaultValue: 0);
        migrationBuilder.AddColumn<int>(name: "checks_failed", schema: schema, table: "evaluated_traces", nullable: false, defaultValue: 0);
        migrationBuilder.AddColumn<DateTime>(name: "checked_at", schema: schema, table: "evaluated_traces", nullable: true);
        migrationBuilder.CreateIndex(name: "ix_evaluated_traces_project_checked", schema: schema, table: "evaluated_traces",
            columns: ["project_id", "checked_at"]);

        // ix_loop_scores_project_trace served no query; the controller reads (project, recorded_at), which the
        // (project, name, recorded_at) index could only scan name by name.
        migrationBuilder.DropIndex(name: "ix_loop_scores_project_trace", schema: schema, table: "loop_scores");
        migrationBuilder.DropIndex(name: "ix_loop_scores_project_name_time", schema: schema, table: "loop_scores");
        migrationBuilder.CreateIndex(name: "ix_loop_scores_project_time", schema: schema, table: "loop_scores",
            columns: ["project_id", "recorded_at"]);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(EvaluatorDbContext.Schema);
        migrationBuilder.DropIndex(name: "ix_loop_scores_project_time", schema: schema, table: "loop_scores");
        migrationBuilder.CreateIndex(name: "ix_loop_scores_project_name_time", schema: schema, table: "loop_scores",
            columns: ["project_id", "name", "recorded_at"]);
        migrationBuilder.CreateIndex(name: "ix_loop_scores_project_trace", schema: schema, table: "loop_scores",
            columns: ["project_id", "trace_id"]);
        migrationBuilder.DropIndex(name: "ix_evaluated_traces_project_checked", schema: schema, table: "evaluated_traces");
        migrationBuilder.DropColumn(name: "checked_at", schema: schema, table: "evaluated_traces");
        migrationBuilder.DropColumn(name: "checks_failed", schema: schema, table: "evaluated_traces");
        migrationBuilder.DropColumn(name: "checks_run", schema: schema, table: "evaluated_traces");
    }
}
