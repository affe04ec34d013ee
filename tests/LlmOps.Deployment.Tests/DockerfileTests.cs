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
        ["dashboard"] = "LlmOps.Dashboard",
    };

    public static string DockerfileOf(string service) => Path.Combine(Repo.Root, "services", service, "Dockerfile");

    public static TheoryData<string> Services() => [.. Images.Keys];

    [Fact]
    public void Every_service_folder_with_a_project_has_a_Dockerfile_and_they_differ_only_by_the_service_name_and_the_dashboards_node_stage()
    {
        var folders = Directory.GetDirectories(Path.Combine(Repo.Root, "services"))
            .Where(d => File.Exists(Path.Combine(d, "Dockerfile"))).Select(Path.GetFileName).Order();
        Assert.Equal(Images.Keys.Order(), folders);

        var shapes = Images.Keys.Select(s => Shape(s, File.ReadAllText(DockerfileOf(s)))).Distinct().ToList();
        Assert.Single(shapes);
    }

    [Fact]
    public void A_dashboard_Dockerfile_that_drifts_beyond_its_node_stage_and_publish_flag_fails_the_shape_check()
    {
        var dashboard = File.ReadAllText(DockerfileOf("dashboard"));
        var common = Shape("inference-proxy", File.ReadAllText(DockerfileOf("inference-proxy")));
        Assert.Equal(common, Shape("dashboard", dashboard));

        // Drift outside the allowed parts survives the stripping and differs from the common shape.
        Assert.NotEqual(common, Shape("dashboard", dashboard.Replace("USER $APP_UID", "USER root")));
        Assert.NotEqual(common, Shape("dashboard", dashboard.Replace("--no-restore -p:DashboardNpm=false", "-p:DashboardNpm=false")));
        // The allowed parts must each be there exactly as stated: without them the SDK stage would need node.
        Assert.Throws<InvalidOperationException>(() => Shape("dashboard", dashboard.Replace(" -p:DashboardNpm=false", "")));
        Assert.Throws<InvalidOperationException>(() => Shape("dashboard", dashboard.Replace("RUN npm ci --no-audit", "RUN npm install --no-audit")));
        Assert.Throws<InvalidOperationException>(() => Shape("dashboard", dashboard.Replace("COPY --from=web /web/node_modules/", "COPY --from=web /web/")));
        Assert.Throws<InvalidOperationException>(() => Shape("dashboard", dashboard.Replace("node:20.", "node:lts-").Replace("-bookworm-slim", "")));
        // And no other service may carry them.
        Assert.NotEqual(common, Shape("evaluator", dashboard.Replace("dashboard", "evaluator").Replace("LlmOps.Dashboard", "LlmOps.Evaluator")));
    }

    /// <summary>
    /// A Dockerfile with its service folder and project replaced by placeholders. The dashboard's one allowed difference
    /// is removed first, and must be there exactly: the NODE_IMAGE argument (a pinned node:x.y.z-bookworm-slim), the
    /// "web" stage that runs npm ci on the lock file alone (any comments above it), the COPY of its node_modules into
    /// the build stage, and -p:DashboardNpm=false at the end of the publish.
    /// </summary>
    public static string Shape(string service, string dockerfile)
    {
        if (service == "dashboard")
        {
            dockerfile = RemoveOnce(dockerfile, DashboardNodeArgument(), "the NODE_IMAGE argument");
            dockerfile = RemoveOnce(dockerfile, DashboardNodeStage(), "the web stage");
            dockerfile = RemoveOnce(dockerfile, DashboardNodeModulesCopy(), "the COPY --from=web of node_modules");
            dockerfile = RemoveOnce(dockerfile, DashboardPublishFlag(), "-p:DashboardNpm=false on the publish");
        }
        return dockerfile.Replace(Images[service], "<project>").Replace(service, "<service>");
    }

    private static string RemoveOnce(string text, Regex part, string what)
    {
        var matches = part.Matches(text);
        if (matches.Count != 1)
            throw new InvalidOperationException($"dashboard Dockerfile: {what} found {matches.Count} times, expected once exactly as DockerfileTests states it");
        return part.Replace(text, "", 1);
    }

    [GeneratedRegex(@"^ARG NODE_IMAGE=node:\d+\.\d+\.\d+-bookworm-slim\n", RegexOptions.Multiline)]
    private static partial Regex DashboardNodeArgument();

    [GeneratedRegex(@"^\n(?:#[^\n]*\n)*FROM \$\{NODE_IMAGE\} AS web\nWORKDIR /web\nCOPY services/dashboard/web/package\.json services/dashboard/web/package-lock\.json \./\nRUN npm ci --no-audit --no-fund --loglevel=error\n", RegexOptions.Multiline)]
    private static partial Regex DashboardNodeStage();

    [GeneratedRegex(@"^COPY --from=web /web/node_modules/ services/dashboard/web/node_modules/\n", RegexOptions.Multiline)]
    private static partial Regex DashboardNodeModulesCopy();

    [GeneratedRegex(@"(?<=^RUN dotnet publish [^\n]*) -p:DashboardNpm=false$", RegexOptions.Multiline)]
    private static partial Regex DashboardPublishFlag();

    [Theory]
    [MemberData(nameof(Services))]
    public void Dockerfile_copies_only_existing_paths_pins_its_images_and_runs_non_root_on_8080(string service)
    {
        var text = File.ReadAllText(DockerfileOf(service));
        foreach (var (sources, _) in Copies(text))
            foreach (var source in sources)
                Assert.True(File.Exists(Path.Combine(Repo.Root, source)) || Directory.Exists(Path.Combine(Repo.Root, source)), $"{service}: COPY {source} does not exist");

        var arguments = Regex.Matches(text, @"^ARG (?<name>\w+_IMAGE)=(?<image>\S+)$", RegexOptions.Multiline).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["image"].Value);
        Assert.Equal(service == "dashboard" ? ["SDK_IMAGE", "RUNTIME_IMAGE", "NODE_IMAGE"] : ["SDK_IMAGE", "RUNTIME_IMAGE"], arguments.Keys);
        var images = arguments.Values.ToList();
        Assert.All(images, image => Assert.Matches(@":\d+\.\d+\.\d+(-[a-z]+)*$", image));
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
        // A developer's node_modules and vendor copies never reach the dashboard image: the web stage makes them.
        Assert.Contains("**/node_modules/", ignored);
        Assert.Contains("services/dashboard/wwwroot/vendor/", ignored);
        foreach (var service in Images.Keys)
            foreach (var (sources, _) in Copies(File.ReadAllText(DockerfileOf(service))))
                foreach (var source in sources)
                    Assert.DoesNotContain(ignored, i => source.StartsWith(i.TrimEnd('/'), StringComparison.Ordinal) && !i.StartsWith("**", StringComparison.Ordinal));
    }

    /// <summary>Every COPY from the build context (not COPY --from), in any stage: sources relative to the context, and the target.</summary>
    public static List<(string[] Sources, string Target)> Copies(string dockerfile) =>
        CopyLine().Matches(dockerfile).Select(m => m.Groups["args"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(parts => (parts[..^1], parts[^1])).ToList();

    public static List<string> Runs(string dockerfile) =>
        Regex.Matches(dockerfile, @"^RUN (?<command>.+)$", RegexOptions.Multiline).Select(m => m.Groups["command"].Value.Trim()).ToList();

    [GeneratedRegex(@"^COPY (?!--from)(?<args>.+)$", RegexOptions.Multiline)]
    private static partial Regex CopyLine();
}
