using System.Text.Json;
using System.Text.Json.Serialization;
using LlmOps.ServiceDefaults.Health;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace LlmOps.ServiceDefaults.Messaging;

public static class MessagingExtensions
{
    private const string RegistryKey = "LlmOps.MessagingRegistry";

    /// <summary>
    /// One MassTransit bus per process, on RabbitMQ or in memory (<c>Messaging:Transport</c>). Every receive endpoint
    /// gets short retries, then its <c>_error</c> queue (but waits out a database outage: <see cref="StorageOutageRetry"/>); an in-memory outbox (publishes leave only after the consumer
    /// succeeded); a bounded prefetch. Services add consumers with <see cref="AddServiceConsumer{TConsumer}"/>.
    /// </summary>
    public static WebApplicationBuilder AddLlmOpsMessaging(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<MessagingOptions>()
            .BindConfiguration(MessagingOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var options = builder.Configuration.GetSection(MessagingOptions.Section).Get<MessagingOptions>() ?? new MessagingOptions();

        var registry = new MessagingRegistry();
        builder.Services.AddMassTransit(bus =>
        {
            // Self-hosted installs often have no way out, and nothing should phone home by default.
            bus.DisableUsageTelemetry();
            // Consumers are registered later by each service module (see AddServiceConsumer): the configurator only
            // writes to the service collection, which is still open until the host is built.
            registry.Configurator = bus;
            bus.ConfigureHealthCheckOptions(health =>
            {
                health.Name = "bus";
                health.MinimalFailureStatus = HealthStatus.Unhealthy;
                health.Tags.Add(HealthExtensions.ReadyTag);
            });
            bus.AddConfigureEndpointsCallback((context, _, endpoint) =>
            {
                // Outer: a database that is away is waited out, the message unacknowledged. Inner: anything else gets the
                // short retries, then _error. The inner one lets database outages straight through to the outer one.
                endpoint.UseMessageRetry(r =>
                {
                    r.Handle<Exception>(StorageOutageRetry.IsStorageOutage);
                    r.Intervals(options.EffectiveStorageRetryIntervalsMs);
                });
                endpoint.UseMessageRetry(r =>
                {
                    r.Ignore<Exception>(StorageOutageRetry.IsStorageOutage);
                    r.Intervals(options.EffectiveRetryIntervalsMs);
                });
                endpoint.UseInMemoryOutbox(context);
            });

            if (options.Transport == MessagingOptions.Transports.RabbitMq)
            {
                bus.UsingRabbitMq((context, cfg) =>
                {
                    var rabbit = options.RabbitMq;
                    cfg.Host(rabbit.Host, (ushort)rabbit.Port, rabbit.VirtualHost, h =>
                    {
                        h.Username(rabbit.Username);
                        h.Password(rabbit.Password);
                        h.Heartbeat(rabbit.Heartbeat);
                        h.PublisherConfirmation = true;
                        if (rabbit.UseTls)
                            h.UseSsl(_ => { });
                    });
                    cfg.PrefetchCount = options.PrefetchCount;
                    cfg.ConfigureJsonSerializerOptions(CompactJson);
                    cfg.ConfigureEndpoints(context);
                });
            }
            else
            {
                bus.UsingInMemory((context, cfg) =>
                {
                    cfg.ConcurrentMessageLimit = options.PrefetchCount;
                    cfg.ConfigureJsonSerializerOptions(CompactJson);
                    cfg.ConfigureEndpoints(context);
                });
            }
        });
        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            // Start serving HTTP even while the broker is unreachable: /health/ready reports it, and the bus keeps
            // reconnecting in the background.
            o.WaitUntilStarted = false;
            o.StopTimeout = TimeSpan.FromSeconds(30);
        });
        builder.Services.AddSingleton<BoundedPublisher>();
        builder.AddTopicPublisher();
        builder.Host.Properties[RegistryKey] = registry;
        return builder;
    }

    /// <summary>
    /// Messages on the wire without indentation and without null properties (MassTransit indents by default): a gateway
    /// batch of 100 requests shrinks from ~180 KB to ~93 KB, so the broker moves, and every consumer parses, about half
    /// of it. Readers are unaffected: whitespace means nothing to
    /// them, and a property that is absent reads as null, as it did when null was written (required properties are never
    /// null, so they are always written).
    /// </summary>
    private static JsonSerializerOptions CompactJson(JsonSerializerOptions options)
    {
        options.WriteIndented = false;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        return options;
    }

    /// <summary>
    /// Registers a consumer on a queue named after the owning service (<c>trace-collector-inference-completed</c>), so
    /// two services never compete for one queue, in distributed and embedded mode alike.
    /// </summary>
    /// <param name="prefetch">For batch consumers: how many messages the endpoint may hold at once (at least the batch
    /// size times its concurrency), instead of the bus-wide prefetch.</param>
    /// <param name="endpoint">Extra set-up of the queue's receive endpoint (filters that see every message first).</param>
    public static WebApplicationBuilder AddServiceConsumer<TConsumer>(this WebApplicationBuilder builder, string serviceName,
        Action<IConsumerConfigurator<TConsumer>>? configure = null, int? prefetch = null, Action<IReceiveEndpointConfigurator>? endpoint = null)
        where TConsumer : class, IConsumer
    {
        var queue = QueueNames.For<TConsumer>(serviceName);
        Registry(builder).Configurator!.AddConsumer(configure).Endpoint(e =>
        {
            e.Name = queue;
            if (prefetch is { } count)
            {
                e.PrefetchCount = count;
                e.ConcurrentMessageLimit = count;
            }
            if (endpoint is not null)
                e.AddConfigureEndpointCallback(endpoint);
        });
        return builder;
    }

    /// <summary>
    /// Registers a batch consumer (<c>IConsumer&lt;Batch&lt;T&gt;&gt;</c>) on its service queue: a batch closes at
    /// <paramref name="messageLimit"/> messages or after <paramref name="waitMs"/>, <paramref name="concurrency"/>
    /// batches run at once, and the prefetch is just enough to fill them.
    /// </summary>
    /// <param name="endpoint">Extra set-up of the queue's receive endpoint, e.g. a filter that drops messages before
    /// they are deserialised.</param>
    public static WebApplicationBuilder AddServiceBatchConsumer<TConsumer>(this WebApplicationBuilder builder, string serviceName,
        int messageLimit, int waitMs, int concurrency = 1, Action<IReceiveEndpointConfigurator>? endpoint = null)
        where TConsumer : class, IConsumer =>
        builder.AddServiceConsumer<TConsumer>(serviceName, consumer => consumer.Options<BatchOptions>(batch => batch
                .SetMessageLimit(messageLimit)
                .SetTimeLimit(TimeSpan.FromMilliseconds(waitMs))
                .SetConcurrencyLimit(concurrency)),
            prefetch: messageLimit * concurrency, endpoint: endpoint);

    /// <summary>
    /// Registers a consumer on a temporary queue of this process instance alone (auto-deleted when it goes): for
    /// events every replica must see, such as key changes, rather than share.
    /// </summary>
    public static WebApplicationBuilder AddInstanceConsumer<TConsumer>(this WebApplicationBuilder builder, string endpointName)
        where TConsumer : class, IConsumer
    {
        var registry = Registry(builder);
        registry.Configurator!.AddConsumer<TConsumer>().Endpoint(e =>
        {
            e.Name = endpointName;
            e.InstanceId = "-" + registry.InstanceId;
            e.Temporary = true;
        });
        return builder;
    }

    private static MessagingRegistry Registry(WebApplicationBuilder builder) =>
        builder.Host.Properties.TryGetValue(RegistryKey, out var value) && value is MessagingRegistry { Configurator: not null } registry
            ? registry
            : throw new InvalidOperationException("Call AddServiceDefaults() before adding a service's consumers.");

    private sealed class MessagingRegistry
    {
        public IBusRegistrationConfigurator? Configurator { get; set; }

        /// <summary>
        /// Identifies this bus among replicas (and among hosts in one test process): machine name plus a random part,
        /// since pods restart under one name.
        /// </summary>
        public string InstanceId { get; } = $"{Environment.MachineName.ToLowerInvariant()}-{Guid.NewGuid().ToString("N")[..8]}";
    }
}
