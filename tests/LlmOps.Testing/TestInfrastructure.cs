using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace LlmOps.Testing;

/// <summary>
/// The RabbitMQ and PostgreSQL that scripts/test.sh starts (scripts/deps.sh start, for a developer). Integration tests
/// fail, never skip, when they are unreachable: a green run must mean the real path ran.
/// </summary>
public static class TestInfrastructure
{
    public static string RabbitMqHost => Environment.GetEnvironmentVariable("LLMOPS_TEST_RABBITMQ_HOST") ?? "127.0.0.1";
    public static int RabbitMqPort => int.Parse(Environment.GetEnvironmentVariable("LLMOPS_TEST_RABBITMQ_PORT") ?? "5673");
    public static int RabbitMqManagementPort => int.Parse(Environment.GetEnvironmentVariable("LLMOPS_TEST_RABBITMQ_MANAGEMENT_PORT") ?? "15673");

    public static string PostgresAdminConnectionString =>
        Environment.GetEnvironmentVariable("LLMOPS_TEST_POSTGRES") ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres";

    private const string Hint = "Start the test servers with scripts/deps.sh start (scripts/test.sh does it for you).";

    /// <summary>A fresh, empty database; returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string purpose)
    {
        var name = $"llmops_{purpose}_{Guid.NewGuid():N}"[..40].ToLowerInvariant();
        try
        {
            await using var connection = new NpgsqlConnection(PostgresAdminConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException ex)
        {
            throw new InvalidOperationException($"The test PostgreSQL at '{PostgresAdminConnectionString}' is unreachable. {Hint}", ex);
        }
        return new NpgsqlConnectionStringBuilder(PostgresAdminConnectionString) { Database = name, MaxPoolSize = 20 }.ToString();
    }

    /// <summary>A fresh virtual host, so tests that run services at once never share (or steal from) a queue.</summary>
    public static async Task<string> CreateVirtualHostAsync()
    {
        var vhost = "test-" + Guid.NewGuid().ToString("N")[..12];
        using var client = Management();
        try
        {
            (await client.PutAsync($"api/vhosts/{vhost}", null)).EnsureSuccessStatusCode();
            (await client.PutAsJsonAsync($"api/permissions/{vhost}/guest", new { configure = ".*", write = ".*", read = ".*" }))
                .EnsureSuccessStatusCode();
        }
        catch (HttpRequestException ex)
        {
            throw new InvalidOperationException(
                $"The test RabbitMQ management API on {RabbitMqHost}:{RabbitMqManagementPort} is unreachable. {Hint}", ex);
        }
        return vhost;
    }

    public static async Task DeleteVirtualHostAsync(string vhost)
    {
        using var client = Management();
        // Deleting a vhost with dozens of queues (a whole platform's, error queues included) takes the broker a while
        // when the machine is busy: longer than a query is given.
        client.Timeout = TimeSpan.FromSeconds(60);
        await client.DeleteAsync($"api/vhosts/{vhost}");
    }

    /// <summary>Configuration that points a service at the test broker's <paramref name="vhost"/>.</summary>
    public static Dictionary<string, string?> RabbitMqSettings(string vhost) => new()
    {
        ["Messaging:Transport"] = "RabbitMq",
        ["Messaging:RabbitMq:Host"] = RabbitMqHost,
        ["Messaging:RabbitMq:Port"] = RabbitMqPort.ToString(),
        ["Messaging:RabbitMq:VirtualHost"] = vhost,
        ["Messaging:RabbitMq:Username"] = "guest",
        ["Messaging:RabbitMq:Password"] = "guest",
    };

    public static Dictionary<string, string?> PostgresSettings(string connectionString) => new()
    {
        ["Storage:Provider"] = "Postgres",
        ["Storage:ConnectionString"] = connectionString,
    };

    /// <summary>Messages waiting in a queue (the management API refreshes its figures every few seconds).</summary>
    public static async Task<long?> QueueDepthAsync(string vhost, string queue)
    {
        using var client = Management();
        var response = await client.GetAsync($"api/queues/{vhost}/{queue}");
        if (!response.IsSuccessStatusCode)
            return null;
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Number
            ? messages.GetInt64()
            : null;
    }

    /// <summary>
    /// Every queue of <paramref name="vhost"/> (from the management API): how many consumers it has, and whether it is
    /// temporary — not durable or auto-deleted: a process instance's own queue (key events every replica must see, the
    /// bus's reply queue) rather than a service's.
    /// </summary>
    public static async Task<IReadOnlyList<(string Name, int Consumers, bool Temporary)>> ListQueuesAsync(string vhost)
    {
        using var client = Management();
        using var document = JsonDocument.Parse(
            await client.GetStringAsync($"api/queues/{Uri.EscapeDataString(vhost)}?columns=name,consumers,durable,auto_delete"));
        return document.RootElement.EnumerateArray()
            .Select(q => (q.GetProperty("name").GetString()!,
                q.TryGetProperty("consumers", out var consumers) && consumers.ValueKind == JsonValueKind.Number ? consumers.GetInt32() : 0,
                q.TryGetProperty("auto_delete", out var autoDelete) && autoDelete.ValueKind == JsonValueKind.True
                || q.TryGetProperty("durable", out var durable) && durable.ValueKind == JsonValueKind.False))
            .ToList();
    }

    /// <summary>
    /// The message types a MassTransit endpoint queue receives: the exchanges (named <c>Namespace:Type</c>) bound to the
    /// queue's own exchange of the same name.
    /// </summary>
    public static async Task<IReadOnlyList<string>> BoundMessageTypesAsync(string vhost, string queue)
    {
        using var client = Management();
        var response = await client.GetAsync($"api/exchanges/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(queue)}/bindings/destination");
        if (!response.IsSuccessStatusCode)
            return [];
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.EnumerateArray().Select(b => b.GetProperty("source").GetString()!).Where(s => s.Length > 0).Distinct().ToList();
    }

    /// <summary>Takes up to <paramref name="count"/> messages off a queue and returns their bodies.</summary>
    public static async Task<IReadOnlyList<string>> GetMessagesAsync(string vhost, string queue, int count)
    {
        using var client = Management();
        var response = await client.PostAsJsonAsync($"api/queues/{vhost}/{queue}/get",
            new { count, ackmode = "ack_requeue_false", encoding = "auto", truncate = 50000 });
        if (!response.IsSuccessStatusCode)
            return [];
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.EnumerateArray().Select(m => m.GetProperty("payload").GetString()!).ToList();
    }

    /// <summary>Puts raw bytes on a queue through the default exchange, as a misbehaving producer would.</summary>
    public static async Task PublishRawAsync(string vhost, string queue, string payload, string contentType = "application/vnd.masstransit+json")
    {
        using var client = Management();
        var body = new
        {
            properties = new { content_type = contentType, delivery_mode = 2 },
            routing_key = queue,
            payload,
            payload_encoding = "string",
        };
        var response = await client.PostAsJsonAsync($"api/exchanges/{vhost}/amq.default/publish", body);
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        if (!document.RootElement.GetProperty("routed").GetBoolean())
            throw new InvalidOperationException($"Nothing was routed to queue '{queue}' in vhost '{vhost}'.");
    }

    /// <summary>
    /// Publishes a message of one of our contracts to its type's exchange, in MassTransit's envelope (camelCase, as the
    /// services' buses write it), the way another replica or a replaying spool would. Throws if nothing was bound.
    /// </summary>
    public static async Task PublishContractAsync<T>(string vhost, T message) where T : class
    {
        var messageType = $"{typeof(T).Namespace}:{typeof(T).Name}";
        var envelope = new
        {
            messageId = Guid.NewGuid(),
            conversationId = Guid.NewGuid(),
            messageType = new[] { "urn:message:" + messageType },
            sentTime = DateTime.UtcNow,
            message,
        };
        using var client = Management();
        var body = new
        {
            properties = new { content_type = "application/vnd.masstransit+json", delivery_mode = 2 },
            routing_key = "",
            payload = JsonSerializer.Serialize(envelope, new JsonSerializerOptions(JsonSerializerDefaults.Web)),
            payload_encoding = "string",
        };
        var response = await client.PostAsJsonAsync($"api/exchanges/{vhost}/{Uri.EscapeDataString(messageType)}/publish", body);
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        if (!document.RootElement.GetProperty("routed").GetBoolean())
            throw new InvalidOperationException($"Nothing is bound to exchange '{messageType}' in vhost '{vhost}'.");
    }

    private static HttpClient Management()
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://{RabbitMqHost}:{RabbitMqManagementPort}/"), Timeout = TimeSpan.FromSeconds(15) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("guest:guest")));
        return client;
    }
}
