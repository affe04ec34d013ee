using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LlmOps.Testing;

namespace LlmOps.ServiceDefaults.Tests;

public class HttpErrorTests : IAsyncLifetime
{
    private TestHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await DefaultsHost.StartAsync();

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task An_unknown_api_route_is_a_404_problem_that_names_the_route()
    {
        using var client = _host.CreateClient();

        var response = await client.GetAsync("/api/does-not-exist");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("No route matches GET /api/does-not-exist.", body["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_unknown_gateway_route_is_a_404_in_openai_shape()
    {
        using var client = _host.CreateClient();

        var response = await client.GetAsync("/v1/nothing-here");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("not_found", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Malformed_json_is_a_400_that_says_the_body_is_not_valid_json()
    {
        using var client = _host.CreateClient();

        var response = await client.PostAsync("/api/echo", new StringContent("{\"name\": \"x\", \"count\": ", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not valid JSON", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_body_of_the_wrong_type_is_a_400_too()
    {
        using var client = _host.CreateClient();

        var response = await client.PostAsync("/api/echo", new StringContent("{\"name\": \"x\", \"count\": \"many\"}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_a_413()
    {
        using var client = _host.CreateClient();
        var huge = "{\"name\": \"" + new string('x', 10_000) + "\", \"count\": 1}";

        var response = await client.PostAsync("/api/echo", new StringContent(huge, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task An_unexpected_exception_is_a_500_that_leaks_nothing_and_the_host_keeps_serving()
    {
        using var client = _host.CreateClient();

        var response = await client.GetAsync("/api/boom");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.DoesNotContain("secret internals", text);
        Assert.Contains("trace id", text);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/whoami")).StatusCode);
    }

    [Fact]
    public async Task A_valid_body_is_bound()
    {
        using var client = _host.CreateClient();

        var response = await client.PostAsync("/api/echo", new StringContent("{\"name\": \"x\", \"count\": 3}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, JsonNode.Parse(await response.Content.ReadAsStringAsync())!["count"]!.GetValue<int>());
    }
}
