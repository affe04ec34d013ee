using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LlmOps.InferenceProxy.Infrastructure.Migrations;

/// <summary>The exact cache's time-to-live becomes a project setting; existing projects do not cache (0).</summary>
[DbContext(typeof(InferenceProxyDbContext))]
[Migration("20261121000005_ProjectCacheTtl")]
public sealed class ProjectCacheTtl : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.AddColumn<int>(
            name: "cache_ttl_seconds",
            table: "projects",
            schema: migrationBuilder.SchemaFor(InferenceProxyDbContext.Schema),
            nullable: false,
            defaultValue: 0);

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.DropColumn(name: "cache_ttl_seconds", table: "projects", schema: migrationBuilder.SchemaFor(InferenceProxyDbContext.Schema));
}
