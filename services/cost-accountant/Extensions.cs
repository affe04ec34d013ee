namespace LlmOps.CostAccountant;

/// <summary>
/// The cost-accountant service: every inference priced from a dated price catalog, a cost ledger and query API, and budgets leased to the proxies so they hold across replicas.
/// This slice is the host only (shared logging, telemetry, health, bus and key authentication, runnable alone and
/// composed into the embedded platform); its consumers, storage and endpoints arrive with issue #6.
/// </summary>
public static class CostAccountantExtensions
{
    public const string ServiceName = "cost-accountant";

    public static WebApplicationBuilder AddCostAccountant(this WebApplicationBuilder builder) => builder;

    public static WebApplication MapCostAccountantEndpoints(this WebApplication app) => app;
}
