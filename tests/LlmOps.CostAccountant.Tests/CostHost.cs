using LlmOps.Contracts.Cost;
using LlmOps.ServiceDefaults;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.CostAccountant.Tests;

/// <summary>
/// cost-accountant over real HTTP with the in-memory bus, on SQLite (or, with LLMOPS_COST_TESTS_ON_POSTGRES=1, a fresh
/// database of the test PostgreSQL); the shipped catalog; two project keys; every cost and budget event captured.
/// </summary>
public static class CostHost
{
    public static async Task<TestHost> StartAsync(string keyOfA, string keyOfB)
    {
        var settings = Environment.GetEnvironmentVariable("LLMOPS_COST_TESTS_ON_POSTGRES") == "1"
            ? TestInfrastructure.PostgresSettings(await TestInfrastructure.CreateDatabaseAsync("cost"))
            : new Dictionary<string, string?> { ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N")) };
        settings["CostAccountant:BatchWaitMs"] = "20";
        return await TestHost.StartAsync(
            builder =>
            {
                builder.AddServiceDefaults(CostAccountantExtensions.ServiceName);
                builder.AddCostAccountant();
                builder.Services.AddSingleton<IApiKeyResolver>(new TestProjectKeys((keyOfA, "project-a"), (keyOfB, "project-b")));
                builder.Services.AddSingleton<MessageCapture<CostRecorded>>();
                builder.AddServiceConsumer<BatchCaptureConsumer>("test");
                Capture<BudgetThresholdCrossed>(builder);
                Capture<BudgetExhausted>(builder);
                Capture<BudgetRestored>(builder);
            },
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapCostAccountantEndpoints();
            },
            settings);
    }

    private static void Capture<T>(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder) where T : class
    {
        builder.Services.AddSingleton<MessageCapture<T>>();
        builder.AddServiceConsumer<CaptureConsumer<T>>("test");
    }
}

