using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LlmOps.TraceCollector.Infrastructure.Migrations;

/// <summary>Observations by prompt name and start, for <c>/api/prompt-stats</c> (one prompt's uses in a window).</summary>
[DbContext(typeof(TraceCollectorDbContext))]
[Migration("20261122000005_PromptStatsIndex")]
public sealed class PromptStatsIndex : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.CreateIndex(name: "ix_observations_prompt_start", schema: migrationBuilder.SchemaFor(TraceCollectorDbContext.Schema),
            table: "observations", columns: ["prompt_name", "start_time"]);

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.DropIndex(name: "ix_observations_prompt_start", schema: migrationBuilder.SchemaFor(TraceCollectorDbContext.Schema), table: "observations");
}
