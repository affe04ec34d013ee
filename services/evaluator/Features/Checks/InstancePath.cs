using System.Text;
using System.Text.Json;

namespace LlmOps.Evaluator.Features.Checks;

/// <summary>
/// Where the validator is inside the instance. Kept as a stack of segments and only written out as a JSON Pointer
/// when an error is reported, so that a valid document costs no strings.
/// </summary>
internal sealed class InstancePath
{
    private readonly List<Segment> _segments = [];

    public void Push(JsonProperty property) => _segments.Add(new Segment(property, null, -1));

    public void Push(string name) => _segments.Add(new Segment(default, name, -1));

    public void Push(int index) => _segments.Add(new Segment(default, null, index));

    public void Pop() => _segments.RemoveAt(_segments.Count - 1);

    /// <summary>The JSON Pointer, except that the document itself is written "/" rather than "", which would read as
    /// a message with nothing in front of it.</summary>
    public string Render()
    {
        if (_segments.Count == 0)
            return "/";
        var builder = new StringBuilder();
        foreach (var segment in _segments)
        {
            builder.Append('/');
            if (segment.Index >= 0)
                builder.Append(segment.Index);
            else
                builder.Append(LocalSchemaRef.EscapeSegment(segment.Name ?? segment.Property.Name));
        }
        return builder.ToString();
    }

    private readonly record struct Segment(JsonProperty Property, string? Name, int Index);
}
