using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LlmOps.Evaluator.Infrastructure.Migrations;

/// <summary>Drift detection: per-trace observations (the windows it compares) and the signals it published (list and cooldown).</summary>
[DbContext(typeof(EvaluatorDbContext))]
[Migration("20261123000002_Drift")]
public sealed class Drift : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(EvaluatorDbContext.Schema);
        if (schema is not null)
            migrationBuilder.EnsureSchema(schema);

        migrationBuilder.CreateTable(
            name: "drift_observations",
            schema: schema,
            columns: table => new
            {
                project_id = table.Column<string>(maxLength: 128, nullable: false),
                trace_id = table.Column<string>(maxLength: 64, nullable: false),
                prompt_name = table.Column<string>(maxLength: 200, nullable: true),
                prompt_version = table.Column<int>(nullable: true),
                model = table.Column<string>(maxLength: 200, nullable: true),
                response_model = table.Column<string>(maxLength: 200, nullable: true),
                answer_chars = table.Column<int>(nullable: true),
                refused = table.Column<bool>(nullable: false),
                query_bucket = table.Column<int>(nullable: true),
                query_terms = table.Column<string>(maxLength: 200, nullable: true),
                completed_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_drift_observations", x => new { x.project_id, x.trace_id }));
        migrationBuilder.CreateIndex(name: "ix_drift_observations_time", schema: schema, table: "drift_observations", column: "completed_at");

        migrationBuilder.CreateTable(
            name: "drift_signals",
            schema: schema,
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                project_id = table.Column<string>(maxLength: 128, nullable: false),
                kind = table.Column<string>(maxLength: 16, nullable: false),
                statistic = table.Column<string>(maxLength: 140, nullable: false),
                subject = table.Column<string>(maxLength: 420, nullable: false),
                prompt_name = table.Column<string>(maxLength: 200, nullable: true),
                prompt_version = table.Column<int>(nullable: true),
                model = table.Column<string>(maxLength: 200, nullable: true),
                value = table.Column<double>(nullable: false),
                threshold = table.Column<double>(nullable: false),
                baseline_from = table.Column<DateTime>(nullable: false),
                baseline_to = table.Column<DateTime>(nullable: false),
                current_from = table.Column<DateTime>(nullable: false),
                current_to = table.Column<DateTime>(nullable: false),
                detail = table.Column<string>(nullable: true),
                detected_at = table.Column<DateTime>(nullable: false),
                cooldown_until = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_drift_signals", x => x.id));
        migrationBuilder.CreateIndex(name: "ix_drift_signals_cooldown", schema: schema, table: "drift_signals",
            columns: ["project_id", "kind", "statistic", "subject", "cooldown_until"]);
        migrationBuilder.CreateIndex(name: "ix_drift_signals_project_time", schema: schema, table: "drift_signals",
            columns: ["project_id", "detected_at"]);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(EvaluatorDbContext.Schema);
        migrationBuilder.DropTable(name: "drift_signals", schema: schema);
        migrationBuilder.DropTable(name: "drift_observations", schema: schema);
    }
}
