using LlmOps.ServiceDefaults.Hosting;
using LlmOps.InferenceProxy.Infrastructure;
using LlmOps.ServiceDefaults.Auth;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LlmOps.InferenceProxy.Features.Keys;

/// <summary>
/// Before the gateway serves: loads every key from its own table into the directory (the gateway never waits for its
/// own snapshot) and every project's settings, and in embedded mode, on the very first start, creates the default project with one key and prints
/// that key once.
/// </summary>
public sealed partial class KeyBootstrap(IServiceProvider services, ProjectKeyDirectory directory, IOptions<InferenceProxyOptions> options,
    IOptions<AuthOptions> auth, ILogger<KeyBootstrap> logger) : BeforeStartTask
{
    public override async Task StartingAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InferenceProxyDbContext>();
        var registry = scope.ServiceProvider.GetRequiredService<KeyRegistry>();

        if (options.Value.CreateDefaultProjectKey && !await db.Projects.AnyAsync(cancellationToken))
        {
            var projectId = auth.Value.DefaultProjectId;
            await registry.CreateProjectAsync(new ProjectRecord
            {
                Id = projectId,
                Name = "Default project",
                CacheTtlSeconds = options.Value.Cache.DefaultProjectTtlSeconds,
            }, cancellationToken);
            var (record, key) = await registry.IssueAsync(projectId, "default", [], null, null, null, cancellationToken);
            Console.Out.WriteLine();
            Console.Out.WriteLine("==================================================================");
            Console.Out.WriteLine($" LlmOps project key for project '{projectId}' (shown once; only its hash is kept):");
            Console.Out.WriteLine(" " + key);
            Console.Out.WriteLine("==================================================================");
            Console.Out.WriteLine();
            Console.Out.Flush();
            LogCreated(logger, projectId, record.Id);
        }

        directory.Apply(await registry.SnapshotAsync(cancellationToken));
        await registry.LoadProjectSettingsAsync(cancellationToken);
    }


    [LoggerMessage(Level = LogLevel.Warning, Message = "Created project {ProjectId} and its first key {KeyId}")]
    private static partial void LogCreated(ILogger logger, string projectId, string keyId);
}
