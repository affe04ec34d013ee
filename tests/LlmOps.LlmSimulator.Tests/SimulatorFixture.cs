using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Testing;

namespace LlmOps.LlmSimulator.Tests;

/// <summary>One simulator host shared by a test class, with helpers to call it the way an OpenAI client does.</summary>
public sealed class SimulatorFixture : IAsyncLifetime
{
    public TestHost Host { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Host = await SimulatorHost.StartAsync(new Dictionary<string, string?>
        {
            ["Simulator:HangMs"] = "1500",
            ["Simulator:Rules:0:Match"] = "^what is the capital of france\\??$",
            ["Simulator:Rules:0:Response"] = "Paris.",
        });
        Client = Host.CreateClient(bearerKey: null);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
    }

    public static JsonObject Chat(string userMessage, string model = "sim-small") => new()
    {
        ["model"] = model,
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = userMessage }),
    };

    public async Task<(HttpResponseMessage Response, JsonObject? Body)> PostAsync(string path, JsonNode body, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers)
            request.Headers.Add(name, value);
        var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonObject? json = null;
        try
        {
            json = text.Length > 0 ? JsonNode.Parse(text) as JsonObject : null;
        }
        catch (JsonException)
        {
            // Some tests expect a body that is not JSON.
        }
        return (response, json);
    }

    /// <summary>Reads a streamed answer into its events' data payloads.</summary>
    public async Task<List<string>> StreamAsync(JsonObject body, params (string Name, string Value)[] headers)
    {
        body["stream"] = true;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in headers)
            request.Headers.Add(name, value);
        using var response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return await ReadEventsAsync(await response.Content.ReadAsStreamAsync());
    }

    public static async Task<List<string>> ReadEventsAsync(Stream stream)
    {
        var events = new List<string>();
        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
                events.Add(line["data: ".Length..]);
        }
        return events;
    }
}
