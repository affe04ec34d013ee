using System.Text;

namespace LlmOps.Deployment.Tests.Rendering;

/// <summary>
/// Parses the subset of Go's text/template the chart uses: text, actions with trim markers, comments, pipelines,
/// variables (:= and =), parenthesised expressions with field chains, if / else if / else, range (with one or two
/// variables), with, define. Anything else is a parse error, so a template outside the subset fails the tests.
/// </summary>
public static class GoTemplate
{
    public abstract record Node;
    public sealed record TextNode(string Text) : Node;
    public sealed record ActionNode(Pipeline Pipeline) : Node;
    public sealed record IfNode(Pipeline Condition, List<Node> Then, List<Node> Else) : Node;
    public sealed record RangeNode(Pipeline Pipeline, List<Node> Body, List<Node> Else) : Node;
    public sealed record WithNode(Pipeline Pipeline, List<Node> Body, List<Node> Else) : Node;

    /// <param name="Variables">declared variables (range's key and value), or the one assigned</param>
    public sealed record Pipeline(List<string> Variables, bool Declare, List<Command> Commands);
    public sealed record Command(List<Operand> Operands);

    public abstract record Operand;
    public sealed record Literal(object? Value) : Operand;
    public sealed record Function(string Name) : Operand;
    /// <summary>A chain of fields from dot (Base null), a variable ($x.a.b), or a parenthesised pipeline.</summary>
    public sealed record Chain(string? Variable, Pipeline? Inner, List<string> Fields) : Operand;

    public sealed class Template
    {
        public required List<Node> Body { get; init; }
        public required Dictionary<string, List<Node>> Defines { get; init; }
    }

    public static Template Parse(string source, string name)
    {
        var pieces = Lex(source, name);
        var defines = new Dictionary<string, List<Node>>();
        var position = 0;
        var body = ParseList(pieces, ref position, defines, name, out var terminator);
        if (terminator is not null)
            throw new FormatException($"{name}: unexpected {{{{{terminator}}}}}");
        return new Template { Body = body, Defines = defines };
    }

    // ---- lexing: text and action pieces, trim markers applied ----
    private sealed record Piece(bool IsAction, string Text);

    private static List<Piece> Lex(string source, string name)
    {
        var pieces = new List<Piece>();
        var i = 0;
        var trimNextText = false;
        while (i < source.Length)
        {
            var open = source.IndexOf("{{", i, StringComparison.Ordinal);
            var text = open < 0 ? source[i..] : source[i..open];
            if (trimNextText)
                text = text.TrimStart(' ', '\t', '\r', '\n');
            if (open < 0)
            {
                if (text.Length > 0) pieces.Add(new Piece(false, text));
                break;
            }
            var inner = open + 2;
            var trimLeft = source.Length > inner + 1 && source[inner] == '-' && char.IsWhiteSpace(source[inner + 1]);
            if (trimLeft)
            {
                text = text.TrimEnd(' ', '\t', '\r', '\n');
                inner += 2;
            }
            if (text.Length > 0) pieces.Add(new Piece(false, text));
            var close = FindClose(source, inner, name);
            var end = close;
            trimNextText = close >= 2 && source[close - 1] == '-' && char.IsWhiteSpace(source[close - 2]);
            if (trimNextText) end = close - 2;
            var action = source[inner..end].Trim();
            if (!(action.StartsWith("/*", StringComparison.Ordinal) && action.EndsWith("*/", StringComparison.Ordinal)))
                pieces.Add(new Piece(true, action));
            i = close + 2;
        }
        return pieces;
    }

    private static int FindClose(string source, int from, string name)
    {
        var i = from;
        var inString = '\0';
        while (i < source.Length - 1)
        {
            var c = source[i];
            if (inString != '\0')
            {
                if (c == '\\' && inString == '"') i++;
                else if (c == inString) inString = '\0';
            }
            else if (c is '"' or '`')
                inString = c;
            else if (c == '/' && source[i + 1] == '*')
            {
                var endComment = source.IndexOf("*/", i + 2, StringComparison.Ordinal);
                if (endComment < 0) throw new FormatException($"{name}: unclosed comment");
                i = endComment + 1;
            }
            else if (c == '}' && source[i + 1] == '}')
                return i;
            i++;
        }
        throw new FormatException($"{name}: unclosed action");
    }

    // ---- parsing: control structures ----
    private static List<Node> ParseList(List<Piece> pieces, ref int position, Dictionary<string, List<Node>> defines,
        string name, out string? terminator)
    {
        var nodes = new List<Node>();
        while (position < pieces.Count)
        {
            var piece = pieces[position++];
            if (!piece.IsAction)
            {
                nodes.Add(new TextNode(piece.Text));
                continue;
            }
            var tokens = Tokenize(piece.Text, name);
            var keyword = tokens.Count > 0 && tokens[0].Kind == TokenKind.Identifier ? tokens[0].Text : null;
            switch (keyword)
            {
                case "end":
                case "else":
                    terminator = piece.Text;
                    return nodes;
                case "if":
                    nodes.Add(ParseIf(tokens.Skip(1).ToList(), pieces, ref position, defines, name));
                    break;
                case "range":
                case "with":
                {
                    var pipeline = ParsePipeline(tokens.Skip(1).ToList(), name, allowDeclaration: true);
                    var body = ParseList(pieces, ref position, defines, name, out var t);
                    var elseBody = new List<Node>();
                    if (t == "else")
                        elseBody = ParseList(pieces, ref position, defines, name, out t);
                    if (t != "end") throw new FormatException($"{name}: {keyword} without end");
                    nodes.Add(keyword == "range" ? new RangeNode(pipeline, body, elseBody) : new WithNode(pipeline, body, elseBody));
                    break;
                }
                case "define":
                {
                    if (tokens.Count != 2 || tokens[1].Kind != TokenKind.String)
                        throw new FormatException($"{name}: define needs one name");
                    var body = ParseList(pieces, ref position, defines, name, out var t);
                    if (t != "end") throw new FormatException($"{name}: define without end");
                    defines[(string)tokens[1].Value!] = body;
                    break;
                }
                case "template" or "block" or "break" or "continue":
                    throw new FormatException($"{name}: '{keyword}' is outside the chart's template subset (use include)");
                default:
                    nodes.Add(new ActionNode(ParsePipeline(tokens, name, allowDeclaration: true)));
                    break;
            }
        }
        terminator = null;
        return nodes;
    }

    private static IfNode ParseIf(List<Token> condition, List<Piece> pieces, ref int position,
        Dictionary<string, List<Node>> defines, string name)
    {
        var pipeline = ParsePipeline(condition, name, allowDeclaration: false);
        var then = ParseList(pieces, ref position, defines, name, out var t);
        var elseBody = new List<Node>();
        if (t == "else")
            elseBody = ParseList(pieces, ref position, defines, name, out t);
        else if (t is not null && t.StartsWith("else if ", StringComparison.Ordinal))
        {
            // "else if x" is an if nested in the else branch that shares the outer end.
            elseBody = [ParseIf(Tokenize(t["else if ".Length..], name), pieces, ref position, defines, name)];
            return new IfNode(pipeline, then, elseBody);
        }
        if (t != "end") throw new FormatException($"{name}: if without end");
        return new IfNode(pipeline, then, elseBody);
    }

    private static Pipeline ParsePipeline(List<Token> tokens, string name, bool allowDeclaration)
    {
        var variables = new List<string>();
        var declare = false;
        var start = 0;
        if (allowDeclaration)
        {
            var assign = tokens.FindIndex(t => t.Kind is TokenKind.Declare or TokenKind.Assign);
            if (assign > 0 && tokens.Take(assign).All(t => t.Kind is TokenKind.Variable or TokenKind.Comma))
            {
                variables = tokens.Take(assign).Where(t => t.Kind == TokenKind.Variable).Select(t => t.Text).ToList();
                declare = tokens[assign].Kind == TokenKind.Declare;
                start = assign + 1;
            }
        }
        var position = start;
        var pipeline = ParseCommands(tokens, ref position, name);
        if (position != tokens.Count) throw new FormatException($"{name}: unexpected '{tokens[position].Text}'");
        return pipeline with { Variables = variables, Declare = declare };
    }

    private static Pipeline ParseCommands(List<Token> tokens, ref int position, string name)
    {
        var commands = new List<Command>();
        var operands = new List<Operand>();
        while (position < tokens.Count && tokens[position].Kind != TokenKind.CloseParen)
        {
            var token = tokens[position++];
            switch (token.Kind)
            {
                case TokenKind.Pipe:
                    if (operands.Count == 0) throw new FormatException($"{name}: empty command before |");
                    commands.Add(new Command(operands));
                    operands = [];
                    break;
                case TokenKind.OpenParen:
                {
                    var inner = ParseCommands(tokens, ref position, name);
                    if (position >= tokens.Count) throw new FormatException($"{name}: unclosed (");
                    position++;
                    var fields = new List<string>();
                    if (position < tokens.Count && tokens[position].Kind == TokenKind.Field && !tokens[position].SpaceBefore)
                        fields = tokens[position++].Text.Split('.', StringSplitOptions.RemoveEmptyEntries).ToList();
                    operands.Add(new Chain(null, inner, fields));
                    break;
                }
                case TokenKind.Field:
                    operands.Add(new Chain(null, null, token.Text.Split('.', StringSplitOptions.RemoveEmptyEntries).ToList()));
                    break;
                case TokenKind.Variable:
                {
                    var parts = token.Text.Split('.');
                    operands.Add(new Chain(parts[0], null, parts.Skip(1).ToList()));
                    break;
                }
                case TokenKind.String or TokenKind.Number:
                    operands.Add(new Literal(token.Value));
                    break;
                case TokenKind.Identifier:
                    operands.Add(token.Text switch
                    {
                        "true" => new Literal(true),
                        "false" => new Literal(false),
                        "nil" => new Literal(null),
                        _ => new Function(token.Text),
                    });
                    break;
                default:
                    throw new FormatException($"{name}: unexpected '{token.Text}'");
            }
        }
        if (operands.Count == 0) throw new FormatException($"{name}: empty pipeline");
        commands.Add(new Command(operands));
        return new Pipeline([], false, commands);
    }

    // ---- tokens ----
    private enum TokenKind { Identifier, Field, Variable, String, Number, Pipe, OpenParen, CloseParen, Declare, Assign, Comma }

    private sealed record Token(TokenKind Kind, string Text, object? Value, bool SpaceBefore);

    private static List<Token> Tokenize(string text, string name)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var space = i > 0 && char.IsWhiteSpace(text[i - 1]);
            var c = text[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == '|') { tokens.Add(new Token(TokenKind.Pipe, "|", null, space)); i++; continue; }
            if (c == '(') { tokens.Add(new Token(TokenKind.OpenParen, "(", null, space)); i++; continue; }
            if (c == ')') { tokens.Add(new Token(TokenKind.CloseParen, ")", null, space)); i++; continue; }
            if (c == ',') { tokens.Add(new Token(TokenKind.Comma, ",", null, space)); i++; continue; }
            if (c == ':' && i + 1 < text.Length && text[i + 1] == '=') { tokens.Add(new Token(TokenKind.Declare, ":=", null, space)); i += 2; continue; }
            if (c == '=') { tokens.Add(new Token(TokenKind.Assign, "=", null, space)); i++; continue; }
            if (c == '"')
            {
                var sb = new StringBuilder();
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                        sb.Append(text[i] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', var e => e });
                    }
                    else sb.Append(text[i]);
                    i++;
                }
                if (i >= text.Length) throw new FormatException($"{name}: unterminated string");
                i++;
                tokens.Add(new Token(TokenKind.String, sb.ToString(), sb.ToString(), space));
                continue;
            }
            if (c == '`')
            {
                var end = text.IndexOf('`', i + 1);
                if (end < 0) throw new FormatException($"{name}: unterminated raw string");
                var raw = text[(i + 1)..end];
                tokens.Add(new Token(TokenKind.String, raw, raw, space));
                i = end + 1;
                continue;
            }
            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('|' or '(' or ')' or ',' or '"')
                   && !(text[i] == ':' && i + 1 < text.Length && text[i + 1] == '=') && text[i] != '=')
                i++;
            var word = text[start..i];
            if (word.StartsWith('.'))
                tokens.Add(new Token(TokenKind.Field, word, null, space));
            else if (word.StartsWith('$'))
                tokens.Add(new Token(TokenKind.Variable, word, null, space));
            else if (char.IsDigit(word[0]) || (word[0] == '-' && word.Length > 1))
                tokens.Add(new Token(TokenKind.Number, word,
                    long.TryParse(word, out var n) ? n : double.Parse(word, System.Globalization.CultureInfo.InvariantCulture), space));
            else
                tokens.Add(new Token(TokenKind.Identifier, word, null, space));
        }
        return tokens;
    }
}
