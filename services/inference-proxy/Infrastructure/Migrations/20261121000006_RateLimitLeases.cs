using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LlmOps.InferenceProxy.Infrastructure.Migrations;

/// <summary>
/// Rate-limit leases shared by all gateway replicas (how much of each scope's limit has been handed out per window),
/// and per-project limits.
/// </summary>
[DbContext(typeof(InferenceProxyDbContext))]
[Migration("20261121000006_RateLimitLeases")]
public sealed class RateLimitLeases : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(InferenceProxyDbContext.Schema);
        migrationBuilder.CreateTable(
            name: "rate_limit_leases",
            schema: schema,
            columns: table => new
            {
                scope = table.Column<string>(maxLength: 200, nullable: false),
                window_start = table.Column<long>(nullable: false),
                granted = table.Column<long>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_rate_limit_leases", l => new { l.scope, l.window_start }));
        migrationBuilder.AddColumn<int>("requests_per_minute", "projects", schema: schema, nullable: true);
        migrationBuilder.AddColumn<long>("tokens_per_minute", "projects", schema: schema, nullable: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(InferenceProxyDbContext.Schema);
        migrationBuilder.DropTable(name: "rate_limit_leases", schema: schema);
        migrationBuilder.DropColumn("requests_per_minute", "projects", schema);
        migrationBuilder.DropColumn("tokens_per_minute", "projects", schema);
    }
}
