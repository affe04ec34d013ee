using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LlmOps.InferenceProxy.Infrastructure.Migrations;

/// <summary>Content capture becomes a per-project setting; existing projects keep capturing, as before.</summary>
[DbContext(typeof(InferenceProxyDbContext))]
[Migration("20261121000003_ProjectCaptureContent")]
public sealed class ProjectCaptureContent : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.AddColumn<bool>(
            name: "capture_content",
            table: "projects",
            schema: migrationBuilder.SchemaFor(InferenceProxyDbContext.Schema),
            nullable: false,
            defaultValue: true);

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.DropColumn(name: "capture_content", table: "projects", schema: migrationBuilder.SchemaFor(InferenceProxyDbContext.Schema));
}
