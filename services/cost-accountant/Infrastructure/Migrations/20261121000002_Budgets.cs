using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LlmOps.CostAccountant.Infrastructure.Migrations;

/// <summary>Budgets and where each stands in its current period.</summary>
[DbContext(typeof(CostAccountantDbContext))]
[Migration("20261121000002_Budgets")]
public sealed class Budgets : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(CostAccountantDbContext.Schema);
        migrationBuilder.CreateTable(
            name: "budgets",
            schema: schema,
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                project_id = table.Column<string>(maxLength: 128, nullable: false),
                scope = table.Column<string>(maxLength: 16, nullable: false),
                scope_value = table.Column<string>(maxLength: 256, nullable: false),
                period = table.Column<string>(maxLength: 16, nullable: false),
                rolling_hours = table.Column<int>(nullable: true),
                amount_nanos = table.Column<long>(nullable: false),
                thresholds = table.Column<string>(nullable: false),
                created_at = table.Column<DateTime>(nullable: false),
                updated_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_budgets", b => b.id));
        migrationBuilder.CreateIndex(name: "ix_budgets_project", schema: schema, table: "budgets", column: "project_id");
        migrationBuilder.CreateTable(
            name: "budget_states",
            schema: schema,
            columns: table => new
            {
                budget_id = table.Column<Guid>(nullable: false),
                period_start = table.Column<DateTime>(nullable: false),
                spent_nanos = table.Column<long>(nullable: false),
                crossed_mask = table.Column<int>(nullable: false),
                exhausted = table.Column<bool>(nullable: false),
                version = table.Column<int>(nullable: false),
                updated_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_budget_states", s => s.budget_id));
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(CostAccountantDbContext.Schema);
        migrationBuilder.DropTable(name: "budget_states", schema: schema);
        migrationBuilder.DropTable(name: "budgets", schema: schema);
    }
}
