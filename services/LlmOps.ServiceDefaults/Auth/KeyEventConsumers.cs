using LlmOps.Contracts.Access;
using MassTransit;

namespace LlmOps.ServiceDefaults.Auth;

/// <summary>
/// Keeps this process's key directory current. Registered on a temporary queue per process instance (see
/// KeyDirectoryExtensions): every replica must hear every key event, not compete for them.
/// </summary>
public sealed class ApiKeyIssuedConsumer(ProjectKeyDirectory directory) : IConsumer<ApiKeyIssued>
{
    public Task Consume(ConsumeContext<ApiKeyIssued> context)
    {
        directory.Apply(context.Message);
        return Task.CompletedTask;
    }
}

public sealed class ApiKeyRevokedConsumer(ProjectKeyDirectory directory) : IConsumer<ApiKeyRevoked>
{
    public Task Consume(ConsumeContext<ApiKeyRevoked> context)
    {
        directory.Apply(context.Message);
        return Task.CompletedTask;
    }
}
