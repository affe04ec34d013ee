using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LlmOps.TraceCollector.Infrastructure.Migrations;

/// <summary>
/// The lookups by session, user, prompt and model index only the rows that have one (partial indexes). Many traces have
/// no session or user and most observations no prompt, and every index entry is written with the row: a gateway request
/// without a session, user or prompt now costs three fewer index writes. Queries are unchanged: <c>session_id = @s</c> implies
/// <c>session_id IS NOT NULL</c>, so the planner still uses them.
/// </summary>
[DbContext(typeof(TraceCollectorDbContext))]
[Migration("20261122000007_PartialLookupIndexes")]
public sealed class PartialLookupIndexes : Migration
{
    private static readonly (string Table, string Name, string[] Columns, string Present)[] Indexes =
    [
        ("traces", "ix_traces_project_session", ["project_id", "session_id"], "session_id"),
        ("traces", "ix_traces_project_user", ["project_id", "user_id"], "user_id"),
        ("observations", "ix_observations_project_model", ["project_id", "model"], "model"),
        ("observations", "ix_observations_prompt_start", ["prompt_name", "start_time"], "prompt_name"),
    ];

    protected override void Up(MigrationBuilder migrationBuilder) => Recreate(migrationBuilder, partial: true);

    protected override void Down(MigrationBuilder migrationBuilder) => Recreate(migrationBuilder, partial: false);

    private static void Recreate(MigrationBuilder migrationBuilder, bool partial)
    {
        var schema = migrationBuilder.SchemaFor(TraceCollectorDbContext.Schema);
        foreach (var (table, name, columns, present) in Indexes)
        {
            migrationBuilder.DropIndex(name: name, schema: schema, table: table);
            migrationBuilder.CreateIndex(name: name, schema: schema, table: table, columns: columns, filter: partial ? $"{present} IS NOT NULL" : null);
        }
    }
}
