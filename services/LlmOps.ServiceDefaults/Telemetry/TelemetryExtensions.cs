using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace LlmOps.ServiceDefaults.Telemetry;

public static class TelemetryExtensions
{
    // ASP.NET Core, HttpClient and MassTransit publish through these built-in sources and meters; the
    // OpenTelemetry instrumentation packages that would wrap them are not obtainable here.
    internal static readonly string[] ActivitySources = ["Microsoft.AspNetCore", "System.Net.Http", "MassTransit", LlmOpsTelemetry.Name];

    internal static readonly string[] Meters =
    [
        "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Routing",
        "System.Net.Http", "MassTransit", LlmOpsTelemetry.Name,
    ];

    /// <summary>
    /// OpenTelemetry traces and metrics exported over OTLP when an endpoint is configured
    /// (<c>Telemetry:OtlpEndpoint</c> or the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>); nothing is collected otherwise.
    /// </summary>
    public static WebApplicationBuilder AddLlmOpsTelemetry(this WebApplicationBuilder builder, string hostName)
    {
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section);
        var options = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var endpoint = options.OtlpEndpoint ?? builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(endpoint))
            return builder;

        var protocol = (options.OtlpProtocol ?? builder.Configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] ?? "http/protobuf")
            .Equals("grpc", StringComparison.OrdinalIgnoreCase) ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        var resource = ResourceBuilder.CreateDefault()
            .AddService(hostName, serviceNamespace: "llmops", serviceInstanceId: Environment.MachineName);

        builder.Services.AddSingleton(_ => Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(ActivitySources)
            .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.SampleRatio)))
            .AddOtlpExporter(o => ConfigureExporter(o, endpoint, protocol, "v1/traces"))
            .Build());
        builder.Services.AddSingleton(_ => Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(Meters)
            .AddOtlpExporter((o, reader) =>
            {
                ConfigureExporter(o, endpoint, protocol, "v1/metrics");
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = options.MetricExportIntervalMs;
            })
            .Build());
        builder.Services.AddHostedService<TelemetryStarter>();
        return builder;
    }

    private static void ConfigureExporter(OtlpExporterOptions options, string endpoint, OtlpExportProtocol protocol, string signalPath)
    {
        options.Protocol = protocol;
        // With http/protobuf an explicitly set endpoint is used as the full URL, so the signal path is ours to add.
        options.Endpoint = protocol == OtlpExportProtocol.HttpProtobuf
            ? new Uri(endpoint.TrimEnd('/') + "/" + signalPath)
            : new Uri(endpoint);
    }

    /// <summary>Resolves the providers at start so they begin listening; the container disposes (and flushes) them.</summary>
    private sealed class TelemetryStarter(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            services.GetRequiredService<TracerProvider>();
            services.GetRequiredService<MeterProvider>();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>OTLP collector base address, e.g. <c>http://otel-collector:4318</c>.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>http/protobuf</c> (default) or <c>grpc</c>.</summary>
    public string? OtlpProtocol { get; set; }

    public double SampleRatio { get; set; } = 1.0;
    public int MetricExportIntervalMs { get; set; } = 15000;
}
