using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LlmOps.Evaluator.Infrastructure.Migrations;

/// <summary>Golden items whose input is prompt variables or whose context is ranked documents; experiments and their per-item results.</summary>
[DbContext(typeof(EvaluatorDbContext))]
[Migration("20261123000003_Experiments")]
public sealed class Experiments : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(EvaluatorDbContext.Schema);

        migrationBuilder.AddColumn<string>(name: "input_format", schema: schema, table: "dataset_items", maxLength: 16, nullable: true);
        migrationBuilder.AddColumn<string>(name: "context_format", schema: schema, table: "dataset_items", maxLength: 16, nullable: true);

        migrationBuilder.CreateTable(
            name: "experiments",
            schema: schema,
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                project_id = table.Column<string>(maxLength: 128, nullable: false),
                dataset_id = table.Column<Guid>(nullable: false),
                name = table.Column<string>(maxLength: 200, nullable: true),
                prompt = table.Column<string>(maxLength: 200, nullable: true),
                model = table.Column<string>(maxLength: 200, nullable: false),
                evaluators = table.Column<string>(nullable: false),
                gate = table.Column<string>(nullable: false),
                baseline_experiment_id = table.Column<Guid>(nullable: true),
                status = table.Column<string>(maxLength: 16, nullable: false),
                item_count = table.Column<int>(nullable: false),
                completed_items = table.Column<int>(nullable: false),
                error_count = table.Column<int>(nullable: false),
                aggregates = table.Column<string>(nullable: true),
                error = table.Column<string>(nullable: true),
                claimed_by = table.Column<string>(maxLength: 128, nullable: true),
                lease_until = table.Column<DateTime>(nullable: true),
                attempts = table.Column<int>(nullable: false),
                created_at = table.Column<DateTime>(nullable: false),
                started_at = table.Column<DateTime>(nullable: true),
                completed_at = table.Column<DateTime>(nullable: true),
            },
            constraints: table => table.PrimaryKey("pk_experiments", x => x.id));
        migrationBuilder.CreateIndex(name: "ix_experiments_project_dataset", schema: schema, table: "experiments",
            columns: ["project_id", "dataset_id", "created_at"]);
        migrationBuilder.CreateIndex(name: "ix_experiments_status", schema: schema, table: "experiments", columns: ["status", "lease_until"]);

        migrationBuilder.CreateTable(
            name: "experiment_results",
            schema: schema,
            columns: table => new
            {
                experiment_id = table.Column<Guid>(nullable: false),
                item_id = table.Column<Guid>(nullable: false),
                output = table.Column<string>(nullable: true),
                latency_ms = table.Column<double>(nullable: false),
                input_tokens = table.Column<long>(nullable: false),
                output_tokens = table.Column<long>(nullable: false),
                error = table.Column<string>(nullable: true),
                scores = table.Column<string>(nullable: true),
                trace_id = table.Column<string>(maxLength: 64, nullable: true),
                created_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_experiment_results", x => new { x.experiment_id, x.item_id }));
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(EvaluatorDbContext.Schema);
        migrationBuilder.DropTable(name: "experiment_results", schema: schema);
        migrationBuilder.DropTable(name: "experiments", schema: schema);
        migrationBuilder.DropColumn(name: "context_format", schema: schema, table: "dataset_items");
        migrationBuilder.DropColumn(name: "input_format", schema: schema, table: "dataset_items");
    }
}
