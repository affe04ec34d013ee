using LlmOps.Testing;

namespace LlmOps.SystemTests;

/// <summary>The six services as processes, started once for every test of the <see cref="ProcessesCollection"/>.</summary>
public sealed class ProcessesFixture : IAsyncLifetime
{
    public ServiceProcesses Platform { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Platform = await ServiceProcesses.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (Platform is not null)
            await Platform.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ProcessesCollection : ICollectionFixture<ProcessesFixture>
{
    public const string Name = "service-processes";
}
