using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LlmOps.FeedbackIngest.Infrastructure.Migrations;

/// <summary>Human feedback, keyed by project and feedback id (derived from the idempotency key when there is one).</summary>
[DbContext(typeof(FeedbackIngestDbContext))]
[Migration("20261121000001_InitialCreate")]
public sealed class InitialCreate : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(FeedbackIngestDbContext.Schema);
        if (schema is not null)
            migrationBuilder.EnsureSchema(schema);
        migrationBuilder.CreateTable(
            name: "feedback",
            schema: schema,
            columns: table => new
            {
                project_id = table.Column<string>(maxLength: 128, nullable: false),
                id = table.Column<Guid>(nullable: false),
                trace_id = table.Column<string>(maxLength: 64, nullable: false),
                observation_id = table.Column<string>(maxLength: 64, nullable: true),
                kind = table.Column<string>(maxLength: 16, nullable: false),
                value = table.Column<double>(nullable: true),
                label = table.Column<string>(nullable: true),
                comment = table.Column<string>(nullable: true),
                correction = table.Column<string>(nullable: true),
                user_id = table.Column<string>(nullable: true),
                idempotency_key = table.Column<string>(nullable: true),
                received_at = table.Column<DateTime>(nullable: false),
                published = table.Column<bool>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_feedback", f => new { f.project_id, f.id }));
        migrationBuilder.CreateIndex(name: "ix_feedback_project_trace", schema: schema, table: "feedback", columns: ["project_id", "trace_id"]);
        migrationBuilder.CreateIndex(name: "ix_feedback_unpublished", schema: schema, table: "feedback", column: "received_at", filter: "NOT published");
    }

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.DropTable(name: "feedback", schema: migrationBuilder.SchemaFor(FeedbackIngestDbContext.Schema));
}
