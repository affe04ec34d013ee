using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LlmOps.InferenceProxy.Infrastructure.Migrations;

/// <summary>Projects and project keys. Hand-written: the EF design-time tooling is not obtainable here.</summary>
[DbContext(typeof(InferenceProxyDbContext))]
[Migration("20261121000002_ProjectsAndKeys")]
public sealed class ProjectsAndKeys : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(InferenceProxyDbContext.Schema);
        if (schema is not null)
            migrationBuilder.EnsureSchema(schema);

        migrationBuilder.CreateTable(
            name: "projects",
            schema: schema,
            columns: table => new
            {
                id = table.Column<string>(maxLength: 64, nullable: false),
                name = table.Column<string>(maxLength: 200, nullable: false),
                created_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_projects", p => p.id));

        migrationBuilder.CreateTable(
            name: "api_keys",
            schema: schema,
            columns: table => new
            {
                id = table.Column<string>(maxLength: 64, nullable: false),
                project_id = table.Column<string>(maxLength: 64, nullable: false),
                name = table.Column<string>(maxLength: 200, nullable: false),
                prefix = table.Column<string>(maxLength: 32, nullable: false),
                key_hash = table.Column<string>(maxLength: 64, nullable: false),
                allowed_models = table.Column<string>(nullable: false),
                requests_per_minute = table.Column<int>(nullable: true),
                tokens_per_minute = table.Column<long>(nullable: true),
                expires_at = table.Column<DateTime>(nullable: true),
                created_at = table.Column<DateTime>(nullable: false),
                revoked_at = table.Column<DateTime>(nullable: true),
                revoked_by = table.Column<string>(maxLength: 200, nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_api_keys", k => k.id);
                table.ForeignKey("fk_api_keys_project", k => k.project_id, "projects", "id", schema, onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateIndex("ux_api_keys_hash", "api_keys", "key_hash", schema, unique: true);
        migrationBuilder.CreateIndex("ix_api_keys_project", "api_keys", "project_id", schema);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(InferenceProxyDbContext.Schema);
        migrationBuilder.DropTable(name: "api_keys", schema: schema);
        migrationBuilder.DropTable(name: "projects", schema: schema);
    }
}
