namespace LlmOps.Deployment.Tests.Rendering;

/// <summary>What `helm template` would give for the chart: every manifest as a parsed document, and NOTES.txt.</summary>
public sealed record RenderedChart(IReadOnlyList<Dictionary<string, object?>> Manifests, string Notes)
{
    public IEnumerable<Dictionary<string, object?>> OfKind(string kind) =>
        Manifests.Where(m => (string?)m.GetValueOrDefault("kind") == kind);

    public Dictionary<string, object?> Single(string kind, string name) =>
        OfKind(kind).Single(m => Yaml.Str(m, "metadata.name") == name);
}

public static class ChartRenderer
{
    public static string ChartDirectory => Path.Combine(Repo.Root, "charts", "llmops");

    /// <summary>Renders with values.yaml, then each extra values file (relative to the chart) or map merged over it.</summary>
    public static RenderedChart Render(string releaseName = "llmops", params object[] overrides)
    {
        var values = YamlValues.LoadMap(File.ReadAllText(Path.Combine(ChartDirectory, "values.yaml")));
        foreach (var extra in overrides)
        {
            var map = extra switch
            {
                string file => YamlValues.LoadMap(File.ReadAllText(Path.Combine(ChartDirectory, file))),
                Dictionary<string, object?> m => m,
                _ => throw new ArgumentException("values file name or map", nameof(overrides)),
            };
            values = YamlValues.Merge(values, map);
        }
        var chart = YamlValues.LoadMap(File.ReadAllText(Path.Combine(ChartDirectory, "Chart.yaml")));
        var root = new Dictionary<string, object?>
        {
            ["Values"] = values,
            ["Chart"] = new Dictionary<string, object?>
            {
                ["Name"] = chart["name"], ["Version"] = chart["version"], ["AppVersion"] = chart["appVersion"],
            },
            ["Release"] = new Dictionary<string, object?>
            {
                ["Name"] = releaseName, ["Namespace"] = "llmops-test", ["Service"] = "Helm", ["IsInstall"] = true, ["IsUpgrade"] = false,
            },
            ["Files"] = new Dictionary<string, object?>
            {
                ["Get"] = new TemplateEvaluator.Method(args => File.ReadAllText(Path.Combine(ChartDirectory, (string)args.Single()!))),
            },
        };

        var templates = Directory.GetFiles(Path.Combine(ChartDirectory, "templates")).Order(StringComparer.Ordinal)
            .ToDictionary(f => Path.GetFileName(f)!, f => GoTemplate.Parse(File.ReadAllText(f), Path.GetFileName(f)!));
        var defines = templates.Values.SelectMany(t => t.Defines).ToDictionary(p => p.Key, p => p.Value);
        var evaluator = new TemplateEvaluator(defines);

        var manifests = new List<Dictionary<string, object?>>();
        var notes = "";
        foreach (var (file, template) in templates)
        {
            string text;
            try
            {
                text = evaluator.Execute(template.Body, root);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"rendering {file}: {ex.Message}", ex);
            }
            if (file == "NOTES.txt") { notes = text; continue; }
            if (file.StartsWith('_')) continue;
            try
            {
                manifests.AddRange(YamlValues.LoadAll(text).Cast<Dictionary<string, object?>>());
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException($"{file} does not render to valid YAML: {ex.Message}\n{text}", ex);
            }
        }
        return new RenderedChart(manifests, notes);
    }
}

/// <summary>Small path helpers over the parsed documents.</summary>
public static class Yaml
{
    public static object? Get(object? node, string path)
    {
        foreach (var part in path.Split('.'))
            node = node is Dictionary<string, object?> map ? map.GetValueOrDefault(part) : null;
        return node;
    }

    public static string? Str(object? node, string path) => Get(node, path) switch
    {
        null => null,
        var v => TemplateEvaluator.Print(v),
    };

    /// <summary>A key that contains dots (data."rules.yaml", annotations."helm.sh/hook") of the map at a path.</summary>
    public static string? Key(object? node, string mapPath, string key) =>
        Map(node, mapPath).GetValueOrDefault(key) is { } v ? TemplateEvaluator.Print(v) : null;

    public static List<object?> List(object? node, string path) => Get(node, path) as List<object?> ?? [];

    public static Dictionary<string, object?> Map(object? node, string path) => Get(node, path) as Dictionary<string, object?> ?? [];
}

public static class Repo
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "LlmOpsPlatform.sln")))
                return dir.FullName;
        throw new InvalidOperationException("repository root not found");
    }
}
