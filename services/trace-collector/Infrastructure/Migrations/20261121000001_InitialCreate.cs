using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LlmOps.TraceCollector.Infrastructure.Migrations;

/// <summary>Traces and their observations. Hand-written: the EF design-time tooling is not obtainable here.</summary>
[DbContext(typeof(TraceCollectorDbContext))]
[Migration("20261121000001_InitialCreate")]
public sealed class InitialCreate : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(TraceCollectorDbContext.Schema);
        if (schema is not null)
            migrationBuilder.EnsureSchema(schema);

        migrationBuilder.CreateTable(
            name: "traces",
            schema: schema,
            columns: table => new
            {
                project_id = table.Column<string>(maxLength: 128, nullable: false),
                id = table.Column<string>(maxLength: 64, nullable: false),
                name = table.Column<string>(nullable: true),
                user_id = table.Column<string>(nullable: true),
                session_id = table.Column<string>(nullable: true),
                feature = table.Column<string>(nullable: true),
                start_time = table.Column<DateTime>(nullable: false),
                end_time = table.Column<DateTime>(nullable: true),
                status = table.Column<string>(nullable: false),
                input = table.Column<string>(nullable: true),
                output = table.Column<string>(nullable: true),
                metadata = table.Column<string>(nullable: true),
                created_at = table.Column<DateTime>(nullable: false),
                updated_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_traces", t => new { t.project_id, t.id }));

        migrationBuilder.CreateIndex(
            name: "ix_traces_project_start",
            schema: schema,
            table: "traces",
            columns: ["project_id", "start_time"]);

        migrationBuilder.CreateTable(
            name: "observations",
            schema: schema,
            columns: table => new
            {
                project_id = table.Column<string>(maxLength: 128, nullable: false),
                id = table.Column<string>(maxLength: 64, nullable: false),
                trace_id = table.Column<string>(maxLength: 64, nullable: false),
                parent_id = table.Column<string>(maxLength: 64, nullable: true),
                type = table.Column<string>(maxLength: 32, nullable: false),
                name = table.Column<string>(nullable: false),
                start_time = table.Column<DateTime>(nullable: false),
                end_time = table.Column<DateTime>(nullable: true),
                completion_start_time = table.Column<DateTime>(nullable: true),
                model = table.Column<string>(nullable: true),
                provider = table.Column<string>(nullable: true),
                deployment = table.Column<string>(nullable: true),
                prompt_name = table.Column<string>(nullable: true),
                prompt_version = table.Column<int>(nullable: true),
                input_tokens = table.Column<long>(nullable: false),
                output_tokens = table.Column<long>(nullable: false),
                cached_input_tokens = table.Column<long>(nullable: false),
                reasoning_tokens = table.Column<long>(nullable: false),
                usage_estimated = table.Column<bool>(nullable: false),
                status = table.Column<string>(nullable: false),
                status_message = table.Column<string>(nullable: true),
                input = table.Column<string>(nullable: true),
                output = table.Column<string>(nullable: true),
                metadata = table.Column<string>(nullable: true),
                inference_id = table.Column<Guid>(nullable: true),
                created_at = table.Column<DateTime>(nullable: false),
                updated_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_observations", o => new { o.project_id, o.id }));

        migrationBuilder.CreateIndex(
            name: "ix_observations_project_trace",
            schema: schema,
            table: "observations",
            columns: ["project_id", "trace_id"]);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(TraceCollectorDbContext.Schema);
        migrationBuilder.DropTable(name: "observations", schema: schema);
        migrationBuilder.DropTable(name: "traces", schema: schema);
    }
}
