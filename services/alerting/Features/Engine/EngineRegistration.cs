using LlmOps.Alerting.Features.Receivers;
using LlmOps.Alerting.Features.Routing;
using LlmOps.Alerting.Features.Rules;
using LlmOps.Alerting.Infrastructure;
using LlmOps.ServiceDefaults.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LlmOps.Alerting.Features.Engine;

public static class EngineRegistration
{
    /// <summary>The engine, its storage and its settings: the rules file and the routing tree are checked at start-up.</summary>
    public static WebApplicationBuilder AddAlertEngine(this WebApplicationBuilder builder)
    {
        builder.AddServiceDbContext<AlertingDbContext>(AlertingExtensions.ServiceName);
        builder.Services.AddOptions<EngineOptions>().BindConfiguration(EngineOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EngineOptions>, RulesFileValidator>());
        builder.Services.AddOptions<RoutingOptions>().BindConfiguration(RoutingOptions.Section).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RoutingOptions>, RoutingValidator>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AlertStore>();
        builder.Services.AddSingleton<AlertEventPublisher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AlertEventPublisher>());
        builder.Services.AddSingleton(sp => new AlertingMetrics(sp.GetService<AlertEngine>, sp.GetService<AlertEventPublisher>));
        builder.Services.AddSingleton<AlertEngine>();
        builder.Services.AddHostedService<AlertEngineService>();
        return builder;
    }

    private sealed class RulesFileValidator : IValidateOptions<EngineOptions>
    {
        public ValidateOptionsResult Validate(string? name, EngineOptions options)
        {
            if (string.IsNullOrWhiteSpace(options.RulesFile))
                return ValidateOptionsResult.Success; // API rules only
            if (!File.Exists(options.RulesFilePath))
                return ValidateOptionsResult.Fail($"Alerting:Engine:RulesFile: {options.RulesFilePath} does not exist (set it empty for API rules only).");
            try
            {
                RuleFileParser.Load(options.RulesFilePath);
                return ValidateOptionsResult.Success;
            }
            catch (RuleFileException e)
            {
                return ValidateOptionsResult.Fail(e.Errors);
            }
        }
    }

    private sealed class RoutingValidator(IOptions<ReceiversOptions> receivers) : IValidateOptions<RoutingOptions>
    {
        public ValidateOptionsResult Validate(string? name, RoutingOptions options) =>
            RouteTree.Validate(options, receivers.Value.Receivers.Keys) is { Count: > 0 } errors ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}
