using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace LlmOps.Testing;

/// <summary>
/// The distributed platform as an operator runs it: the six services, each its own process on a loopback port, on a
/// fresh virtual host of the test RabbitMQ and a fresh database of the test PostgreSQL, with the LLM simulator as the
/// only upstream and a <see cref="PageReceiver"/> as PagerDuty. Configured only by environment variables (README).
/// </summary>
public sealed class ServiceProcesses : IAsyncDisposable
{
    public const string InferenceProxy = "inference-proxy";
    public const string TraceCollector = "trace-collector";
    public const string Evaluator = "evaluator";
    public const string FeedbackIngest = "feedback-ingest";
    public const string CostAccountant = "cost-accountant";
    public const string Alerting = "alerting";

    /// <summary>The six services, inference-proxy first (the others ask it for the key snapshot).</summary>
    public static readonly IReadOnlyList<string> Names = [InferenceProxy, TraceCollector, Evaluator, FeedbackIngest, CostAccountant, Alerting];

    public const string PagerDutyRoutingKeyVariable = "LLMOPS_SYSTEM_PAGERDUTY_KEY";

    private readonly Dictionary<string, ServiceProcess> _services = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, string>> _environments = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TcpGate> _brokerGates = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TcpGate> _databaseGates = new(StringComparer.Ordinal);
    private readonly List<ServiceProcess> _retired = [];

    private ServiceProcesses()
    {
    }

    public string AdminKey { get; } = "llmops-admin-system-" + Guid.NewGuid().ToString("N");
    public string VirtualHost { get; private set; } = "";
    public string ConnectionString { get; private set; } = "";
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "llmops-system", Guid.NewGuid().ToString("N"));
    public TestHost Simulator { get; private set; } = null!;
    public PageReceiver Pages { get; private set; } = null!;

    public ServiceProcess this[string name] => _services[name];
    public IReadOnlyCollection<ServiceProcess> All => _services.Values;

    /// <summary>Every process's recent output (killed and restarted ones too), for a failure message.</summary>
    public string Tails(int lines = 40) => string.Join("\n", _retired.Concat(_services.Values).Select(s => s.Tail(lines)));

    /// <summary>
    /// The gate between <paramref name="name"/> and the broker: cut it for a broker outage seen by that service alone.
    /// Only when started with <c>throughGates</c>.
    /// </summary>
    public TcpGate BrokerGate(string name) => _brokerGates.TryGetValue(name, out var gate)
        ? gate
        : throw new InvalidOperationException("Start the platform with throughGates: true to cut its connections.");

    /// <summary>The gate between <paramref name="name"/> and its database (see <see cref="BrokerGate"/>).</summary>
    public TcpGate DatabaseGate(string name) => _databaseGates.TryGetValue(name, out var gate)
        ? gate
        : throw new InvalidOperationException("Start the platform with throughGates: true to cut its connections.");

    /// <param name="extra">More settings per service (name → variable → value), e.g. a rule file for alerting.</param>
    /// <param name="throughGates">Connect every service to the broker and to PostgreSQL through a <see cref="TcpGate"/> of
    /// its own (<see cref="BrokerGate"/>, <see cref="DatabaseGate"/>), for fault scenarios.</param>
    public static async Task<ServiceProcesses> StartAsync(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? extra = null,
        bool throughGates = false)
    {
        var platform = new ServiceProcesses();
        try
        {
            if (throughGates)
            {
                var postgres = new NpgsqlConnectionStringBuilder(TestInfrastructure.PostgresAdminConnectionString);
                foreach (var name in Names)
                {
                    platform._brokerGates[name] = new TcpGate(TestInfrastructure.RabbitMqHost, TestInfrastructure.RabbitMqPort);
                    platform._databaseGates[name] = new TcpGate(postgres.Host ?? "127.0.0.1", postgres.Port);
                }
            }
            await platform.StartAllAsync(extra ?? new Dictionary<string, IReadOnlyDictionary<string, string>>());
            return platform;
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
    }

    private async Task StartAllAsync(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> extra)
    {
        VirtualHost = await TestInfrastructure.CreateVirtualHostAsync();
        ConnectionString = await TestInfrastructure.CreateDatabaseAsync("system");
        Simulator = await SimulatorHost.StartAsync();
        Pages = await PageReceiver.StartAsync();
        Directory.CreateDirectory(DataDirectory);

        foreach (var name in Names)
        {
            var environment = Common(name);
            foreach (var (key, value) in Specific(name))
                environment[key] = value;
            if (extra.TryGetValue(name, out var more))
                foreach (var (key, value) in more)
                    environment[key] = value;
            _environments[name] = environment;
            _services[name] = ServiceProcess.Start(name, environment);
        }
        // Each migrates its own schema and then starts its bus; readiness also waits for the key snapshot.
        await Task.WhenAll(_services.Values.Select(s => s.WaitReadyAsync(TimeSpan.FromSeconds(120))));
    }

    private Dictionary<string, string> Common(string name) => new(StringComparer.Ordinal)
    {
        ["Auth__AdminKey"] = AdminKey,
        ["Messaging__Transport"] = "RabbitMq",
        ["Messaging__RabbitMq__Host"] = _brokerGates.ContainsKey(name) ? "127.0.0.1" : TestInfrastructure.RabbitMqHost,
        ["Messaging__RabbitMq__Port"] = (_brokerGates.TryGetValue(name, out var broker) ? broker.Port : TestInfrastructure.RabbitMqPort).ToString(),
        ["Messaging__RabbitMq__VirtualHost"] = VirtualHost,
        ["Messaging__RabbitMq__Username"] = "guest",
        ["Messaging__RabbitMq__Password"] = "guest",
        ["Storage__Provider"] = "Postgres",
        ["Storage__ConnectionString"] = _databaseGates.TryGetValue(name, out var database)
            ? new NpgsqlConnectionStringBuilder(ConnectionString) { Host = "127.0.0.1", Port = database.Port }.ToString()
            : ConnectionString,
        ["Storage__DataDirectory"] = Path.Combine(DataDirectory, name),
        ["Serilog__MinimumLevel__Default"] = Environment.GetEnvironmentVariable("LLMOPS_TEST_LOG_LEVEL") ?? "Warning",
    };

    private Dictionary<string, string> Specific(string name) => name switch
    {
        InferenceProxy => new()
        {
            ["InferenceProxy__Deployments__0__Name"] = "simulator",
            ["InferenceProxy__Deployments__0__Provider"] = "openai",
            ["InferenceProxy__Deployments__0__BaseUrl"] = new Uri(Simulator.BaseAddress, "v1").ToString(),
            ["InferenceProxy__Deployments__0__Models__0"] = "*",
        },
        Evaluator => new()
        {
            ["Evaluator__Gateway__BaseUrl"] = _services[InferenceProxy].BaseAddress.ToString(),
            ["Evaluator__Gateway__ApiKey"] = AdminKey,
        },
        Alerting => new()
        {
            [PagerDutyRoutingKeyVariable] = "system-test-routing-key",
            ["Alerting__Receivers__oncall__PagerDuty__RoutingKeyEnv"] = PagerDutyRoutingKeyVariable,
            ["Alerting__Receivers__oncall__PagerDuty__BaseUrl"] = Pages.BaseAddress.ToString(),
            ["Alerting__Route__Receiver"] = "oncall",
            ["Alerting__Metrics__ManagementUrl"] = $"http://{TestInfrastructure.RabbitMqHost}:{TestInfrastructure.RabbitMqManagementPort}",
        },
        _ => [],
    };

    /// <summary>
    /// Starts <paramref name="name"/> again, with the same environment and on the same port (a pod restarted by its
    /// controller): kills it first if it still runs, then waits for its readiness, or with <paramref name="untilReady"/>
    /// false only for its liveness (a restart while its broker is cut away: it serves, but is not ready until the broker returns).
    /// </summary>
    public async Task RestartAsync(string name, TimeSpan? readyWithin = null, bool untilReady = true)
    {
        var old = _services[name];
        await old.KillAsync();
        _retired.Add(old);
        var started = ServiceProcess.Start(name, _environments[name], old.BaseAddress.Port);
        _services[name] = started;
        if (untilReady)
            await started.WaitReadyAsync(readyWithin ?? TimeSpan.FromSeconds(60));
        else
            await started.WaitLiveAsync(readyWithin ?? TimeSpan.FromSeconds(60));
    }

    /// <summary>An admin client for one service.</summary>
    public HttpClient Admin(string name) => this[name].CreateClient(AdminKey);

    /// <summary>Creates a project and issues it a key through inference-proxy's admin API; returns (key id, key).</summary>
    public async Task<(string KeyId, string Key)> CreateProjectWithKeyAsync(string projectId)
    {
        using var admin = Admin(InferenceProxy);
        var created = await admin.PostAsJsonAsync("/api/projects", new { id = projectId, name = projectId });
        if (created.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.Conflict))
            throw new InvalidOperationException($"POST /api/projects: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        return await IssueKeyAsync(projectId, "app");
    }

    public async Task<(string KeyId, string Key)> IssueKeyAsync(string projectId, string name)
    {
        using var admin = Admin(InferenceProxy);
        var issued = await admin.PostAsJsonAsync("/api/keys", new { projectId, name });
        var text = await issued.Content.ReadAsStringAsync();
        if (issued.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException($"POST /api/keys: {(int)issued.StatusCode} {text}");
        var body = JsonNode.Parse(text)!;
        return (body["details"]!["id"]!.GetValue<string>(), body["key"]!.GetValue<string>());
    }

    /// <summary>Waits until every service accepts (or, with <paramref name="accepted"/> false, refuses) a key.</summary>
    public Task WaitForKeyAsync(string key, bool accepted = true) =>
        Task.WhenAll(_services.Values.Select(async service =>
        {
            using var client = service.CreateClient(key);
            // Any route that needs a key: an unknown /api path is 401 without a valid key and 404 with one.
            await Eventually.TrueAsync(async () =>
                    (await client.GetAsync("/api/no-such-route")).StatusCode == HttpStatusCode.Unauthorized != accepted,
                TimeSpan.FromSeconds(30), $"{service.Name} to {(accepted ? "accept" : "refuse")} the key");
        }));

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_services.Values.Concat(_retired).Select(s => s.DisposeAsync().AsTask()));
        foreach (var gate in _brokerGates.Values.Concat(_databaseGates.Values))
            await gate.DisposeAsync();
        if (Pages is not null)
            await Pages.DisposeAsync();
        if (Simulator is not null)
            await Simulator.DisposeAsync();
        if (VirtualHost.Length > 0)
            await TestInfrastructure.DeleteVirtualHostAsync(VirtualHost);
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
