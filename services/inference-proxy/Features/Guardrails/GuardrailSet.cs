using System.Text.RegularExpressions;
using LlmOps.Contracts.Access;
using LlmOps.Contracts.Inference;
using LlmOps.ServiceDefaults.Privacy;

namespace LlmOps.InferenceProxy.Features.Guardrails;

/// <summary>
/// A project's guardrail rules, checked and compiled once when the settings arrive (banned terms become one regex, PII
/// kinds a set), split by stage, so the request path only runs them.
/// </summary>
public sealed class GuardrailSet
{
    public const int MaxRules = 32;
    public const int MaxTerms = 1_000;

    public static readonly GuardrailSet Empty = new([]);

    private GuardrailSet(IReadOnlyList<GuardrailRule> rules)
    {
        Rules = rules;
        var compiled = rules.Select(r => new Rail(r)).ToList();
        Input = compiled.Where(r => r.Rule.Stage == GuardrailStages.Input).ToArray();
        Retrieval = compiled.Where(r => r.Rule.Stage == GuardrailStages.Retrieval).ToArray();
        Output = compiled.Where(r => r.Rule.Stage == GuardrailStages.Output).ToArray();
    }

    public IReadOnlyList<GuardrailRule> Rules { get; }
    public IReadOnlyList<Rail> Input { get; }
    public IReadOnlyList<Rail> Retrieval { get; }
    public IReadOnlyList<Rail> Output { get; }
    public bool IsEmpty => Rules.Count == 0;

    /// <summary>
    /// Whether an output rail may change or withhold the answer: then a streamed request is answered from the complete
    /// answer (fetched whole, checked, and replayed as a stream) instead of relayed chunk by chunk.
    /// </summary>
    public bool OutputHoldsAnswer => Output.Any(r => r.Rule.Action is GuardrailActions.Block or GuardrailActions.Redact);

    public static GuardrailSet Compile(IReadOnlyList<GuardrailRule>? rules) => rules is null or { Count: 0 } ? Empty : new GuardrailSet(rules);

    /// <summary>What is wrong with a set of rules an operator sent, or null when it can be compiled.</summary>
    public static string? Problem(IReadOnlyList<GuardrailRule> rules)
    {
        if (rules.Count > MaxRules)
            return $"At most {MaxRules} guardrail rules.";
        foreach (var rule in rules)
        {
            var name = $"Rule '{rule.Rail}' at stage '{rule.Stage}'";
            if (!GuardrailRails.All.Contains(rule.Rail))
                return $"Unknown rail '{rule.Rail}'; rails are {string.Join(", ", GuardrailRails.All)}.";
            if (!GuardrailStages.All.Contains(rule.Stage))
                return $"Unknown stage '{rule.Stage}'; stages are {string.Join(", ", GuardrailStages.All)}.";
            if (rule.Action is not (GuardrailActions.Flag or GuardrailActions.Redact or GuardrailActions.Block))
                return $"{name}: the action must be flag, redact or block.";
            if (rule.Rail == GuardrailRails.JsonSchema && rule.Stage != GuardrailStages.Output)
                return $"{name}: json-schema checks answers, so its stage is output.";
            if (rule.Rail is GuardrailRails.JsonSchema or GuardrailRails.PromptInjection && rule.Action == GuardrailActions.Redact)
                return $"{name}: there is nothing to mask, so the action is flag or block.";
            if (rule.Threshold is < 0 or > 1)
                return $"{name}: the threshold is between 0 and 1.";
            if (rule.Entities?.FirstOrDefault(e => !PiiKinds.All.Contains(e)) is { } unknown)
                return $"{name}: unknown PII kind '{unknown}'; kinds are {string.Join(", ", PiiKinds.All)}.";
            if (rule.Rail == GuardrailRails.BannedTerms && (rule.Terms is null || rule.Terms.Count == 0 || rule.Terms.Count > MaxTerms
                    || rule.Terms.Any(t => string.IsNullOrWhiteSpace(t) || t.Length > 200)))
                return $"{name}: give 1 to {MaxTerms} terms of 1 to 200 characters.";
            if (rules.Count(r => r.Rail == rule.Rail && r.Stage == rule.Stage) > 1)
                return $"{name} appears twice.";
        }
        return null;
    }

    /// <summary>One compiled rule.</summary>
    public sealed class Rail
    {
        private static readonly IReadOnlySet<string> AllKinds = PiiKinds.All.ToHashSet();
        private readonly IReadOnlySet<string> _kinds;
        private readonly Regex? _terms;
        private readonly double _threshold;

        public Rail(GuardrailRule rule)
        {
            Rule = rule;
            _kinds = rule.Entities is { Count: > 0 } entities ? entities.ToHashSet() : AllKinds;
            _threshold = rule.Threshold ?? InjectionDetector.DefaultThreshold;
            if (rule.Rail == GuardrailRails.BannedTerms && rule.Terms is { Count: > 0 } terms)
            {
                // Longest first, so a phrase wins over a word it contains; word boundaries only where the term has them.
                var alternatives = terms.Select(t => t.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).OrderByDescending(t => t.Length)
                    .Select(t => (char.IsLetterOrDigit(t[0]) ? @"\b" : "") + Regex.Escape(t) + (char.IsLetterOrDigit(t[^1]) ? @"\b" : ""));
                _terms = new Regex(string.Join("|", alternatives), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled,
                    TimeSpan.FromMilliseconds(100));
            }
        }

        public GuardrailRule Rule { get; }

        /// <summary>Runs the rule on one text. json-schema is not a text check (see <see cref="JsonSchemaCheck"/>).</summary>
        public Finding Check(string text)
        {
            switch (Rule.Rail)
            {
                case GuardrailRails.PromptInjection:
                    var score = InjectionDetector.Score(text);
                    return new Finding(score.Score >= _threshold, score.Score, score.Signals, null);
                case GuardrailRails.Pii:
                    var matches = PiiDetector.Find(text, _kinds);
                    return new Finding(matches.Count > 0, null, matches.Select(m => m.Kind).ToArray(), matches);
                case GuardrailRails.BannedTerms when _terms is not null:
                    var found = _terms.Matches(text);
                    return new Finding(found.Count > 0, null,
                        found.Select(m => m.Value.ToLowerInvariant()).ToArray(),
                        found.Select(m => new PiiDetector.Match("banned", m.Index, m.Length)).ToList());
                default:
                    return Finding.None;
            }
        }
    }

    /// <summary>What a rule found in one text: whether it triggers, a score, what matched, and where (to mask it).</summary>
    public sealed record Finding(bool Triggered, double? Score, IReadOnlyList<string> Labels, List<PiiDetector.Match>? Spans)
    {
        public static readonly Finding None = new(false, null, [], null);

        public string Redact(string text) => Spans is { Count: > 0 } spans ? PiiDetector.Redact(text, spans) : text;
    }
}
