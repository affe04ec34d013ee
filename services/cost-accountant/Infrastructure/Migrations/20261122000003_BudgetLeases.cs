using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LlmOps.CostAccountant.Infrastructure.Migrations;

/// <summary>Slices of budgets granted to gateway replicas (enforcement across replicas).</summary>
[DbContext(typeof(CostAccountantDbContext))]
[Migration("20261122000003_BudgetLeases")]
public sealed class BudgetLeases : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(CostAccountantDbContext.Schema);
        migrationBuilder.CreateTable(
            name: "budget_leases",
            schema: schema,
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                budget_id = table.Column<Guid>(nullable: false),
                replica_id = table.Column<string>(maxLength: 200, nullable: false),
                period_start = table.Column<DateTime>(nullable: false),
                granted_nanos = table.Column<long>(nullable: false),
                spent_nanos = table.Column<long>(nullable: false),
                closed = table.Column<bool>(nullable: false),
                created_at = table.Column<DateTime>(nullable: false),
                closed_at = table.Column<DateTime>(nullable: true),
            },
            constraints: table => table.PrimaryKey("pk_budget_leases", l => l.id));
        migrationBuilder.CreateIndex(name: "ix_budget_leases_budget_period", schema: schema, table: "budget_leases",
            columns: ["budget_id", "period_start"]);
    }

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.DropTable(name: "budget_leases", schema: migrationBuilder.SchemaFor(CostAccountantDbContext.Schema));
}
