using System.Text.RegularExpressions;

namespace LlmOps.Deployment.Tests;

/// <summary>One COPY of a stage: from the build context (<see cref="From"/> null) or from an earlier stage.</summary>
public sealed record DockerCopy(string? From, string[] Sources, string Target);

/// <summary>
/// One stage of a Dockerfile, as far as the replay in <see cref="PublishTests"/> needs it: its name, its last WORKDIR,
/// and its COPY and RUN instructions in order (the subset our Dockerfiles use: one-line instructions, no globs).
/// </summary>
public sealed partial record DockerStage(string Name, string WorkDir, List<DockerCopy> Copies, List<string> Runs)
{
    public static List<DockerStage> Parse(string dockerfile)
    {
        var stages = new List<DockerStage>();
        foreach (var line in dockerfile.Split('\n').Select(l => l.TrimEnd('\r')))
        {
            if (FromLine().Match(line) is { Success: true } from)
            {
                stages.Add(new DockerStage(from.Groups["name"].Value, "/", [], []));
                continue;
            }
            if (stages.Count == 0)
                continue;
            var stage = stages[^1];
            if (line.StartsWith("WORKDIR ", StringComparison.Ordinal))
                stages[^1] = stage with { WorkDir = line["WORKDIR ".Length..].Trim() };
            else if (line.StartsWith("COPY ", StringComparison.Ordinal))
            {
                var parts = line["COPY ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
                string? source = null;
                if (parts[0].StartsWith("--from=", StringComparison.Ordinal))
                {
                    source = parts[0]["--from=".Length..];
                    parts.RemoveAt(0);
                }
                stage.Copies.Add(new DockerCopy(source, [.. parts[..^1]], parts[^1]));
            }
            else if (line.StartsWith("RUN ", StringComparison.Ordinal))
                stage.Runs.Add(line["RUN ".Length..].Trim());
        }
        return stages;
    }

    /// <summary>A path inside this stage's filesystem: absolute as written, relative ones under its WORKDIR.</summary>
    public string Resolve(string path) => path.StartsWith('/') ? path : WorkDir.TrimEnd('/') + "/" + path;

    [GeneratedRegex(@"^FROM \S+ AS (?<name>\S+)$")]
    private static partial Regex FromLine();
}
