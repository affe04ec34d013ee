using MassTransit;

namespace LlmOps.ServiceDefaults.Messaging;

public static class QueueNames
{
    /// <summary>
    /// <c>&lt;service&gt;-&lt;consumer in kebab case, without "Consumer"&gt;</c>, e.g.
    /// <c>trace-collector-inference-completed</c>. Failed messages land in the same name plus <c>_error</c>.
    /// </summary>
    public static string For<TConsumer>(string serviceName) where TConsumer : class, IConsumer =>
        new KebabCaseEndpointNameFormatter(serviceName + "-", false).Consumer<TConsumer>();
}
