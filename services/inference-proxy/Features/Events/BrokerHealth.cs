using MassTransit;

namespace LlmOps.InferenceProxy.Features.Events;

/// <summary>
/// Whether the bus itself says the broker is unreachable: its connection is down, so every receive endpoint is faulted
/// (Unhealthy). Degraded — one endpoint faulted — is not enough. The gateway's background work asks before waiting for
/// an answer the broker cannot give: the event publisher spools at once, and a first budget lease is not waited for.
/// </summary>
public sealed class BrokerHealth(IBusControl bus)
{
    public bool KnownDown => bus.CheckHealth().Status == BusHealthStatus.Unhealthy;
}
