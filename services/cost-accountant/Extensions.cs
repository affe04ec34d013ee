using LlmOps.CostAccountant.Features.Costing;
using LlmOps.CostAccountant.Features.Prices;
using LlmOps.CostAccountant.Features.Query;
using LlmOps.CostAccountant.Infrastructure;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.ServiceDefaults.Storage;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LlmOps.CostAccountant;

/// <summary>
/// The cost-accountant service: every inference priced from a dated price catalog into a ledger with per-minute rollups,
/// CostRecorded published once per inference, and the cost query API. (Budgets and their leases to the gateway come next.)
/// </summary>
public static class CostAccountantExtensions
{
    public const string ServiceName = "cost-accountant";

    public static WebApplicationBuilder AddCostAccountant(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<CostAccountantOptions>()
            .BindConfiguration(CostAccountantOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var options = builder.Configuration.GetSection(CostAccountantOptions.Section).Get<CostAccountantOptions>() ?? new CostAccountantOptions();

        builder.AddServiceDbContext<CostAccountantDbContext>(ServiceName);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<PriceCatalog>();
        builder.Services.AddHostedService<PriceCatalogLoader>();
        builder.Services.AddScoped<CostLedger>();
        builder.Services.AddScoped<InferencePricer>();
        builder.Services.AddScoped<Features.Budgets.BudgetWatch>();
        builder.Services.AddHostedService<Features.Budgets.BudgetPeriodTicker>();
        builder.Services.AddScoped<Features.Budgets.BudgetLeaser>();
        builder.AddServiceConsumer<Features.Budgets.LeaseBudgetConsumer>(ServiceName);
        builder.AddServiceBatchConsumer<InferenceCostConsumer>(ServiceName, options.BatchSize, options.BatchWaitMs, options.BatchConcurrency);
        builder.AddServiceBatchConsumer<InferenceBatchCostConsumer>(ServiceName, options.BatchMessages, options.BatchWaitMs, options.BatchConcurrency);
        return builder;
    }

    public static WebApplication MapCostAccountantEndpoints(this WebApplication app)
    {
        var costs = app.MapGroup("/api/costs").WithTags(ServiceName);
        costs.MapGet("/", CostEndpoints.HandleAsync);
        costs.MapGet("/top", CostEndpoints.TopAsync);
        costs.MapGet("/inferences", InferenceCostEndpoint.HandleAsync);
        var prices = app.MapGroup("/api/prices").WithTags(ServiceName);
        prices.MapGet("/", PriceEndpoints.ListAsync);
        prices.MapPost("/", PriceEndpoints.AddAsync).RequireAuthorization(AuthExtensions.AdminPolicy);
        var budgets = app.MapGroup("/api/budgets").WithTags(ServiceName);
        budgets.MapGet("/", Features.Budgets.BudgetEndpoints.ListAsync);
        budgets.MapPost("/", Features.Budgets.BudgetEndpoints.CreateAsync).RequireAuthorization(AuthExtensions.AdminPolicy);
        budgets.MapPatch("/{id:guid}", Features.Budgets.BudgetEndpoints.UpdateAsync).RequireAuthorization(AuthExtensions.AdminPolicy);
        budgets.MapDelete("/{id:guid}", Features.Budgets.BudgetEndpoints.DeleteAsync).RequireAuthorization(AuthExtensions.AdminPolicy);
        return app;
    }
}
