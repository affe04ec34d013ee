using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LlmOps.CostAccountant.Infrastructure.Migrations;

/// <summary>The price catalog, the per-inference cost ledger and its per-minute rollups.</summary>
[DbContext(typeof(CostAccountantDbContext))]
[Migration("20261121000001_InitialCreate")]
public sealed class InitialCreate : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(CostAccountantDbContext.Schema);
        if (schema is not null)
            migrationBuilder.EnsureSchema(schema);

        migrationBuilder.CreateTable(
            name: "prices",
            schema: schema,
            columns: table => new
            {
                id = table.Column<string>(maxLength: 300, nullable: false),
                provider = table.Column<string>(maxLength: 64, nullable: false),
                model = table.Column<string>(maxLength: 200, nullable: false),
                aliases = table.Column<string>(nullable: true),
                input = table.Column<decimal>(precision: 18, scale: 6, nullable: false),
                output = table.Column<decimal>(precision: 18, scale: 6, nullable: false),
                cached_input = table.Column<decimal>(precision: 18, scale: 6, nullable: true),
                cache_write = table.Column<decimal>(precision: 18, scale: 6, nullable: true),
                effective_from = table.Column<DateTime>(nullable: false),
                source = table.Column<string>(maxLength: 16, nullable: false),
                uncertain = table.Column<bool>(nullable: false),
                comment = table.Column<string>(nullable: true),
                created_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_prices", p => p.id));

        migrationBuilder.CreateTable(
            name: "costs",
            schema: schema,
            columns: table => new
            {
                inference_id = table.Column<Guid>(nullable: false),
                project_id = table.Column<string>(maxLength: 128, nullable: false),
                trace_id = table.Column<string>(maxLength: 64, nullable: true),
                key_id = table.Column<string>(nullable: true),
                user_id = table.Column<string>(nullable: true),
                feature = table.Column<string>(nullable: true),
                prompt_name = table.Column<string>(nullable: true),
                prompt_version = table.Column<int>(nullable: true),
                deployment = table.Column<string>(nullable: true),
                provider = table.Column<string>(nullable: true),
                model = table.Column<string>(nullable: false),
                input_tokens = table.Column<long>(nullable: false),
                output_tokens = table.Column<long>(nullable: false),
                cached_input_tokens = table.Column<long>(nullable: false),
                cache_write_input_tokens = table.Column<long>(nullable: false),
                reasoning_tokens = table.Column<long>(nullable: false),
                priced = table.Column<bool>(nullable: false),
                input_cost_nanos = table.Column<long>(nullable: true),
                output_cost_nanos = table.Column<long>(nullable: true),
                cached_input_cost_nanos = table.Column<long>(nullable: true),
                cache_write_cost_nanos = table.Column<long>(nullable: true),
                total_cost_nanos = table.Column<long>(nullable: true),
                price_id = table.Column<string>(nullable: true),
                cache_hit = table.Column<bool>(nullable: false),
                occurred_at = table.Column<DateTime>(nullable: false),
                published = table.Column<bool>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_costs", c => c.inference_id));
        migrationBuilder.CreateIndex(name: "ix_costs_project_time", schema: schema, table: "costs", columns: ["project_id", "occurred_at"]);

        migrationBuilder.CreateTable(
            name: "cost_rollups",
            schema: schema,
            columns: table => new
            {
                project_id = table.Column<string>(maxLength: 128, nullable: false),
                minute = table.Column<DateTime>(nullable: false),
                model = table.Column<string>(maxLength: 200, nullable: false),
                feature = table.Column<string>(maxLength: 256, nullable: false),
                key_id = table.Column<string>(maxLength: 64, nullable: false),
                user_id = table.Column<string>(maxLength: 256, nullable: false),
                deployment = table.Column<string>(maxLength: 200, nullable: false),
                prompt = table.Column<string>(maxLength: 300, nullable: false),
                requests = table.Column<long>(nullable: false),
                unpriced_requests = table.Column<long>(nullable: false),
                input_tokens = table.Column<long>(nullable: false),
                output_tokens = table.Column<long>(nullable: false),
                cached_input_tokens = table.Column<long>(nullable: false),
                cost_nanos = table.Column<long>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_cost_rollups",
                r => new { r.project_id, r.minute, r.model, r.feature, r.key_id, r.user_id, r.deployment, r.prompt }));
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(CostAccountantDbContext.Schema);
        migrationBuilder.DropTable(name: "cost_rollups", schema: schema);
        migrationBuilder.DropTable(name: "costs", schema: schema);
        migrationBuilder.DropTable(name: "prices", schema: schema);
    }
}
