using System.Text.RegularExpressions;
using LlmOps.Deployment.Tests.Rendering;

namespace LlmOps.Deployment.Tests;

public sealed partial class DockerfileTests
{
    /// <summary>Service folder → project name: every image the platform ships.</summary>
    public static readonly Dictionary<string, string> Images = new()
    {
        ["inference-proxy"] = "LlmOps.InferenceProxy", ["trace-collector"] = "LlmOps.TraceCollector",
        ["evaluator"] = "LlmOps.Evaluator", ["feedback-ingest"] = "LlmOps.FeedbackIngest",
        ["cost-accountant"] = "LlmOps.CostAccountant", ["alerting"] = "LlmOps.Alerting", ["llm-simulator"] = "LlmOps.LlmSimulator",
    };

    public static string DockerfileOf(string service) => Path.Combine(Repo.Root, "services", service, "Dockerfile");

    public static TheoryData<string> Services() => [.. Images.Keys];

    [Fact]
    public void Every_service_folder_with_a_project_has_a_Dockerfile_and_they_differ_only_by_the_service_name()
    {
        var folders = Directory.GetDirectories(Path.Combine(Repo.Root, "services"))
            .Where(d => File.Exists(Path.Combine(d, "Dockerfile"))).Select(Path.GetFileName).Order();
        Assert.Equal(Images.Keys.Order(), folders);

        var shapes = Images.Select(p => File.ReadAllText(DockerfileOf(p.Key)).Replace(p.Value, "<project>").Replace(p.Key, "<service>")).Distinct().ToList();
        Assert.Single(shapes);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void Dockerfile_copies_only_existing_paths_pins_its_images_and_runs_non_root_on_8080(string service)
    {
        var text = File.ReadAllText(DockerfileOf(service));
        foreach (var (sources, _) in Copies(text))
            foreach (var source in sources)
                Assert.True(File.Exists(Path.Combine(Repo.Root, source)) || Directory.Exists(Path.Combine(Repo.Root, source)), $"{service}: COPY {source} does not exist");

        var images = Regex.Matches(text, @"^ARG \w+_IMAGE=(?<image>\S+)$", RegexOptions.Multiline).Select(m => m.Groups["image"].Value).ToList();
        Assert.Equal(2, images.Count);
        Assert.All(images, image => Assert.Matches(@":\d+\.\d+\.\d+$", image));
        Assert.Contains("dotnet/aspnet:", images[1]);
        Assert.DoesNotContain(":latest", text);
        Assert.Contains("ENV ASPNETCORE_HTTP_PORTS=8080", text);
        Assert.Matches(@"(?m)^USER \$APP_UID$", text);
        Assert.Contains($"ENTRYPOINT [\"dotnet\", \"{Images[service]}.dll\"]", text);
        // The SDK image must satisfy global.json, or the build fails before it starts.
        var sdk = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Root, "global.json"))).RootElement.GetProperty("sdk").GetProperty("version").GetString();
        Assert.EndsWith(":" + sdk, images[0]);
    }

    [Fact]
    public void Dockerignore_keeps_build_outputs_out_but_not_what_the_Dockerfiles_copy()
    {
        var ignored = File.ReadAllLines(Path.Combine(Repo.Root, ".dockerignore")).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        Assert.Contains("**/bin/", ignored);
        Assert.Contains("**/obj/", ignored);
        foreach (var (sources, _) in Copies(File.ReadAllText(DockerfileOf("inference-proxy"))))
            foreach (var source in sources)
                Assert.DoesNotContain(ignored, i => source.StartsWith(i.TrimEnd('/'), StringComparison.Ordinal) && !i.StartsWith("**", StringComparison.Ordinal));
    }

    /// <summary>The build stage's COPY instructions (not COPY --from): sources relative to the context, and the target.</summary>
    public static List<(string[] Sources, string Target)> Copies(string dockerfile) =>
        CopyLine().Matches(dockerfile).Select(m => m.Groups["args"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(parts => (parts[..^1], parts[^1])).ToList();

    public static List<string> Runs(string dockerfile) =>
        Regex.Matches(dockerfile, @"^RUN (?<command>.+)$", RegexOptions.Multiline).Select(m => m.Groups["command"].Value.Trim()).ToList();

    [GeneratedRegex(@"^COPY (?!--from)(?<args>.+)$", RegexOptions.Multiline)]
    private static partial Regex CopyLine();
}
