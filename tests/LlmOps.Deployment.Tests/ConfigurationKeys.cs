using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;

namespace LlmOps.Deployment.Tests;

/// <summary>
/// The configuration keys each service actually reads, as environment variable names (Section__Key): every options
/// class with a <c>Section</c> constant, walked by reflection (nested objects, lists as __N, dictionaries as __name),
/// plus the keys the source reads directly (<c>GetValue("A:B")</c>, <c>Configuration["X"]</c>).
/// </summary>
public sealed partial class ConfigurationKeys
{
    private static readonly Dictionary<string, Assembly[]> ServiceAssemblies = new()
    {
        ["inference-proxy"] = [typeof(InferenceProxy.InferenceProxyExtensions).Assembly, ServiceDefaults],
        ["trace-collector"] = [typeof(TraceCollector.TraceCollectorExtensions).Assembly, ServiceDefaults],
        ["evaluator"] = [typeof(Evaluator.EvaluatorExtensions).Assembly, ServiceDefaults],
        ["feedback-ingest"] = [typeof(FeedbackIngest.FeedbackIngestExtensions).Assembly, ServiceDefaults],
        ["cost-accountant"] = [typeof(CostAccountant.CostAccountantExtensions).Assembly, ServiceDefaults],
        ["alerting"] = [typeof(Alerting.AlertingExtensions).Assembly, ServiceDefaults],
        ["llm-simulator"] = [typeof(LlmSimulator.SimulatorOptions).Assembly],
        ["dashboard"] = [typeof(Dashboard.DashboardOptions).Assembly, ServiceDefaults],
    };

    private static Assembly ServiceDefaults => typeof(ServiceDefaults.Storage.StorageOptions).Assembly;

    private static readonly Dictionary<string, string> SourceFolders = new()
    {
        ["LlmOps.InferenceProxy"] = "inference-proxy", ["LlmOps.TraceCollector"] = "trace-collector",
        ["LlmOps.Evaluator"] = "evaluator", ["LlmOps.FeedbackIngest"] = "feedback-ingest",
        ["LlmOps.CostAccountant"] = "cost-accountant", ["LlmOps.Alerting"] = "alerting",
        ["LlmOps.LlmSimulator"] = "llm-simulator", ["LlmOps.Dashboard"] = "dashboard", ["LlmOps.ServiceDefaults"] = "LlmOps.ServiceDefaults",
    };

    private readonly List<Regex> _patterns;

    private ConfigurationKeys(List<Regex> patterns) => _patterns = patterns;

    public static IReadOnlyCollection<string> Services => ServiceAssemblies.Keys;

    public static ConfigurationKeys For(string service)
    {
        var patterns = new List<string>();
        foreach (var assembly in ServiceAssemblies[service])
        {
            foreach (var type in assembly.GetTypes())
            {
                if (type.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field
                    && field.GetRawConstantValue() is string section)
                    Walk(type, Regex.Escape(section.Replace(":", "__")), patterns, 0);
            }
            foreach (var key in SourceKeys(SourceFolders[assembly.GetName().Name!]))
                patterns.Add(Regex.Escape(key.Replace(":", "__")));
        }
        if (ServiceAssemblies[service].Contains(ServiceDefaults))
        {
            // Storage reads ConnectionStrings:<service-name> before Storage:ConnectionString; Serilog reads its own section.
            patterns.Add(Regex.Escape("ConnectionStrings__" + service));
            patterns.Add("Serilog__MinimumLevel__Default");
            patterns.Add("Serilog__MinimumLevel__Override__[A-Za-z0-9.]+");
        }
        // The host's own settings.
        patterns.Add("ASPNETCORE_[A-Z_]+");
        patterns.Add("DOTNET_[A-Za-z_]+");
        return new ConfigurationKeys(patterns.Select(p => new Regex("^" + p + "$", RegexOptions.CultureInvariant)).ToList());
    }

    public bool Reads(string environmentVariable) => _patterns.Any(p => p.IsMatch(environmentVariable));

    private static readonly Type[] Leaves = [typeof(string), typeof(decimal), typeof(TimeSpan), typeof(DateTimeOffset), typeof(DateTime), typeof(Uri), typeof(Guid)];

    private static bool IsLeaf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || Leaves.Contains(type);
    }

    private static void Walk(Type type, string prefix, List<string> patterns, int depth)
    {
        if (depth > 6) return;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0) continue;
            // The binder sets writable properties, and fills read-only collections and objects in place.
            if (!property.CanWrite && IsLeaf(property.PropertyType)) continue;
            Member(property.PropertyType, $"{prefix}__{property.Name}", patterns, depth);
        }
    }

    private static void Member(Type type, string pattern, List<string> patterns, int depth)
    {
        if (IsLeaf(type))
        {
            patterns.Add(pattern);
            return;
        }
        var dictionary = type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        if (dictionary is not null)
        {
            Member(dictionary.GetGenericArguments()[1], pattern + "__[A-Za-z0-9-]+", patterns, depth + 1);
            return;
        }
        if (type.IsArray || (type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type)))
        {
            var element = type.IsArray ? type.GetElementType()! : type.GetGenericArguments().FirstOrDefault() ?? typeof(object);
            Member(element, pattern + "__[0-9]+", patterns, depth + 1);
            return;
        }
        if (type.IsClass || (type.IsValueType && !type.IsPrimitive))
            Walk(type, pattern, patterns, depth + 1);
    }

    /// <summary>Keys a service's source reads without an options class.</summary>
    private static IEnumerable<string> SourceKeys(string folder)
    {
        var directory = Path.Combine(Rendering.Repo.Root, "services", folder);
        foreach (var file in Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") || file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
                continue;
            var text = File.ReadAllText(file);
            foreach (Match match in DirectRead().Matches(text))
                yield return match.Groups["key"].Value;
        }
    }

    [GeneratedRegex("""(?:GetValue(?:<[^>]+>)?\(\s*|[Cc]onfiguration\[\s*)"(?<key>[A-Za-z_]+(?::[A-Za-z_]+)*)"\s*[,\)\]]""")]
    private static partial Regex DirectRead();
}
