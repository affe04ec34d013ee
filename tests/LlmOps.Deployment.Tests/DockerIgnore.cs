using LlmOps.Deployment.Tests.Rendering;

namespace LlmOps.Deployment.Tests;

/// <summary>
/// The repository's .dockerignore, for replaying COPY without Docker: the forms it uses are "**/dir/" (a directory
/// of that name anywhere), "**/*.ext" (files with that ending anywhere) and "path/" (one directory from the root).
/// </summary>
public static class DockerIgnore
{
    private static readonly Lazy<string[]> Patterns = new(() =>
        File.ReadAllLines(Path.Combine(Repo.Root, ".dockerignore")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray());

    /// <summary>Whether a file, by its path relative to the build context ("/"-separated), stays out of the context.</summary>
    public static bool Excludes(string contextPath)
    {
        var segments = contextPath.Split('/');
        foreach (var pattern in Patterns.Value)
        {
            if (pattern.StartsWith("**/*", StringComparison.Ordinal))
            {
                if (contextPath.EndsWith(pattern["**/*".Length..], StringComparison.Ordinal))
                    return true;
            }
            else if (pattern.StartsWith("**/", StringComparison.Ordinal))
            {
                if (segments[..^1].Contains(pattern["**/".Length..].TrimEnd('/')))
                    return true;
            }
            else if (contextPath.StartsWith(pattern.EndsWith('/') ? pattern : pattern + "/", StringComparison.Ordinal))
                return true;
        }
        return false;
    }
}
