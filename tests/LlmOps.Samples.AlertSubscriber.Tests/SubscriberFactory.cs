using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.Samples.AlertSubscriber.Tests;

/// <summary>
/// The sample in memory. The entry point is named by one of the sample's own types: this test project also sees the
/// LLM simulator's <c>Program</c> (through LlmOps.Testing).
/// </summary>
public sealed class SubscriberFactory(IReadOnlyDictionary<string, string?>? settings = null, IEventHandler? handler = null)
    : WebApplicationFactory<SubscriberOptions>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            builder.UseSetting(key, value);
        if (handler is not null)
            builder.ConfigureTestServices(services => services.AddSingleton(handler));
    }

    public async Task<JsonElement> ReceivedAsync()
    {
        using var client = CreateClient();
        return await client.GetFromJsonAsync<JsonElement>("/received");
    }
}
