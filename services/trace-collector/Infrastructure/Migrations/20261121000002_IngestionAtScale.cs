using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LlmOps.TraceCollector.Infrastructure.Migrations;

/// <summary>
/// Ingestion from three paths that merge into one row: observation columns an update may not know become nullable
/// (NULL = not reported yet); traces learn when they were last active and whether that activity is published
/// (trace completion); scores get their table; the indexes the query API needs. SQLite cannot drop NOT NULL, so there
/// the observations table is rebuilt and its rows copied.
/// </summary>
[DbContext(typeof(TraceCollectorDbContext))]
[Migration("20261121000002_IngestionAtScale")]
public sealed class IngestionAtScale : Migration
{
    private static readonly string[] Relaxed = ["type", "name", "start_time", "input_tokens", "output_tokens", "cached_input_tokens", "reasoning_tokens", "usage_estimated", "status"];

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(TraceCollectorDbContext.Schema);
        var sqlite = migrationBuilder.ActiveProvider?.Contains("Sqlite", StringComparison.Ordinal) == true;

        if (sqlite)
            RebuildObservations(migrationBuilder);
        else
        {
            migrationBuilder.AlterColumn<string>(name: "type", table: "observations", schema: schema, maxLength: 32, nullable: true, oldClrType: typeof(string), oldMaxLength: 32);
            migrationBuilder.AlterColumn<string>(name: "name", table: "observations", schema: schema, nullable: true, oldClrType: typeof(string));
            migrationBuilder.AlterColumn<DateTime>(name: "start_time", table: "observations", schema: schema, nullable: true, oldClrType: typeof(DateTime));
            foreach (var column in new[] { "input_tokens", "output_tokens", "cached_input_tokens", "reasoning_tokens" })
                migrationBuilder.AlterColumn<long>(name: column, table: "observations", schema: schema, nullable: true, oldClrType: typeof(long));
            migrationBuilder.AlterColumn<bool>(name: "usage_estimated", table: "observations", schema: schema, nullable: true, oldClrType: typeof(bool));
            migrationBuilder.AlterColumn<string>(name: "status", table: "observations", schema: schema, nullable: true, oldClrType: typeof(string));
        }
        migrationBuilder.CreateIndex(name: "ix_observations_project_model", schema: schema, table: "observations", columns: ["project_id", "model"]);

        migrationBuilder.AddColumn<DateTime>(name: "last_activity_at", table: "traces", schema: schema, nullable: false,
            defaultValue: new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        // Traces stored before this migration count as published: nobody waits for their completion any more.
        migrationBuilder.AddColumn<bool>(name: "pending", table: "traces", schema: schema, nullable: false, defaultValue: false);
        migrationBuilder.AddColumn<int>(name: "revision", table: "traces", schema: schema, nullable: false, defaultValue: 0);
        migrationBuilder.CreateIndex(name: "ix_traces_project_session", schema: schema, table: "traces", columns: ["project_id", "session_id"]);
        migrationBuilder.CreateIndex(name: "ix_traces_project_user", schema: schema, table: "traces", columns: ["project_id", "user_id"]);
        migrationBuilder.CreateIndex(name: "ix_traces_pending", schema: schema, table: "traces", column: "last_activity_at", filter: "pending");

        migrationBuilder.CreateTable(
            name: "scores",
            schema: schema,
            columns: table => new
            {
                project_id = table.Column<string>(maxLength: 128, nullable: false),
                id = table.Column<string>(maxLength: 128, nullable: false),
                trace_id = table.Column<string>(maxLength: 64, nullable: true),
                observation_id = table.Column<string>(maxLength: 64, nullable: true),
                session_id = table.Column<string>(nullable: true),
                name = table.Column<string>(maxLength: 200, nullable: false),
                data_type = table.Column<string>(maxLength: 32, nullable: false),
                value = table.Column<double>(nullable: true),
                label = table.Column<string>(nullable: true),
                comment = table.Column<string>(nullable: true),
                source = table.Column<string>(maxLength: 32, nullable: false),
                status = table.Column<string>(maxLength: 32, nullable: false),
                evaluator_name = table.Column<string>(nullable: true),
                judge_model = table.Column<string>(nullable: true),
                timestamp = table.Column<DateTime>(nullable: false),
                created_at = table.Column<DateTime>(nullable: false),
                updated_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_scores", s => new { s.project_id, s.id }));
        migrationBuilder.CreateIndex(name: "ix_scores_project_trace", schema: schema, table: "scores", columns: ["project_id", "trace_id"]);
        migrationBuilder.CreateIndex(name: "ix_scores_project_name_value", schema: schema, table: "scores", columns: ["project_id", "name", "value"]);
    }

    private static void RebuildObservations(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "observations_rebuilt",
            columns: table => new
            {
                project_id = table.Column<string>(maxLength: 128, nullable: false),
                id = table.Column<string>(maxLength: 64, nullable: false),
                trace_id = table.Column<string>(maxLength: 64, nullable: false),
                parent_id = table.Column<string>(maxLength: 64, nullable: true),
                type = table.Column<string>(maxLength: 32, nullable: true),
                name = table.Column<string>(nullable: true),
                start_time = table.Column<DateTime>(nullable: true),
                end_time = table.Column<DateTime>(nullable: true),
                completion_start_time = table.Column<DateTime>(nullable: true),
                model = table.Column<string>(nullable: true),
                provider = table.Column<string>(nullable: true),
                deployment = table.Column<string>(nullable: true),
                prompt_name = table.Column<string>(nullable: true),
                prompt_version = table.Column<int>(nullable: true),
                input_tokens = table.Column<long>(nullable: true),
                output_tokens = table.Column<long>(nullable: true),
                cached_input_tokens = table.Column<long>(nullable: true),
                reasoning_tokens = table.Column<long>(nullable: true),
                usage_estimated = table.Column<bool>(nullable: true),
                status = table.Column<string>(nullable: true),
                status_message = table.Column<string>(nullable: true),
                input = table.Column<string>(nullable: true),
                output = table.Column<string>(nullable: true),
                metadata = table.Column<string>(nullable: true),
                inference_id = table.Column<Guid>(nullable: true),
                created_at = table.Column<DateTime>(nullable: false),
                updated_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_observations_rebuilt", o => new { o.project_id, o.id }));
        const string columns = "project_id, id, trace_id, parent_id, type, name, start_time, end_time, completion_start_time, model, provider, " +
            "deployment, prompt_name, prompt_version, input_tokens, output_tokens, cached_input_tokens, reasoning_tokens, usage_estimated, " +
            "status, status_message, input, output, metadata, inference_id, created_at, updated_at";
        migrationBuilder.Sql($"INSERT INTO observations_rebuilt ({columns}) SELECT {columns} FROM observations;");
        migrationBuilder.DropTable(name: "observations");
        migrationBuilder.RenameTable(name: "observations_rebuilt", newName: "observations");
        migrationBuilder.CreateIndex(name: "ix_observations_project_trace", table: "observations", columns: ["project_id", "trace_id"]);
    }

    protected override void Down(MigrationBuilder migrationBuilder) =>
        throw new NotSupportedException($"Going back would turn unreported observation fields ({string.Join(", ", Relaxed)}) into invented values.");
}
