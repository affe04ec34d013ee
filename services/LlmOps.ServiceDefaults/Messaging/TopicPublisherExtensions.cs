using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LlmOps.ServiceDefaults.Messaging;

public static class TopicPublisherExtensions
{
    /// <summary>
    /// Registers <see cref="ITopicPublisher"/> for the CloudEvent topics (docs/topics.md), on the same transport as the
    /// bus (<c>Messaging:Transport</c>): <see cref="RabbitMqTopicPublisher"/> on the <c>Messaging:RabbitMq</c> broker,
    /// or <see cref="InMemoryTopicPublisher"/> in embedded mode (resolve it to read what was published). Called by
    /// <see cref="MessagingExtensions.AddLlmOpsMessaging"/>; calling it again changes nothing.
    /// </summary>
    public static WebApplicationBuilder AddTopicPublisher(this WebApplicationBuilder builder)
    {
        // On its own (a host without the service defaults) it binds the messaging options itself; never twice, since a
        // second binding would append to the array settings.
        if (!builder.Services.Any(d => d.ServiceType == typeof(IConfigureOptions<MessagingOptions>)))
        {
            builder.Services.AddOptions<MessagingOptions>()
                .BindConfiguration(MessagingOptions.Section)
                .ValidateDataAnnotations()
                .ValidateOnStart();
        }
        var options = builder.Configuration.GetSection(MessagingOptions.Section).Get<MessagingOptions>() ?? new MessagingOptions();
        if (options.Transport == MessagingOptions.Transports.RabbitMq)
        {
            builder.Services.TryAddSingleton<RabbitMqTopicPublisher>();
            builder.Services.TryAddSingleton<ITopicPublisher>(sp => sp.GetRequiredService<RabbitMqTopicPublisher>());
        }
        else
        {
            builder.Services.TryAddSingleton(_ => new InMemoryTopicPublisher());
            builder.Services.TryAddSingleton<ITopicPublisher>(sp => sp.GetRequiredService<InMemoryTopicPublisher>());
        }
        return builder;
    }
}
