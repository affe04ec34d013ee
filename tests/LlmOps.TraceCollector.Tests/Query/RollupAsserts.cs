using System.Text.Json.Nodes;

namespace LlmOps.TraceCollector.Tests.Query;

/// <summary>What the rollup tests check a stats bucket against: buckets by floor, percentiles by nearest rank.</summary>
internal static class RollupAsserts
{
    public static DateTime Floor(DateTime time, TimeSpan size) =>
        DateTime.SpecifyKind(new DateTime(time.Ticks - time.Ticks % size.Ticks), DateTimeKind.Utc);

    /// <summary>
    /// The bucket's percentiles against the exact ones of <paramref name="sorted"/> (nearest rank), within the histogram's
    /// 2.2 % resolution (or half a millisecond); null where there are no values.
    /// </summary>
    public static void Percentiles(double[] sorted, JsonNode bucket, string what, params (int P, string Name)[] percentiles)
    {
        foreach (var (p, name) in percentiles)
        {
            if (sorted.Length == 0)
            {
                Assert.Null(bucket[name]);
                continue;
            }
            var exact = sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Length), 1, sorted.Length) - 1];
            var reported = bucket[name]!.GetValue<double>();
            Assert.True(Math.Abs(reported - exact) <= Math.Max(exact * 0.022, 0.5), $"{what} p{p} {reported} is not within 2.2 % of {exact}");
        }
    }
}
