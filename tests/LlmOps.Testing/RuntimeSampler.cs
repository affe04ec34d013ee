using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace LlmOps.Testing;

/// <summary>
/// For benchmarks: which types a process allocates most, from the runtime's own <c>GCAllocationTick</c> events (one per
/// ~100 KB allocated, naming the type that crossed the mark), and which methods it is still compiling (JIT events), so a
/// benchmark can say where its bytes go and whether it measured warm code without a profiler. Enabled by the benchmark
/// when asked (it costs a little); <see cref="Top"/> gives each type's share of samples, <see cref="Compiled"/> the methods.
/// </summary>
public sealed class RuntimeSampler : EventListener
{
    private const int GcKeyword = 0x1;
    private const int JitKeyword = 0x10;
    private readonly ConcurrentDictionary<string, long> samples = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> compiled = new(StringComparer.Ordinal);
    private long total;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)(GcKeyword | JitKeyword));
    }

    protected override void OnEventWritten(EventWrittenEventArgs data)
    {
        if (data.EventName is { } loaded && loaded.StartsWith("MethodLoadVerbose", StringComparison.Ordinal) && data.PayloadNames is { } names)
        {
            var method = $"{data.Payload?[names.IndexOf("MethodNamespace")]}::{data.Payload?[names.IndexOf("MethodName")]}";
            compiled.AddOrUpdate(method, 1, (_, n) => n + 1);
            return;
        }
        if (data.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || data.PayloadNames is null)
            return;
        var index = data.PayloadNames.IndexOf("TypeName");
        var type = index >= 0 ? data.Payload?[index] as string ?? "?" : "?";
        var kind = data.PayloadNames.IndexOf("AllocationKind");
        if (kind >= 0 && data.Payload?[kind] is uint and 1)
            type += " (large object heap)";
        samples.AddOrUpdate(type, 1, (_, n) => n + 1);
        Interlocked.Increment(ref total);
    }

    /// <summary>Clears what was counted so far (after a warm-up).</summary>
    public void Reset()
    {
        samples.Clear();
        compiled.Clear();
        Interlocked.Exchange(ref total, 0);
    }

    /// <summary>Methods compiled (or recompiled at a higher tier) since the last reset, most often first.</summary>
    public IEnumerable<(string Method, long Count)> Compiled(int count) =>
        compiled.OrderByDescending(p => p.Value).Take(count).Select(p => (p.Key, p.Value));

    public long CompiledTotal => compiled.Values.Sum();

    public IEnumerable<(string Type, double Share)> Top(int count)
    {
        var all = Math.Max(1, Interlocked.Read(ref total));
        return samples.OrderByDescending(p => p.Value).Take(count).Select(p => (p.Key, p.Value / (double)all));
    }
}
