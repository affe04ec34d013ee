using LlmOps.ServiceDefaults.Storage;
using LlmOps.TraceCollector.Features.Rollups;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LlmOps.TraceCollector.Infrastructure.Migrations;

/// <summary>
/// Per-minute rollups for trace-stats (traces, errors and a latency histogram per project, minute and feature; score
/// counts and sums per project, minute and name), the columns by which each trace and score remembers what it added,
/// time indexes for the raw reads at a window's edges, and a backfill of everything already stored.
/// </summary>
[DbContext(typeof(TraceCollectorDbContext))]
[Migration("20261122000004_TraceStatsRollups")]
public sealed class TraceStatsRollups : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(TraceCollectorDbContext.Schema);
        migrationBuilder.AddColumn<DateTime>(name: "rollup_minute", table: "traces", schema: schema, nullable: true);
        migrationBuilder.AddColumn<string>(name: "rollup_feature", table: "traces", schema: schema, nullable: true);
        migrationBuilder.AddColumn<int>(name: "rollup_bucket", table: "traces", schema: schema, nullable: true);
        migrationBuilder.AddColumn<bool>(name: "rollup_error", table: "traces", schema: schema, nullable: true);
        migrationBuilder.AddColumn<DateTime>(name: "rollup_minute", table: "scores", schema: schema, nullable: true);
        migrationBuilder.AddColumn<string>(name: "rollup_name", table: "scores", schema: schema, maxLength: 200, nullable: true);
        migrationBuilder.AddColumn<double>(name: "rollup_value", table: "scores", schema: schema, nullable: true);
        migrationBuilder.CreateIndex(name: "ix_traces_start", schema: schema, table: "traces", column: "start_time");
        migrationBuilder.CreateIndex(name: "ix_scores_project_time", schema: schema, table: "scores", columns: ["project_id", "timestamp"]);
        migrationBuilder.CreateIndex(name: "ix_scores_time", schema: schema, table: "scores", column: "timestamp");

        migrationBuilder.CreateTable(
            name: "trace_rollups",
            schema: schema,
            columns: table => new
            {
                minute = table.Column<DateTime>(nullable: false),
                project_id = table.Column<string>(maxLength: 128, nullable: false),
                feature = table.Column<string>(nullable: false),
                traces = table.Column<long>(nullable: false),
                errors = table.Column<long>(nullable: false),
                latency = table.Column<string>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_trace_rollups", r => new { r.minute, r.project_id, r.feature }));
        migrationBuilder.CreateIndex(name: "ix_trace_rollups_project_minute", schema: schema, table: "trace_rollups", columns: ["project_id", "minute"]);

        migrationBuilder.CreateTable(
            name: "score_rollups",
            schema: schema,
            columns: table => new
            {
                minute = table.Column<DateTime>(nullable: false),
                project_id = table.Column<string>(maxLength: 128, nullable: false),
                name = table.Column<string>(maxLength: 200, nullable: false),
                count = table.Column<long>(nullable: false),
                sum = table.Column<double>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_score_rollups", r => new { r.minute, r.project_id, r.name }));
        migrationBuilder.CreateIndex(name: "ix_score_rollups_project_minute", schema: schema, table: "score_rollups", columns: ["project_id", "minute"]);

        foreach (var statement in RollupBackfill.Statements(migrationBuilder.IsNpgsql(), name => schema is null ? name : $"{schema}.{name}"))
            migrationBuilder.Sql(statement + ";");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(TraceCollectorDbContext.Schema);
        migrationBuilder.DropTable(name: "score_rollups", schema: schema);
        migrationBuilder.DropTable(name: "trace_rollups", schema: schema);
        migrationBuilder.DropIndex(name: "ix_scores_time", schema: schema, table: "scores");
        migrationBuilder.DropIndex(name: "ix_scores_project_time", schema: schema, table: "scores");
        migrationBuilder.DropIndex(name: "ix_traces_start", schema: schema, table: "traces");
        foreach (var column in new[] { "rollup_minute", "rollup_name", "rollup_value" })
            migrationBuilder.DropColumn(name: column, table: "scores", schema: schema);
        foreach (var column in new[] { "rollup_minute", "rollup_feature", "rollup_bucket", "rollup_error" })
            migrationBuilder.DropColumn(name: column, table: "traces", schema: schema);
    }
}
