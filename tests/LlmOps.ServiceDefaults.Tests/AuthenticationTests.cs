using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using LlmOps.Testing;

namespace LlmOps.ServiceDefaults.Tests;

public class AuthenticationTests : IAsyncLifetime
{
    private TestHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await DefaultsHost.StartAsync();

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task An_api_route_without_a_key_answers_401_problem_details_with_a_bearer_challenge()
    {
        using var client = _host.CreateClient(bearerKey: null);

        var response = await client.GetAsync("/api/whoami");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Contains("Authorization: Bearer", body["detail"]!.GetValue<string>());
        Assert.Equal(32, body["traceId"]!.GetValue<string>().Length);
    }

    [Fact]
    public async Task A_gateway_route_with_a_wrong_key_answers_in_openai_shape()
    {
        using var client = _host.CreateClient("not-the-key");

        var response = await client.GetAsync("/v1/ping");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("invalid_api_key", error["code"]!.GetValue<string>());
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_non_bearer_scheme_is_refused_with_a_reason()
    {
        using var client = _host.CreateClient(bearerKey: null);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", "dXNlcjpwYXNz");

        var response = await client.GetAsync("/api/whoami");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("must be 'Bearer <key>'", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_admin_key_is_the_admin_and_a_project_key_is_its_project()
    {
        using var admin = _host.CreateClient();
        using var project = _host.CreateClient(DefaultsHost.ProjectAKey);

        var asAdmin = JsonNode.Parse(await admin.GetStringAsync("/api/whoami"))!;
        var asProject = JsonNode.Parse(await project.GetStringAsync("/api/whoami"))!;

        Assert.True(asAdmin["admin"]!.GetValue<bool>());
        Assert.Null(asAdmin["project"]);
        Assert.False(asProject["admin"]!.GetValue<bool>());
        Assert.Equal("project-a", asProject["project"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_project_key_is_forbidden_from_admin_routes()
    {
        using var project = _host.CreateClient(DefaultsHost.ProjectAKey);
        using var admin = _host.CreateClient();

        var forbidden = await project.GetAsync("/api/admin-only");
        var allowed = await admin.GetAsync("/api/admin-only");

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Contains("permission_denied", await forbidden.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task Health_probes_need_no_key()
    {
        using var client = _host.CreateClient(bearerKey: null);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        // The bus starts in the background, so readiness may take a moment; it must never ask for a key.
        await Eventually.TrueAsync(async () => (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(20), "readiness without a key");
    }
}
