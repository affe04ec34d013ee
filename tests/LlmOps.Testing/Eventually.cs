using System.Diagnostics;

namespace LlmOps.Testing;

/// <summary>Polls until a condition holds, for effects that travel through a bus.</summary>
public static class Eventually
{
    public static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what) where T : class
    {
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        while (clock.Elapsed < timeout)
        {
            try
            {
                if (await probe() is { } value)
                    return value;
            }
            catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException)
            {
                last = ex;
            }
            await Task.Delay(25);
        }
        throw new TimeoutException($"Waited {timeout.TotalSeconds:0.#} s for {what}.", last);
    }

    public static async Task TrueAsync(Func<Task<bool>> probe, TimeSpan timeout, string what)
    {
        await UntilAsync<object>(async () => await probe() ? new object() : null, timeout, what);
    }
}
