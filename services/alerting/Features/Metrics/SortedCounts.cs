namespace LlmOps.Alerting.Features.Metrics;

/// <summary>
/// A small map from key to count kept sorted by key in one array: what a histogram or a score tally holds per cell.
/// The common case (keys that fit in an int, counts under 2³²) packs an entry into one long, 8 bytes where a
/// Dictionary&lt;int, long&gt; entry costs about 28 plus its tables; the first key or count that does not fit switches the
/// map to two arrays of longs, so it is exact for any input. Sorted, so percentiles and merges walk it in order.
/// A mutable struct: keep it in a field and call it there. Not thread-safe.
/// </summary>
internal struct SortedCounts
{
    private long[]? _packed;    // ((key ^ int.MinValue) << 32) | count: unsigned order = key order
    private long[]? _wideKeys;  // wide mode: parallel arrays
    private long[]? _wideCounts;
    private int _length;

    public readonly int Length => _length;

    public readonly long KeyAt(int i) => _wideKeys is { } keys ? keys[i] : (int)((ulong)_packed![i] >> 32) ^ int.MinValue;

    public readonly long CountAt(int i) => _wideCounts is { } counts ? counts[i] : (long)((ulong)_packed![i] & uint.MaxValue);

    public void Add(long key, long count)
    {
        if (count == 0)
            return;
        var i = Find(key);
        if (i >= 0)
        {
            var sum = CountAt(i) + count;
            if (_wideKeys is null && sum > uint.MaxValue)
                Widen();
            if (_wideCounts is { } counts)
                counts[i] = sum;
            else
                _packed![i] = Pack(key, sum);
            return;
        }
        if (_wideKeys is null && (key is < int.MinValue or > int.MaxValue || count > uint.MaxValue))
            Widen();
        Insert(~i, key, count);
    }

    /// <summary>Adds every entry of another map (the merge of two cells' histograms or tallies).</summary>
    public void AddAll(in SortedCounts other)
    {
        for (var i = 0; i < other._length; i++)
            Add(other.KeyAt(i), other.CountAt(i));
    }

    /// <summary>Gives back the growth slack: a rolled-up cell is written once and read for hours.</summary>
    public void Trim()
    {
        if (_packed is { } packed && packed.Length > _length)
            Array.Resize(ref _packed, _length);
        if (_wideKeys is { } keys && keys.Length > _length)
        {
            Array.Resize(ref _wideKeys, _length);
            Array.Resize(ref _wideCounts, _length);
        }
    }

    private readonly int Find(long key)
    {
        int lo = 0, hi = _length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var at = KeyAt(mid);
            if (at == key)
                return mid;
            if (at < key)
                lo = mid + 1;
            else
                hi = mid - 1;
        }
        return ~lo;
    }

    private void Insert(int at, long key, long count)
    {
        if (_wideKeys is { } keys)
        {
            if (_length == keys.Length)
            {
                Array.Resize(ref _wideKeys, Grow(keys.Length));
                Array.Resize(ref _wideCounts, _wideKeys.Length);
            }
            Array.Copy(_wideKeys, at, _wideKeys, at + 1, _length - at);
            Array.Copy(_wideCounts!, at, _wideCounts!, at + 1, _length - at);
            _wideKeys[at] = key;
            _wideCounts![at] = count;
        }
        else
        {
            if (_packed is null || _length == _packed.Length)
                Array.Resize(ref _packed, Grow(_packed?.Length ?? 0));
            Array.Copy(_packed, at, _packed, at + 1, _length - at);
            _packed[at] = Pack(key, count);
        }
        _length++;
    }

    private void Widen()
    {
        var keys = new long[Math.Max(4, _length)];
        var counts = new long[keys.Length];
        for (var i = 0; i < _length; i++)
        {
            keys[i] = KeyAt(i);
            counts[i] = CountAt(i);
        }
        (_wideKeys, _wideCounts, _packed) = (keys, counts, null);
    }

    // Small steps while small: most minute cells hold a handful of entries.
    private static int Grow(int length) => length < 4 ? 4 : length + (length >> 1);

    private static long Pack(long key, long count) => (long)(((ulong)(uint)((int)key ^ int.MinValue) << 32) | (ulong)count);
}
