using System.Text;
using System.Text.Json;
using LlmOps.Contracts.Inference;

namespace LlmOps.InferenceProxy.Features.Events;

/// <summary>
/// An append-only, on-disk queue of InferenceCompleted events the broker has not confirmed: JSON lines in numbered
/// segment files, each with a checkpoint (the byte offset replayed so far). Appends are flushed to disk before they
/// return; a segment is deleted once replayed and no longer written to. A crash replays at most the batch in flight,
/// which idempotent consumers absorb.
/// </summary>
public sealed class EventSpool
{
    private const string SegmentPattern = "spool-*.jsonl";
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    private readonly string _directory;
    private readonly long _maxBytes;
    private readonly long _segmentBytes;
    private readonly Lock _gate = new();
    private long _writeSequence;
    private long _bytesOnDisk;

    public EventSpool(string directory, long maxBytes, long segmentBytes = 16 * 1024 * 1024)
    {
        _directory = Directory.CreateDirectory(directory).FullName;
        _maxBytes = maxBytes;
        _segmentBytes = segmentBytes;
        var segments = Segments();
        _writeSequence = segments.Count == 0 ? 1 : segments[^1] + 1;
        PendingEvents = segments.Sum(CountUnread);
        _bytesOnDisk = segments.Sum(s => new FileInfo(SegmentPath(s)).Length);
    }

    /// <summary>Events written and not yet committed as replayed.</summary>
    public long PendingEvents { get; private set; }

    public bool IsEmpty
    {
        get
        {
            lock (_gate)
                return PendingEvents == 0;
        }
    }

    /// <summary>Bytes of segment files on disk (replayed parts of a segment count until it is deleted).</summary>
    public long SizeBytes
    {
        get
        {
            lock (_gate)
                return _bytesOnDisk;
        }
    }

    /// <summary>
    /// Appends events durably. Returns how many did not fit under the size bound (these are lost, and said so by the
    /// caller's metrics and log: the bound exists so a months-long outage cannot fill the disk).
    /// </summary>
    public int Append(IReadOnlyCollection<InferenceCompleted> events)
    {
        lock (_gate)
        {
            var used = _bytesOnDisk;
            var buffer = new MemoryStream();
            var written = 0;
            foreach (var inference in events)
            {
                var line = JsonSerializer.SerializeToUtf8Bytes(inference, Json);
                if (used + buffer.Length + line.Length + 1 > _maxBytes)
                    break;
                buffer.Write(line);
                buffer.WriteByte((byte)'\n');
                written++;
            }
            if (written > 0)
            {
                var path = SegmentPath(_writeSequence);
                using (var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read))
                {
                    buffer.Position = 0;
                    buffer.CopyTo(stream);
                    stream.Flush(flushToDisk: true);
                }
                PendingEvents += written;
                _bytesOnDisk += buffer.Length;
                if (new FileInfo(path).Length >= _segmentBytes)
                    _writeSequence++;
            }
            return events.Count - written;
        }
    }

    /// <summary>Up to <paramref name="max"/> of the oldest unreplayed events, or null when there are none.</summary>
    public SpoolBatch? Read(int max)
    {
        lock (_gate)
        {
            foreach (var sequence in Segments())
            {
                var offset = ReadCheckpoint(sequence);
                var (events, end, unreadable) = ReadLines(SegmentPath(sequence), offset, max);
                if (events.Count > 0 || unreadable > 0)
                    return new SpoolBatch(sequence, end, events, unreadable);
                if (sequence == _writeSequence)
                    continue;
                var length = new FileInfo(SegmentPath(sequence)).Length;
                if (end < length)
                {
                    // An older segment ending in a line without its newline: a write torn by a crash, never to be
                    // completed (new writes go to newer segments). Hand it out as one unreadable event to be counted.
                    return new SpoolBatch(sequence, length, [], 1);
                }
                Delete(sequence);
            }
            return null;
        }
    }

    /// <summary>Marks a batch as replayed (the broker confirmed it).</summary>
    public void Commit(SpoolBatch batch)
    {
        lock (_gate)
        {
            File.WriteAllText(CheckpointPath(batch.Segment), batch.EndOffset.ToString(System.Globalization.CultureInfo.InvariantCulture));
            PendingEvents = Math.Max(0, PendingEvents - batch.Events.Count - batch.Unreadable);
            var length = new FileInfo(SegmentPath(batch.Segment)).Length;
            if (batch.EndOffset >= length && batch.Segment != _writeSequence)
                Delete(batch.Segment);
            else if (batch.EndOffset >= length && PendingEvents == 0)
            {
                // Fully replayed and idle: start the next write in a fresh segment so this one can go.
                Delete(batch.Segment);
                _writeSequence++;
            }
        }
    }

    private static (List<InferenceCompleted> Events, long End, int Unreadable) ReadLines(string path, long offset, int max)
    {
        var events = new List<InferenceCompleted>();
        var unreadable = 0;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(offset, SeekOrigin.Begin);
        var position = offset;
        var line = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int read;
        while (events.Count + unreadable < max && (read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            for (var i = 0; i < read && events.Count + unreadable < max; i++)
            {
                if (buffer[i] != (byte)'\n')
                {
                    line.WriteByte(buffer[i]);
                    continue;
                }
                position += line.Length + 1;
                try
                {
                    events.Add(JsonSerializer.Deserialize<InferenceCompleted>(line.GetBuffer().AsSpan(0, (int)line.Length), Json)!);
                }
                catch (JsonException)
                {
                    // A line torn by a crash mid-write: it cannot be replayed; the caller counts it.
                    unreadable++;
                }
                line.SetLength(0);
            }
        }
        // A trailing line without its newline is still being written (or was torn): it is not read yet.
        return (events, position, unreadable);
    }

    private long CountUnread(long sequence)
    {
        var offset = ReadCheckpoint(sequence);
        using var stream = new FileStream(SegmentPath(sequence), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(offset, SeekOrigin.Begin);
        long lines = 0;
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
        return lines;
    }

    private List<long> Segments() =>
        Directory.EnumerateFiles(_directory, SegmentPattern)
            .Select(f => long.Parse(Path.GetFileNameWithoutExtension(f)["spool-".Length..], System.Globalization.CultureInfo.InvariantCulture))
            .Order()
            .ToList();

    private long ReadCheckpoint(long sequence)
    {
        var path = CheckpointPath(sequence);
        return File.Exists(path) && long.TryParse(File.ReadAllText(path, Encoding.ASCII), out var offset) ? offset : 0;
    }

    private void Delete(long sequence)
    {
        var segment = new FileInfo(SegmentPath(sequence));
        if (segment.Exists)
            _bytesOnDisk -= segment.Length;
        segment.Delete();
        File.Delete(CheckpointPath(sequence));
    }

    private string SegmentPath(long sequence) => Path.Combine(_directory, $"spool-{sequence:D12}.jsonl");

    private string CheckpointPath(long sequence) => Path.Combine(_directory, $"spool-{sequence:D12}.pos");
}

public sealed record SpoolBatch(long Segment, long EndOffset, IReadOnlyList<InferenceCompleted> Events, int Unreadable);
