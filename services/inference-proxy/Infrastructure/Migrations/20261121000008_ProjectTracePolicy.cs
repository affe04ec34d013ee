using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LlmOps.InferenceProxy.Infrastructure.Migrations;

/// <summary>Trace retention and PII redaction at ingest become project settings; existing projects keep traces, unredacted.</summary>
[DbContext(typeof(InferenceProxyDbContext))]
[Migration("20261121000008_ProjectTracePolicy")]
public sealed class ProjectTracePolicy : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(InferenceProxyDbContext.Schema);
        migrationBuilder.AddColumn<int>(name: "trace_retention_days", table: "projects", schema: schema, nullable: true);
        migrationBuilder.AddColumn<bool>(name: "redact_trace_pii", table: "projects", schema: schema, nullable: false, defaultValue: false);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(InferenceProxyDbContext.Schema);
        migrationBuilder.DropColumn(name: "trace_retention_days", table: "projects", schema: schema);
        migrationBuilder.DropColumn(name: "redact_trace_pii", table: "projects", schema: schema);
    }
}
