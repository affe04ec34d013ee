using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.Testing;

/// <summary>
/// A real host on a loopback port (Kestrel, real HTTP), composed the way Program.cs composes a service, so tests
/// exercise the same Add/Map pairs the services and the embedded platform run.
/// </summary>
public sealed class TestHost : IAsyncDisposable
{
    public const string AdminKey = "test-admin-key-0123456789abcdef";

    private TestHost(WebApplication app, Uri baseAddress)
    {
        App = app;
        BaseAddress = baseAddress;
    }

    public WebApplication App { get; }
    public Uri BaseAddress { get; }
    public IServiceProvider Services => App.Services;

    public static async Task<TestHost> StartAsync(
        Action<WebApplicationBuilder> configure,
        Action<WebApplication> map,
        IDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Test",
            ContentRootPath = AppContext.BaseDirectory,
        });
        var defaults = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Auth:AdminKey"] = AdminKey,
            ["Messaging:Transport"] = "InMemory",
            ["Storage:Provider"] = "Sqlite",
            ["Serilog:MinimumLevel:Default"] = Environment.GetEnvironmentVariable("LLMOPS_TEST_LOG_LEVEL") ?? "Warning",
        };
        // A null value removes a test default, letting the host's own defaults (e.g. the embedded platform's) apply.
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            if (value is null)
                defaults.Remove(key);
            else
                defaults[key] = value;
        }
        builder.Configuration.AddInMemoryCollection(defaults);

        configure(builder);
        var app = builder.Build();
        map(app);
        // Start outside the test framework's synchronization context: hosted services (the bus) keep running on the
        // thread pool after the test method awaits something else.
        await Task.Run(() => app.StartAsync());

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestHost(app, new Uri(address));
    }

    /// <summary>A client for this host; <paramref name="bearerKey"/> null sends no Authorization header.</summary>
    public HttpClient CreateClient(string? bearerKey = AdminKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (bearerKey is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearerKey);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await App.StopAsync(timeout.Token);
        await App.DisposeAsync();
    }
}
