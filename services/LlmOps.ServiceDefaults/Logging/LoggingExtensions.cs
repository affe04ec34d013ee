using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Formatting.Json;

namespace LlmOps.ServiceDefaults.Logging;

public static class LoggingExtensions
{
    /// <summary>
    /// Serilog JSON lines on stdout. Levels come from the <c>Serilog</c> configuration section
    /// (<c>Serilog:MinimumLevel:Default</c>, <c>Serilog:MinimumLevel:Override:&lt;category&gt;</c>), so an operator
    /// changes them with environment variables such as <c>Serilog__MinimumLevel__Default=Debug</c>.
    /// </summary>
    public static WebApplicationBuilder AddLlmOpsLogging(this WebApplicationBuilder builder, string hostName)
    {
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft.AspNetCore", Serilog.Events.LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.EntityFrameworkCore", Serilog.Events.LogEventLevel.Warning)
            .MinimumLevel.Override("System.Net.Http.HttpClient", Serilog.Events.LogEventLevel.Warning)
            .ReadFrom.Configuration(builder.Configuration)
            .Enrich.FromLogContext()
            .Enrich.WithProperty("service", hostName)
            .WriteTo.Console(new JsonFormatter(renderMessage: true));

        var logger = configuration.CreateLogger();

        builder.Logging.ClearProviders();
        // Serilog decides what is written; Microsoft.Extensions.Logging must pass everything through to it.
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddSerilog(logger, dispose: true);
        return builder;
    }

    public static IApplicationBuilder UseLlmOpsRequestLogging(this IApplicationBuilder app) =>
        app.UseMiddleware<RequestLoggingMiddleware>();
}
