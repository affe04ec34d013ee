using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LlmOps.ServiceDefaults.Auth;

/// <summary>
/// Prints a freshly generated admin key once, as plain text on stdout where the person who started the platform
/// sees it; afterwards only its location is logged.
/// </summary>
public sealed partial class AdminKeyAnnouncer(AdminKeyProvider adminKey, ILogger<AdminKeyAnnouncer> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (adminKey.GeneratedKey is { } key)
        {
            Console.Out.WriteLine();
            Console.Out.WriteLine("==================================================================");
            Console.Out.WriteLine(" LlmOps admin key (shown once; kept in " + adminKey.KeyFilePath + "):");
            Console.Out.WriteLine(" " + key);
            Console.Out.WriteLine("==================================================================");
            Console.Out.WriteLine();
            Console.Out.Flush();
            adminKey.ForgetGeneratedKey();
            LogGenerated(logger, adminKey.KeyFilePath!);
        }
        else
        {
            LogLoaded(logger, adminKey.Source);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Generated a new admin key and stored it in {Path}")]
    private static partial void LogGenerated(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Admin key loaded from {Source}")]
    private static partial void LogLoaded(ILogger logger, string source);
}
