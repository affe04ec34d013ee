using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using LlmOps.Testing;
using Npgsql;
using OpenAI;
using OpenAI.Chat;

namespace LlmOps.IntegrationTests;

[Collection(DistributedCollection.Name)]
public class DistributedPathTests(DistributedFixture platform)
{
    private ChatClient Chat(string model = "sim-small") => new(model, new ApiKeyCredential(TestHost.AdminKey), new OpenAIClientOptions
    {
        Endpoint = new Uri(platform.Proxy.BaseAddress, "v1"),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    });

    private async Task<long> CountObservationsAsync(string traceId)
    {
        await using var connection = new NpgsqlConnection(platform.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select count(*) from trace_collector.observations where trace_id = @id", connection);
        command.Parameters.AddWithValue("id", traceId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_chat_completion_from_the_official_sdk_becomes_a_trace_in_postgres_via_rabbitmq()
    {
        var result = await Chat().CompleteChatAsync([new SystemChatMessage("You answer briefly."), new UserChatMessage("What is LLMOps?")]);
        Assert.True(result.GetRawResponse().Headers.TryGetValue("x-llmops-trace-id", out var traceId));
        using var collector = platform.Collector.CreateClient();

        var (trace, _) = await TraceApi.WaitForTraceAsync(collector, traceId!, TimeSpan.FromSeconds(30));

        Assert.Equal(traceId, trace["id"]!.GetValue<string>());
        Assert.Equal("default", trace["projectId"]!.GetValue<string>());
        Assert.Equal("ok", trace["status"]!.GetValue<string>());
        Assert.Equal("What is LLMOps?", trace["input"]![1]!["content"]!.GetValue<string>());
        Assert.Equal(result.Value.Content[0].Text, trace["output"]!.GetValue<string>());
        var generation = trace["observations"]!.AsArray().Single()!;
        Assert.Equal("generation", generation["type"]!.GetValue<string>());
        Assert.Equal("sim-small", generation["model"]!.GetValue<string>());
        Assert.Equal(result.Value.Usage.InputTokenCount, generation["usage"]!["inputTokens"]!.GetValue<int>());
        Assert.Equal(result.Value.Usage.OutputTokenCount, generation["usage"]!["outputTokens"]!.GetValue<int>());
        Assert.Equal(1, await CountObservationsAsync(traceId!));
    }

    [Fact]
    public async Task A_streamed_completion_is_traced_with_its_usage_and_time_to_first_token()
    {
        var text = new StringBuilder();
        string? completionId = null;
        await foreach (var update in Chat().CompleteChatStreamingAsync([new UserChatMessage("Stream over the real broker [[sim:tokens=15]] [[sim:token-ms=2]]")]))
        {
            completionId ??= update.CompletionId;
            foreach (var part in update.ContentUpdate)
                text.Append(part.Text);
        }
        using var collector = platform.Collector.CreateClient();
        await using var connection = new NpgsqlConnection(platform.DatabaseConnectionString);
        await connection.OpenAsync();

        // The SDK's streaming API does not expose response headers; find the trace by its captured answer.
        var traceId = await Eventually.UntilAsync(async () =>
        {
            await using var command = new NpgsqlCommand("select trace_id from trace_collector.observations where output = @output", connection);
            command.Parameters.AddWithValue("output", text.ToString());
            return await command.ExecuteScalarAsync() as string;
        }, TimeSpan.FromSeconds(30), "the streamed generation");
        var (trace, _) = await TraceApi.WaitForTraceAsync(collector, traceId, TimeSpan.FromSeconds(5));

        var generation = trace["observations"]![0]!;
        Assert.Equal(15, generation["usage"]!["outputTokens"]!.GetValue<int>());
        Assert.False(generation["usage"]!["estimated"]!.GetValue<bool>());
        Assert.True(generation["metadata"]!["streamed"]!.GetValue<bool>());
        Assert.NotNull(generation["completionStartTime"]);
    }

    [Fact]
    public async Task An_upstream_failure_is_traced_as_an_error()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() => Chat().CompleteChatAsync([new UserChatMessage("[[sim:fail=503]]")]));
        Assert.True(error.GetRawResponse()!.Headers.TryGetValue("x-llmops-trace-id", out var traceId));
        using var collector = platform.Collector.CreateClient();

        var (trace, _) = await TraceApi.WaitForTraceAsync(collector, traceId!, TimeSpan.FromSeconds(30));

        Assert.Equal("error", trace["status"]!.GetValue<string>());
        Assert.Contains("upstream_error", trace["observations"]![0]!["statusMessage"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_collectors_schema_is_migrated_into_its_own_postgres_schema()
    {
        await using var connection = new NpgsqlConnection(platform.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select table_name from information_schema.tables where table_schema = 'trace_collector' order by table_name", connection);
        var tables = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                tables.Add(reader.GetString(0));

        Assert.Equal(["__ef_migrations_history", "generation_rollups", "observations", "project_policies", "score_rollups", "scores", "trace_rollups", "traces"], tables);
    }
}
