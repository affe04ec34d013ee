using System.Net;
using System.Net.Http.Headers;
using LlmOps.Testing;

namespace LlmOps.LlmSimulator.Tests;

public class ProviderKeyTests
{
    [Fact]
    public async Task With_a_provider_key_configured_requests_without_it_are_refused_like_openai_does()
    {
        await using var host = await SimulatorHost.StartAsync(new Dictionary<string, string?> { ["Simulator:ApiKey"] = "sk-sim-provider" });
        using var anonymous = host.CreateClient(bearerKey: null);
        using var keyed = host.CreateClient(bearerKey: null);
        keyed.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sk-sim-provider");

        var refused = await anonymous.GetAsync("/v1/models");
        var accepted = await keyed.GetAsync("/v1/models");

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("invalid_api_key", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }
}
