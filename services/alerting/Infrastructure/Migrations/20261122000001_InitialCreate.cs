using LlmOps.ServiceDefaults.Storage;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace LlmOps.Alerting.Infrastructure.Migrations;

/// <summary>Alert state, history, the notification log, deliveries, silences, API rules and metric checkpoints.</summary>
[DbContext(typeof(AlertingDbContext))]
[Migration("20261122000001_InitialCreate")]
public sealed class InitialCreate : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(AlertingDbContext.Schema);
        if (schema is not null)
            migrationBuilder.EnsureSchema(schema);

        migrationBuilder.CreateTable(
            name: "alerts",
            schema: schema,
            columns: table => new
            {
                fingerprint = table.Column<string>(maxLength: 32, nullable: false),
                rule_name = table.Column<string>(maxLength: 200, nullable: false),
                project_id = table.Column<string>(maxLength: 128, nullable: true),
                severity = table.Column<string>(maxLength: 16, nullable: false),
                labels = table.Column<string>(nullable: false),
                annotations = table.Column<string>(nullable: false),
                state = table.Column<string>(maxLength: 16, nullable: false),
                active_at = table.Column<DateTime>(nullable: false),
                fired_at = table.Column<DateTime>(nullable: true),
                keep_firing_since = table.Column<DateTime>(nullable: true),
                resolved_at = table.Column<DateTime>(nullable: true),
                value = table.Column<double>(nullable: false),
                threshold = table.Column<double>(nullable: true),
                acknowledged_by = table.Column<string>(maxLength: 200, nullable: true),
                acknowledged_at = table.Column<DateTime>(nullable: true),
                resolved_by = table.Column<string>(maxLength: 200, nullable: true),
                unpublished_event = table.Column<string>(maxLength: 16, nullable: true),
                updated_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_alerts", a => a.fingerprint));
        migrationBuilder.CreateIndex(name: "ix_alerts_project_updated", schema: schema, table: "alerts", columns: ["project_id", "updated_at"]);

        migrationBuilder.CreateTable(
            name: "alert_history",
            schema: schema,
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                fingerprint = table.Column<string>(maxLength: 32, nullable: false),
                rule_name = table.Column<string>(maxLength: 200, nullable: false),
                project_id = table.Column<string>(maxLength: 128, nullable: true),
                kind = table.Column<string>(maxLength: 16, nullable: false),
                at = table.Column<DateTime>(nullable: false),
                value = table.Column<double>(nullable: true),
                by = table.Column<string>(maxLength: 200, nullable: true),
                note = table.Column<string>(nullable: true),
            },
            constraints: table => table.PrimaryKey("pk_alert_history", h => h.id));
        migrationBuilder.CreateIndex(name: "ix_alert_history_fingerprint_at", schema: schema, table: "alert_history", columns: ["fingerprint", "at"]);
        migrationBuilder.CreateIndex(name: "ix_alert_history_project_at", schema: schema, table: "alert_history", columns: ["project_id", "at"]);

        migrationBuilder.CreateTable(
            name: "notification_log",
            schema: schema,
            columns: table => new
            {
                group_key = table.Column<string>(maxLength: 1000, nullable: false),
                receiver = table.Column<string>(maxLength: 200, nullable: false),
                last_notified_at = table.Column<DateTime>(nullable: false),
                firing_fingerprints = table.Column<string>(nullable: false),
                resolved_sent = table.Column<bool>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_notification_log", l => new { l.group_key, l.receiver }));

        migrationBuilder.CreateTable(
            name: "deliveries",
            schema: schema,
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                group_key = table.Column<string>(maxLength: 1000, nullable: false),
                receiver = table.Column<string>(maxLength: 200, nullable: false),
                status = table.Column<string>(maxLength: 16, nullable: false),
                fingerprints = table.Column<string>(nullable: false),
                delivered = table.Column<bool>(nullable: false),
                attempts = table.Column<int>(nullable: false),
                http_status = table.Column<int>(nullable: true),
                error = table.Column<string>(nullable: true),
                at = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_deliveries", d => d.id));
        migrationBuilder.CreateIndex(name: "ix_deliveries_group_at", schema: schema, table: "deliveries", columns: ["group_key", "at"]);
        migrationBuilder.CreateIndex(name: "ix_deliveries_at", schema: schema, table: "deliveries", column: "at");

        migrationBuilder.CreateTable(
            name: "silences",
            schema: schema,
            columns: table => new
            {
                id = table.Column<Guid>(nullable: false),
                matchers = table.Column<string>(nullable: false),
                starts_at = table.Column<DateTime>(nullable: false),
                ends_at = table.Column<DateTime>(nullable: false),
                created_by = table.Column<string>(maxLength: 200, nullable: false),
                comment = table.Column<string>(nullable: false),
                project_id = table.Column<string>(maxLength: 128, nullable: true),
                created_at = table.Column<DateTime>(nullable: false),
                updated_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_silences", s => s.id));
        migrationBuilder.CreateIndex(name: "ix_silences_ends_at", schema: schema, table: "silences", column: "ends_at");

        migrationBuilder.CreateTable(
            name: "rules",
            schema: schema,
            columns: table => new
            {
                name = table.Column<string>(maxLength: 200, nullable: false),
                definition = table.Column<string>(nullable: false),
                interval_seconds = table.Column<int>(nullable: false),
                created_by = table.Column<string>(maxLength: 200, nullable: false),
                created_at = table.Column<DateTime>(nullable: false),
                updated_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_rules", r => r.name));

        migrationBuilder.CreateTable(
            name: "metric_checkpoints",
            schema: schema,
            columns: table => new
            {
                id = table.Column<string>(maxLength: 64, nullable: false),
                data = table.Column<string>(nullable: false),
                saved_at = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_metric_checkpoints", c => c.id));
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        var schema = migrationBuilder.SchemaFor(AlertingDbContext.Schema);
        foreach (var table in new[] { "metric_checkpoints", "rules", "silences", "deliveries", "notification_log", "alert_history", "alerts" })
            migrationBuilder.DropTable(name: table, schema: schema);
    }
}
