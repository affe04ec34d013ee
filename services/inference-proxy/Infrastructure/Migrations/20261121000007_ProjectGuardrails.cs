using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LlmOps.InferenceProxy.Infrastructure.Migrations;

/// <summary>Guardrail rules and semantic cache settings become project settings; existing projects have neither.</summary>
[DbContext(typeof(InferenceProxyDbContext))]
[Migration("20261121000007_ProjectGuardrails")]
public sealed class ProjectGuardrails : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(InferenceProxyDbContext.Schema);
        migrationBuilder.AddColumn<string>(name: "guardrails", table: "projects", schema: schema, nullable: true);
        migrationBuilder.AddColumn<string>(name: "semantic_cache", table: "projects", schema: schema, nullable: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(InferenceProxyDbContext.Schema);
        migrationBuilder.DropColumn(name: "guardrails", table: "projects", schema: schema);
        migrationBuilder.DropColumn(name: "semantic_cache", table: "projects", schema: schema);
    }
}
