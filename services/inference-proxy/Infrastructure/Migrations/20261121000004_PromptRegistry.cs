using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LlmOps.InferenceProxy.Infrastructure.Migrations;

/// <summary>The prompt registry: prompts, immutable versions, labels, the label audit trail, loop actions.</summary>
[DbContext(typeof(InferenceProxyDbContext))]
[Migration("20261121000004_PromptRegistry")]
public sealed class PromptRegistry : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(InferenceProxyDbContext.Schema);

        migrationBuilder.CreateTable(
            name: "prompts",
            schema: schema,
            columns: table => new
            {
                project_id = table.Column<string>(maxLength: 64, nullable: false),
                name = table.Column<string>(maxLength: 128, nullable: false),
                policy = table.Column<string>(maxLength: 16, nullable: false),
                created_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_prompts", p => new { p.project_id, p.name }));

        migrationBuilder.CreateTable(
            name: "prompt_versions",
            schema: schema,
            columns: table => new
            {
                project_id = table.Column<string>(maxLength: 64, nullable: false),
                name = table.Column<string>(maxLength: 128, nullable: false),
                version = table.Column<int>(nullable: false),
                messages = table.Column<string>(nullable: false),
                model = table.Column<string>(nullable: true),
                parameters = table.Column<string>(nullable: true),
                response_schema = table.Column<string>(nullable: true),
                commit_message = table.Column<string>(nullable: true),
                author = table.Column<string>(maxLength: 200, nullable: false),
                created_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_prompt_versions", v => new { v.project_id, v.name, v.version }));

        migrationBuilder.CreateTable(
            name: "prompt_labels",
            schema: schema,
            columns: table => new
            {
                project_id = table.Column<string>(maxLength: 64, nullable: false),
                name = table.Column<string>(maxLength: 128, nullable: false),
                label = table.Column<string>(maxLength: 64, nullable: false),
                target = table.Column<string>(nullable: false),
                updated_at = table.Column<DateTime>(nullable: false),
                updated_by = table.Column<string>(maxLength: 200, nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_prompt_labels", l => new { l.project_id, l.name, l.label }));

        migrationBuilder.CreateTable(
            name: "prompt_label_events",
            schema: schema,
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                project_id = table.Column<string>(maxLength: 64, nullable: false),
                name = table.Column<string>(maxLength: 128, nullable: false),
                label = table.Column<string>(maxLength: 64, nullable: false),
                from_target = table.Column<string>(nullable: true),
                to_target = table.Column<string>(nullable: false),
                actor = table.Column<string>(maxLength: 200, nullable: false),
                reason = table.Column<string>(nullable: true),
                action_id = table.Column<Guid>(nullable: true),
                at = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_prompt_label_events", e => e.id));
        migrationBuilder.CreateIndex("ix_prompt_label_events_label", "prompt_label_events", ["project_id", "name", "label", "at"], schema);

        migrationBuilder.CreateTable(
            name: "prompt_actions",
            schema: schema,
            columns: table => new
            {
                action_id = table.Column<Guid>(nullable: false),
                project_id = table.Column<string>(maxLength: 64, nullable: false),
                name = table.Column<string>(maxLength: 128, nullable: false),
                label = table.Column<string>(maxLength: 64, nullable: false),
                from_version = table.Column<int>(nullable: false),
                to_version = table.Column<int>(nullable: false),
                reason = table.Column<string>(nullable: false),
                evidence = table.Column<string>(nullable: false),
                status = table.Column<string>(maxLength: 16, nullable: false),
                decided_by = table.Column<string>(maxLength: 200, nullable: true),
                decision_reason = table.Column<string>(nullable: true),
                created_at = table.Column<DateTime>(nullable: false),
                decided_at = table.Column<DateTime>(nullable: true),
            },
            constraints: table => table.PrimaryKey("pk_prompt_actions", a => a.action_id));
        migrationBuilder.CreateIndex("ix_prompt_actions_prompt", "prompt_actions", ["project_id", "name", "status"], schema);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(InferenceProxyDbContext.Schema);
        foreach (var table in new[] { "prompt_actions", "prompt_label_events", "prompt_labels", "prompt_versions", "prompts" })
            migrationBuilder.DropTable(name: table, schema: schema);
    }
}
