using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LlmOps.TraceCollector.Infrastructure.Migrations;

/// <summary>Per-project retention and PII redaction, as announced by the gateway's project events.</summary>
[DbContext(typeof(TraceCollectorDbContext))]
[Migration("20261121000003_ProjectPolicies")]
public sealed class ProjectPolicies : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(TraceCollectorDbContext.Schema);
        migrationBuilder.CreateTable(
            name: "project_policies",
            schema: schema,
            columns: table => new
            {
                project_id = table.Column<string>(maxLength: 128, nullable: false),
                retention_days = table.Column<int>(nullable: true),
                redact_pii = table.Column<bool>(nullable: false),
                updated_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_project_policies", p => p.project_id));
    }

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.DropTable(name: "project_policies", schema: migrationBuilder.SchemaFor(TraceCollectorDbContext.Schema));
}
