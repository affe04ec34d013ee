using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LlmOps.Evaluator.Infrastructure.Migrations;

/// <summary>Evaluator configuration, the loop's score window and actions, corrections, datasets.</summary>
[DbContext(typeof(EvaluatorDbContext))]
[Migration("20261123000001_InitialCreate")]
public sealed class InitialCreate : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(EvaluatorDbContext.Schema);
        if (schema is not null)
            migrationBuilder.EnsureSchema(schema);

        migrationBuilder.CreateTable(
            name: "evaluators",
            schema: schema,
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                project_id = table.Column<string>(maxLength: 128, nullable: false),
                name = table.Column<string>(maxLength: 100, nullable: false),
                kind = table.Column<string>(maxLength: 64, nullable: false),
                method = table.Column<string>(maxLength: 16, nullable: false),
                settings = table.Column<string>(nullable: true),
                prompt_name = table.Column<string>(maxLength: 200, nullable: true),
                model = table.Column<string>(maxLength: 200, nullable: true),
                feature = table.Column<string>(maxLength: 256, nullable: true),
                sampling_rate = table.Column<double>(nullable: false),
                judge_deployment = table.Column<string>(maxLength: 200, nullable: true),
                rubric_version = table.Column<string>(maxLength: 64, nullable: true),
                enabled = table.Column<bool>(nullable: false),
                version = table.Column<int>(nullable: false),
                created_at = table.Column<DateTime>(nullable: false),
                updated_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_evaluators", x => x.id));
        migrationBuilder.CreateIndex(name: "ux_evaluators_project_name", schema: schema, table: "evaluators",
            columns: ["project_id", "name"], unique: true);

        migrationBuilder.CreateTable(
            name: "evaluated_traces",
            schema: schema,
            columns: table => new
            {
                project_id = table.Column<string>(maxLength: 128, nullable: false),
                trace_id = table.Column<string>(maxLength: 64, nullable: false),
                revision = table.Column<int>(nullable: false),
                question = table.Column<string>(nullable: true),
                answer = table.Column<string>(nullable: true),
                context = table.Column<string>(nullable: true),
                reference = table.Column<string>(nullable: true),
                prompt_name = table.Column<string>(nullable: true),
                prompt_version = table.Column<int>(nullable: true),
                model = table.Column<string>(nullable: true),
                data_source_id = table.Column<string>(nullable: true),
                feature = table.Column<string>(nullable: true),
                completed_at = table.Column<DateTime>(nullable: false),
                evaluated_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_evaluated_traces", x => new { x.project_id, x.trace_id }));
        migrationBuilder.CreateIndex(name: "ix_evaluated_traces_time", schema: schema, table: "evaluated_traces", column: "evaluated_at");

        migrationBuilder.CreateTable(
            name: "loop_scores",
            schema: schema,
            columns: table => new
            {
                score_id = table.Column<Guid>(nullable: false),
                project_id = table.Column<string>(maxLength: 128, nullable: false),
                trace_id = table.Column<string>(maxLength: 64, nullable: true),
                name = table.Column<string>(maxLength: 100, nullable: false),
                value = table.Column<double>(nullable: true),
                label = table.Column<string>(maxLength: 100, nullable: true),
                status = table.Column<string>(maxLength: 16, nullable: false),
                source = table.Column<string>(maxLength: 16, nullable: false),
                prompt_name = table.Column<string>(maxLength: 200, nullable: true),
                prompt_version = table.Column<int>(nullable: true),
                model = table.Column<string>(maxLength: 200, nullable: true),
                data_source_id = table.Column<string>(maxLength: 200, nullable: true),
                recorded_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_loop_scores", x => x.score_id));
        migrationBuilder.CreateIndex(name: "ix_loop_scores_project_name_time", schema: schema, table: "loop_scores",
            columns: ["project_id", "name", "recorded_at"]);
        migrationBuilder.CreateIndex(name: "ix_loop_scores_project_trace", schema: schema, table: "loop_scores",
            columns: ["project_id", "trace_id"]);

        migrationBuilder.CreateTable(
            name: "actions",
            schema: schema,
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                project_id = table.Column<string>(maxLength: 128, nullable: false),
                path = table.Column<string>(maxLength: 16, nullable: false),
                kind = table.Column<string>(maxLength: 64, nullable: false),
                subject = table.Column<string>(maxLength: 400, nullable: false),
                summary = table.Column<string>(nullable: false),
                evidence = table.Column<string>(nullable: false),
                details = table.Column<string>(nullable: false),
                status = table.Column<string>(maxLength: 16, nullable: false),
                prompt_name = table.Column<string>(maxLength: 200, nullable: true),
                prompt_version = table.Column<int>(nullable: true),
                model = table.Column<string>(maxLength: 200, nullable: true),
                data_source_id = table.Column<string>(maxLength: 200, nullable: true),
                created_at = table.Column<DateTime>(nullable: false),
                cooldown_until = table.Column<DateTime>(nullable: false),
                updated_at = table.Column<DateTime>(nullable: false),
                updated_by = table.Column<string>(maxLength: 128, nullable: true),
                note = table.Column<string>(nullable: true),
            },
            constraints: table => table.PrimaryKey("pk_actions", x => x.id));
        migrationBuilder.CreateIndex(name: "ix_actions_subject", schema: schema, table: "actions",
            columns: ["project_id", "kind", "subject", "created_at"]);

        migrationBuilder.CreateTable(
            name: "corrections",
            schema: schema,
            columns: table => new
            {
                feedback_id = table.Column<Guid>(nullable: false),
                project_id = table.Column<string>(maxLength: 128, nullable: false),
                trace_id = table.Column<string>(maxLength: 64, nullable: false),
                correction = table.Column<string>(nullable: false),
                received_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_corrections", x => x.feedback_id));
        migrationBuilder.CreateIndex(name: "ix_corrections_project_trace", schema: schema, table: "corrections",
            columns: ["project_id", "trace_id"]);

        migrationBuilder.CreateTable(
            name: "datasets",
            schema: schema,
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                project_id = table.Column<string>(maxLength: 128, nullable: false),
                name = table.Column<string>(maxLength: 200, nullable: false),
                kind = table.Column<string>(maxLength: 16, nullable: false),
                description = table.Column<string>(nullable: true),
                model = table.Column<string>(maxLength: 200, nullable: true),
                target_count = table.Column<int>(nullable: true),
                ready_at = table.Column<DateTime>(nullable: true),
                created_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_datasets", x => x.id));
        migrationBuilder.CreateIndex(name: "ux_datasets_project_name", schema: schema, table: "datasets",
            columns: ["project_id", "name"], unique: true);

        migrationBuilder.CreateTable(
            name: "dataset_items",
            schema: schema,
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                dataset_id = table.Column<Guid>(nullable: false),
                content_hash = table.Column<string>(maxLength: 64, nullable: false),
                input = table.Column<string>(nullable: false),
                expected_output = table.Column<string>(nullable: true),
                context = table.Column<string>(nullable: true),
                source_trace_id = table.Column<string>(maxLength: 64, nullable: true),
                source = table.Column<string>(maxLength: 16, nullable: false),
                metadata = table.Column<string>(nullable: true),
                created_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_dataset_items", x => x.id));
        migrationBuilder.CreateIndex(name: "ux_dataset_items_hash", schema: schema, table: "dataset_items",
            columns: ["dataset_id", "content_hash"], unique: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(EvaluatorDbContext.Schema);
        foreach (var table in new[] { "dataset_items", "datasets", "corrections", "actions", "loop_scores", "evaluated_traces", "evaluators" })
            migrationBuilder.DropTable(name: table, schema: schema);
    }
}
