using LlmOps.ServiceDefaults.Storage;
using LlmOps.TraceCollector.Features.Rollups;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LlmOps.TraceCollector.Infrastructure.Migrations;

/// <summary>
/// Per-minute generation rollups for trace-stats' cache hit rate and time to first token (generations, cache lookups and
/// hits per project, minute and TTFT bucket), the columns by which each generation remembers what it added, a partial
/// index on them for the raw reads at a window's edges, and a backfill of every stored generation.
/// </summary>
[DbContext(typeof(TraceCollectorDbContext))]
[Migration("20261122000006_GenerationRollups")]
public sealed class GenerationRollups : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(TraceCollectorDbContext.Schema);
        migrationBuilder.AddColumn<DateTime>(name: "rollup_minute", table: "observations", schema: schema, nullable: true);
        migrationBuilder.AddColumn<int>(name: "rollup_bucket", table: "observations", schema: schema, nullable: true);
        migrationBuilder.AddColumn<int>(name: "rollup_cache", table: "observations", schema: schema, nullable: true);

        migrationBuilder.CreateTable(
            name: "generation_rollups",
            schema: schema,
            columns: table => new
            {
                minute = table.Column<DateTime>(nullable: false),
                project_id = table.Column<string>(maxLength: 128, nullable: false),
                ttft_bucket = table.Column<int>(nullable: false),
                generations = table.Column<long>(nullable: false),
                cache_lookups = table.Column<long>(nullable: false),
                cache_hits = table.Column<long>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_generation_rollups", r => new { r.minute, r.project_id, r.ttft_bucket }));
        migrationBuilder.CreateIndex(name: "ix_generation_rollups_project_minute", schema: schema, table: "generation_rollups", columns: ["project_id", "minute"]);

        foreach (var statement in RollupBackfill.GenerationStatements(migrationBuilder.IsNpgsql(), name => schema is null ? name : $"{schema}.{name}"))
            migrationBuilder.Sql(statement + ";");
        // After the backfill, so the index is built once over the marked rows.
        migrationBuilder.CreateIndex(name: "ix_observations_rollup_minute", schema: schema, table: "observations", column: "rollup_minute",
            filter: "rollup_minute IS NOT NULL");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(TraceCollectorDbContext.Schema);
        migrationBuilder.DropIndex(name: "ix_observations_rollup_minute", schema: schema, table: "observations");
        migrationBuilder.DropTable(name: "generation_rollups", schema: schema);
        foreach (var column in new[] { "rollup_minute", "rollup_bucket", "rollup_cache" })
            migrationBuilder.DropColumn(name: column, table: "observations", schema: schema);
    }
}
