using System.Runtime.CompilerServices;
using System.Text;

namespace LlmOps.InferenceProxy.Features.Providers;

/// <summary>Reads server-sent events from a stream as they arrive: one (event name, data) pair per event.</summary>
public static class SseReader
{
    public static async IAsyncEnumerable<(string? Event, string Data)> ReadAsync(Stream stream,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 16 * 1024);
        string? name = null;
        var data = new StringBuilder();
        var hasData = false;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (hasData)
                    yield return (name, data.ToString());
                name = null;
                data.Clear();
                hasData = false;
                continue;
            }
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                if (hasData)
                    data.Append('\n');
                data.Append(line.AsSpan(line.Length > 5 && line[5] == ' ' ? 6 : 5));
                hasData = true;
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                name = line[(line.Length > 6 && line[6] == ' ' ? 7 : 6)..];
            }
            // Comments (":") and other fields carry nothing a gateway needs.
        }
        if (hasData)
            yield return (name, data.ToString());
    }
}
