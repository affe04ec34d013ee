namespace LlmOps.Samples.AlertSubscriber;

public static class Extensions
{
    public static WebApplicationBuilder AddAlertSubscriber(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<SubscriberOptions>()
            .Bind(builder.Configuration.GetSection(SubscriberOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.Mode != SubscriberOptions.Modes.RabbitMq || Uri.TryCreate(o.RabbitMqConnectionString, UriKind.Absolute, out _),
                "AlertSubscriber:RabbitMqConnectionString (amqp://user:password@host:5672/vhost) is required in RabbitMq mode.")
            .ValidateOnStart();

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IEventHandler, LoggingEventHandler>();
        builder.Services.AddSingleton<EventInbox>();

        // Always registered; it does nothing unless Mode is RabbitMq (and then also decides readiness).
        builder.Services.AddSingleton<RabbitMqSubscriber>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RabbitMqSubscriber>());
        builder.Services.AddHealthChecks().AddCheck<RabbitMqSubscriber>("rabbitmq");
        return builder;
    }
}
