using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using static LlmOps.Deployment.Tests.Rendering.GoTemplate;

namespace LlmOps.Deployment.Tests.Rendering;

/// <summary>
/// Executes parsed templates the way Helm does for the chart's subset: values are maps, lists and scalars; a missing
/// map key is nil, a field of nil is an error (as in Go); maps range in key order; "&lt;no value&gt;" prints as nothing.
/// Functions: include, default, quote, toYaml, nindent, indent, printf, trunc, trimSuffix, replace, upper, lower, dict,
/// eq, ne, not, and, or, index, sha256sum, b64enc, b64dec, randAlphaNum, lookup (always empty: no cluster).
/// </summary>
public sealed class TemplateEvaluator(Dictionary<string, List<Node>> defines)
{
    /// <summary>A method on a value (.Files.Get): called with the command's arguments.</summary>
    public delegate object? Method(object?[] arguments);

    private sealed class Scope(Scope? parent)
    {
        private readonly Dictionary<string, object?> _variables = [];
        public void Declare(string name, object? value) => _variables[name] = value;
        public void Assign(string name, object? value)
        {
            for (var s = this; s is not null; s = s.Parent)
                if (s._variables.ContainsKey(name)) { s._variables[name] = value; return; }
            throw new InvalidOperationException($"undefined variable {name}");
        }
        public object? Get(string name)
        {
            for (var s = this; s is not null; s = s.Parent)
                if (s._variables.TryGetValue(name, out var v)) return v;
            throw new InvalidOperationException($"undefined variable {name}");
        }
        public Scope? Parent { get; } = parent;
    }

    public string Execute(List<Node> body, object? dot)
    {
        var scope = new Scope(null);
        scope.Declare("$", dot);
        var output = new StringBuilder();
        Run(body, dot, scope, output);
        return output.ToString();
    }

    private void Run(List<Node> nodes, object? dot, Scope scope, StringBuilder output)
    {
        foreach (var node in nodes)
        {
            switch (node)
            {
                case TextNode text:
                    output.Append(text.Text);
                    break;
                case ActionNode action:
                {
                    var value = Evaluate(action.Pipeline, dot, scope);
                    if (action.Pipeline.Variables.Count == 0)
                        output.Append(Print(value));
                    break;
                }
                case IfNode ifNode:
                {
                    var inner = new Scope(scope);
                    Run(Truthy(Evaluate(ifNode.Condition, dot, inner)) ? ifNode.Then : ifNode.Else, dot, inner, output);
                    break;
                }
                case WithNode with:
                {
                    var inner = new Scope(scope);
                    var value = Evaluate(with.Pipeline, dot, inner);
                    if (Truthy(value)) Run(with.Body, value, inner, output);
                    else Run(with.Else, dot, inner, output);
                    break;
                }
                case RangeNode range:
                    RunRange(range, dot, scope, output);
                    break;
            }
        }
    }

    private void RunRange(RangeNode range, object? dot, Scope scope, StringBuilder output)
    {
        var source = Evaluate(range.Pipeline with { Variables = [] }, dot, scope);
        var items = source switch
        {
            null => [],
            Dictionary<string, object?> map => map.Keys.Order(StringComparer.Ordinal).Select(k => ((object?)k, map[k])).ToList(),
            List<object?> list => list.Select((v, i) => ((object?)(long)i, v)).ToList(),
            long n => Enumerable.Range(0, (int)n).Select(i => ((object?)(long)i, (object?)(long)i)).ToList(),
            _ => throw new InvalidOperationException($"range can't iterate over {source}"),
        };
        if (items.Count == 0)
        {
            Run(range.Else, dot, new Scope(scope), output);
            return;
        }
        foreach (var (key, value) in items)
        {
            var inner = new Scope(scope);
            var variables = range.Pipeline.Variables;
            if (variables.Count == 1) inner.Declare(variables[0], value);
            if (variables.Count == 2) { inner.Declare(variables[0], key); inner.Declare(variables[1], value); }
            Run(range.Body, value, inner, output);
        }
    }

    private object? Evaluate(Pipeline pipeline, object? dot, Scope scope)
    {
        object? value = null;
        var piped = false;
        foreach (var command in pipeline.Commands)
        {
            value = EvaluateCommand(command, dot, scope, piped, value);
            piped = true;
        }
        foreach (var variable in pipeline.Variables)
        {
            if (pipeline.Declare) scope.Declare(variable, value);
            else scope.Assign(variable, value);
        }
        return value;
    }

    private object? EvaluateCommand(Command command, object? dot, Scope scope, bool piped, object? pipedValue)
    {
        var first = command.Operands[0];
        if (first is Function function)
        {
            // and / or short-circuit, as Go's do.
            if (function.Name is "and" or "or")
            {
                var operands = command.Operands.Skip(1).Select(o => (Func<object?>)(() => Operand(o, dot, scope))).ToList();
                if (piped) operands.Add(() => pipedValue);
                object? last = null;
                foreach (var operand in operands)
                {
                    last = operand();
                    if (function.Name == "and" ? !Truthy(last) : Truthy(last)) return last;
                }
                return last;
            }
            var arguments = command.Operands.Skip(1).Select(o => Operand(o, dot, scope)).ToList();
            if (piped) arguments.Add(pipedValue);
            return Call(function.Name, arguments);
        }
        var head = Operand(first, dot, scope);
        if (head is Method method)
        {
            var arguments = command.Operands.Skip(1).Select(o => Operand(o, dot, scope)).ToList();
            if (piped) arguments.Add(pipedValue);
            return method(arguments.ToArray());
        }
        if (command.Operands.Count > 1 || piped)
            throw new InvalidOperationException($"can't give arguments to a non-function {first}");
        return head;
    }

    private object? Operand(Operand operand, object? dot, Scope scope) => operand switch
    {
        Literal literal => literal.Value,
        Function function => Call(function.Name, []),
        Chain chain => Fields(chain.Inner is not null ? Evaluate(chain.Inner, dot, scope)
            : chain.Variable is not null ? scope.Get(chain.Variable) : dot, chain.Fields, chain),
        _ => throw new InvalidOperationException("unknown operand"),
    };

    private static object? Fields(object? value, List<string> fields, Chain chain)
    {
        foreach (var field in fields)
        {
            value = value switch
            {
                Dictionary<string, object?> map => map.GetValueOrDefault(field),
                null => throw new InvalidOperationException($"nil pointer evaluating interface {{}}.{field} in {Describe(chain)}"),
                _ => throw new InvalidOperationException($"can't evaluate field {field} in type {value.GetType().Name} ({Describe(chain)})"),
            };
        }
        return value;
    }

    private static string Describe(Chain chain) => (chain.Variable ?? "") + "." + string.Join(".", chain.Fields);

    private object? Call(string name, List<object?> a)
    {
        string S(int i) => Print(a[i]);
        long N(int i) => a[i] switch { long l => l, double d => (long)d, string s => long.Parse(s, CultureInfo.InvariantCulture), var v => throw new InvalidOperationException($"{name}: not a number: {v}") };
        void Arity(int n) { if (a.Count != n) throw new InvalidOperationException($"{name} takes {n} arguments, got {a.Count}"); }
        switch (name)
        {
            case "include":
                Arity(2);
                if (!defines.TryGetValue(S(0), out var body)) throw new InvalidOperationException($"no template \"{S(0)}\"");
                return Execute(body, a[1]);
            case "default": Arity(2); return Truthy(a[1]) ? a[1] : a[0];
            case "quote": return string.Join(" ", a.Where(v => v is not null).Select(v => "\"" + Print(v).Replace("\\", "\\\\").Replace("\"", "\\\"") + "\""));
            case "toYaml": Arity(1); return YamlValues.ToYaml(a[0]);
            case "nindent": Arity(2); return "\n" + Indent((int)N(0), S(1));
            case "indent": Arity(2); return Indent((int)N(0), S(1));
            case "printf": return Printf(S(0), a.Skip(1).ToList());
            case "trunc": { Arity(2); var s = S(1); var n = (int)N(0); return s.Length > n ? s[..n] : s; }
            case "trimSuffix": { Arity(2); var s = S(1); return s.EndsWith(S(0), StringComparison.Ordinal) ? s[..^S(0).Length] : s; }
            case "replace": Arity(3); return S(2).Replace(S(0), S(1), StringComparison.Ordinal);
            case "upper": Arity(1); return S(0).ToUpperInvariant();
            case "lower": Arity(1); return S(0).ToLowerInvariant();
            case "dict":
            {
                var map = new Dictionary<string, object?>();
                for (var i = 0; i + 1 < a.Count; i += 2) map[S(i)] = a[i + 1];
                return map;
            }
            case "eq": return a.Skip(1).Any(v => Same(a[0], v));
            case "ne": Arity(2); return !Same(a[0], a[1]);
            case "not": Arity(1); return !Truthy(a[0]);
            case "index":
            {
                var value = a[0];
                foreach (var key in a.Skip(1))
                    value = value switch
                    {
                        Dictionary<string, object?> map => map.GetValueOrDefault(Print(key)),
                        List<object?> list => list[(int)(long)key!],
                        null => throw new InvalidOperationException("index of untyped nil"),
                        _ => throw new InvalidOperationException($"can't index {value}"),
                    };
                return value;
            }
            case "sha256sum": Arity(1); return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(S(0))));
            case "b64enc": Arity(1); return Convert.ToBase64String(Encoding.UTF8.GetBytes(S(0)));
            case "b64dec": Arity(1); return Encoding.UTF8.GetString(Convert.FromBase64String(S(0)));
            case "randAlphaNum":
            {
                Arity(1);
                const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
                return new string(Enumerable.Range(0, (int)N(0)).Select(_ => alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)]).ToArray());
            }
            case "lookup": Arity(4); return new Dictionary<string, object?>();
            default: throw new InvalidOperationException($"function \"{name}\" not defined (outside the chart's template subset)");
        }
    }

    private static string Indent(int spaces, string text)
    {
        var pad = new string(' ', spaces);
        return pad + text.Replace("\n", "\n" + pad);
    }

    private static string Printf(string format, List<object?> args)
    {
        var sb = new StringBuilder();
        var next = 0;
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length) { sb.Append(format[i]); continue; }
            var verb = format[++i];
            if (verb == '%') { sb.Append('%'); continue; }
            if (verb is not ('s' or 'v' or 'd')) throw new InvalidOperationException($"printf verb %{verb} is outside the subset");
            sb.Append(Print(args[next++]));
        }
        return sb.ToString();
    }

    private static bool Same(object? x, object? y) => (x, y) switch
    {
        (long a, double b) => a == b,
        (double a, long b) => a == b,
        _ => Equals(x, y),
    };

    public static bool Truthy(object? value) => value switch
    {
        null => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        Dictionary<string, object?> m => m.Count > 0,
        List<object?> l => l.Count > 0,
        _ => true,
    };

    public static string Print(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"printing a {value.GetType().Name} is outside the chart's subset"),
    };
}
