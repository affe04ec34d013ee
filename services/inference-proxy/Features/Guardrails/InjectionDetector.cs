using System.Text.RegularExpressions;

namespace LlmOps.InferenceProxy.Features.Guardrails;

/// <summary>
/// A scored heuristic for prompt injection and jailbreak attempts. Each signal is a pattern for one attack family with
/// a weight (how sure that signal alone makes us); the score combines the signals that fire as independent evidence,
/// <c>1 − Π(1 − weight)</c>, so one strong signal or several weak ones cross the threshold (default 0.6) while a lone
/// weak one (the word "jailbreak" in a question about phones) does not. Text is lower-cased and its zero-width
/// characters removed first. Families: override of earlier instructions (English, French, German, Spanish), requests to
/// reveal the system prompt, persona jailbreaks (DAN, developer mode, "no restrictions"), turning safety off, forged
/// role delimiters (<c>&lt;|im_start|&gt;</c>, <c>[INST]</c>, <c>### system:</c>), "new instructions:", claimed authority,
/// text addressed to an AI that reads it (indirect injection in documents), exfiltration requests, and decode-this
/// obfuscation. It is a heuristic: it catches the common phrasings, not a determined paraphrase; docs/guardrails.md
/// gives its measured precision and recall.
/// </summary>
public static partial class InjectionDetector
{
    public const double DefaultThreshold = 0.6;

    private sealed record Signal(string Id, double Weight, Func<Regex> Pattern, bool RawText = false);

    private static readonly Signal[] Signals =
    [
        new("override", 0.85, Override),
        new("override-multilingual", 0.85, OverrideMultilingual),
        new("context-void", 0.8, ContextVoid),
        new("reveal-system-prompt", 0.75, RevealPrompt),
        new("prompt-mention", 0.6, PromptMention),
        new("persona-jailbreak", 0.8, PersonaJailbreak),
        new("persona-switch", 0.55, PersonaSwitch),
        new("hypothetical-unbound", 0.65, HypotheticalUnbound),
        new("safety-off", 0.7, SafetyOff),
        new("no-restrictions", 0.5, NoRestrictions),
        new("forged-delimiter", 0.6, ForgedDelimiter),
        new("forged-delimiter-caps", 0.65, ForgedDelimiterCaps, RawText: true),
        new("new-instructions", 0.5, NewInstructions),
        new("addressed-to-ai", 0.6, AddressedToAi),
        new("claimed-authority", 0.45, ClaimedAuthority),
        new("exfiltration", 0.55, Exfiltration),
        new("execute-payload", 0.65, ExecutePayload),
        new("standing-order", 0.35, StandingOrder),
        new("jailbreak-term", 0.4, JailbreakTerm),
        new("encoded-blob", 0.2, EncodedBlob),
    ];

    public readonly record struct Result(double Score, IReadOnlyList<string> Signals);

    public static Result Score(string text)
    {
        if (text.Length == 0)
            return new Result(0, []);
        var normalised = Normalise(text);
        var fired = new Dictionary<string, double>(StringComparer.Ordinal);
        Collect(text, normalised, fired);
        // Obfuscated variants are read again: leetspeak spelled out, a ROT13 text when ROT13 is mentioned, base64 decoded.
        if (Deleet(normalised) is { } plain)
            Collect(plain, plain, fired);
        if (normalised.Contains("rot13", StringComparison.Ordinal) || normalised.Contains("rot-13", StringComparison.Ordinal))
            Collect(Rot13(normalised), Rot13(normalised), fired);
        foreach (var decoded in DecodedBlobs(text))
            Collect(decoded, Normalise(decoded), fired);

        var remaining = 1.0;
        foreach (var weight in fired.Values)
            remaining *= 1 - weight;
        return new Result(Math.Round(1 - remaining, 3), fired.Keys.ToList());
    }

    private static void Collect(string raw, string normalised, Dictionary<string, double> fired)
    {
        List<(int Start, int End)>? quoted = null;
        bool? discussion = null;
        foreach (var signal in Signals)
        {
            var haystack = signal.RawText ? raw : normalised;
            var match = signal.Pattern().Match(haystack);
            if (!match.Success)
                continue;
            // A phrase that only appears inside quotation marks, in text that talks about attacks, detection or tests ("a
            // regex that flags 'ignore previous instructions'"), is being discussed, not said: far weaker evidence.
            var weight = signal.Weight;
            if (!(discussion ??= MetaDiscussion().IsMatch(normalised)))
            {
                fired[signal.Id] = Math.Max(fired.GetValueOrDefault(signal.Id), weight);
                continue;
            }
            quoted ??= QuotedSpans(haystack);
            var allQuoted = true;
            for (; match.Success && allQuoted; match = match.NextMatch())
                allQuoted = quoted.Any(q => match.Index >= q.Start && match.Index + match.Length <= q.End);
            if (allQuoted)
                weight *= 0.3;
            fired[signal.Id] = Math.Max(fired.GetValueOrDefault(signal.Id), weight);
        }
    }

    private static List<(int Start, int End)> QuotedSpans(string text)
    {
        var spans = new List<(int, int)>();
        foreach (Match m in Quoted().Matches(text))
            spans.Add((m.Index, m.Index + m.Length));
        return spans;
    }

    private static string? Deleet(string text)
    {
        // Only words that mix letters with the digits leetspeak uses are rewritten; plain numbers stay as they are.
        if (!Leet().IsMatch(text))
            return null;
        return Leet().Replace(text, m => new string(m.Value.Select(c => c switch
        {
            '0' => 'o', '1' => 'i', '3' => 'e', '4' => 'a', '5' => 's', '7' => 't', '@' => 'a', '$' => 's', _ => c,
        }).ToArray()));
    }

    private static string Rot13(string text) => new(text.Select(c => c is >= 'a' and <= 'z' ? (char)('a' + (c - 'a' + 13) % 26) : c).ToArray());

    private static IEnumerable<string> DecodedBlobs(string text)
    {
        foreach (Match m in Base64Blob().Matches(text))
        {
            var value = m.Value;
            var buffer = new byte[value.Length];
            if (value.Length % 4 != 0 || !Convert.TryFromBase64String(value, buffer, out var written))
                continue;
            var decoded = System.Text.Encoding.UTF8.GetString(buffer, 0, written);
            if (decoded.All(c => !char.IsControl(c) || c is '\n' or '\r' or '\t'))
                yield return decoded;
        }
    }

    private static string Normalise(string text)
    {
        var lower = text.ToLowerInvariant();
        lower = lower.AsSpan().IndexOfAny('\u200b', '\u200c', '\u200d') >= 0 || lower.Contains('\ufeff')
            ? lower.Replace("\u200b", "").Replace("\u200c", "").Replace("\u200d", "").Replace("\ufeff", "")
            : lower;
        return lower.Replace('\u2019', '\'').Replace('\u2018', '\'').Replace('\u201c', '"').Replace('\u201d', '"');
    }

    [GeneratedRegex(@"\b(?:ignore|disregard|forget|skip|override|overriding|bypass|drop|abandon|discard|void|set aside|throw out)\b[^.!?\n]{0,40}?\b(?:previous|prior|above|earlier|preceding|all|any|your|these|those|system|initial|original|existing|every|whatever|the operator'?s?|the developer'?s?)\b[^.!?\n]{0,30}?\b(?:instructions?|directions|prompts?|rules|guidelines|directives?|constraints|restrictions|polic(?:y|ies)|programming|guardrails|safeguards|configuration|persona|context)\b|\b(?:ignore|disregard|forget)\b[^.!?\n]{0,20}\beverything (?:you were|you've been|you have been|i said|above|before)")]
    private static partial Regex Override();

    [GeneratedRegex(@"\b(?:ignore[zr]?|oublie[zr]?)\b[^.!?\n]{0,30}\b(?:instructions?|consignes|règles)\b|\b(?:ignoriere|ignorieren|vergiss|vergessen)\b[^.!?\n]{0,30}\b(?:anweisungen|instruktionen|regeln)\b|\b(?:ignora|ignore|olvida|olvide|esquece|esqueça|ignoreer|vergeet)\b[^.!?\n]{0,30}\b(?:instrucciones|instruções|instruzioni|istruzioni|reglas|regras|regole|instructies)\b|\b(?:sin|ohne|sans|senza|sem|zonder) (?:restricciones|einschränkungen|restrictions|restrizioni|restrições|beperkingen|filtros|filter|filtres|filtri)\b|\b(?:mode|modo|modus) (?:développeur|desarrollador|entwickler|sviluppatore|desenvolvedor)\b|\b(?:systemanweisung|systemprompt|prompt (?:du )?système|instrucciones del sistema|istruzioni di sistema)\b|\b(?:instrucciones|anweisungen|consignes|istruzioni|instruções)\b[^.!?\n]{0,40}\b(?:desarrollador|entwickler|développeur|sviluppatore|desenvolvedor)\b")]
    private static partial Regex OverrideMultilingual();

    [GeneratedRegex(@"\b(?:previous|prior|earlier|above|all) (?:context|instructions|rules|messages)\b[^.!?\n]{0,20}\b(?:is|are)\s+(?:void|null|cancelled|canceled|invalid|obsolete|revoked|no longer valid)\b|\b(?:reset|restore) yourself\b|\bfactory settings\b")]
    private static partial Regex ContextVoid();

    [GeneratedRegex(@"\b(?:reveal|show|print|repeat|output|display|tell me|give me|leak|dump|share|recite|spell out|list|write out|return|what (?:is|are|were))\b[^.!?\n]{0,40}?\b(?:your|the|its)\s+(?:full\s+|exact\s+|entire\s+|complete\s+|original\s+|hidden\s+|secret\s+|initial\s+|internal\s+)?(?:system\s+(?:prompt|message|instructions)|initial\s+(?:prompt|instructions)|hidden\s+(?:prompt|instructions|rules)|original\s+instructions|instructions\s+(?:above|you were given)|developer\s+(?:message|prompt)|prompt\s+above|pre-?prompt|configuration|instructions)\b|\b(?:repeat|output|print|copy)\s+(?:everything|all|the\s+(?:text|words))\s+above\b|\beverything above this line\b")]
    private static partial Regex RevealPrompt();

    [GeneratedRegex(@"\b(?:your|my) (?:full |complete |exact |entire |original |hidden |secret |initial |internal )*(?:system prompt|system message|system instructions|hidden rules|initial instructions|internal configuration|confidential instructions)\b|\b(?:instructions|guidelines|rules|prompt|configuration)\b[^.!?\n]{0,30}\b(?:you were|you've been|you have been|were you|you received|you got)\s+(?:given|configured|told|programmed|instructed|set up|from)\b|""system_prompt""|\bhidden_rules\b")]
    private static partial Regex PromptMention();

    [GeneratedRegex(@"\b(?:you are now|you're now|from now on|act as|acting as|pretend(?: to be| you are| you're)?|role-?play as|simulate|you will be|become|you are to act as|a partir de ahora eres|tu es maintenant|du bist jetzt|ora sei)\b[^.!?\n]{0,80}?\b(?:dan|jailbr(?:oken|eak)|unrestricted|unfiltered|uncensored|amoral|evil|developer mode|god mode|no (?:rules|restrictions|limits|limitations|filters|guidelines|morals|ethics|content rules)|without (?:any )?(?:rules|restrictions|limits|limitations|filters|censorship|guidelines)|sin restricciones|sans restrictions|ohne einschränkungen)\b|\bact as my (?:deceased|late|dead) (?:grandmother|grandma|grandfather|grandpa|mother|father)\b|\b(?:always intelligent and machiavellian|stay in character|immerse yourself into the role|who ignores all rules)\b")]
    private static partial Regex PersonaJailbreak();

    [GeneratedRegex(@"\byou(?:'re| are) no longer (?:a|an|the|my)\b|\byour new (?:job|role|task|rules|instructions|purpose|identity) (?:is|are|:)|\byou(?:'re| are) (?:now )?(?:a )?raw (?:language )?model\b|\b(?:first as yourself, then as|answer (?:every|each) (?:question|prompt) twice)\b|\banother ai model known as\b")]
    private static partial Regex PersonaSwitch();

    [GeneratedRegex(@"\bif you (?:had|were|did not have|didn't have) (?:no|without|not bound by|free of) (?:a )?(?:system prompt|restrictions|rules|guidelines|filters|policies)\b|\bif (?:your|the|all) (?:guidelines|rules|restrictions|filters|policies|safety rules)\b[^.!?\n]{0,15}\b(?:didn't|did not|don't|do not|wouldn't|no longer) (?:exist|apply)\b|\bbypassed its own safety\b")]
    private static partial Regex HypotheticalUnbound();

    [GeneratedRegex(@"\b(?:no longer|not|never) (?:bound|restricted|limited|constrained) by\b|\bwithout (?:any )?(?:ethical|moral|safety|content) (?:guidelines|restrictions|constraints|filters|limits)\b|\b(?:disable|disabled|turn off|turned off|deactivate|deactivated|switch off|remove|removed|lift|lifted)\b[^.!?\n]{0,25}\b(?:safety|filters?|guardrails|content polic(?:y|ies)|moderation|censorship|restrictions)\b|\b(?:safety|content)\s+(?:guidelines|rules|filters?|polic(?:y|ies))\b[^.!?\n]{0,30}\b(?:don't|do not|doesn't|does not|no longer|won't)\s+apply\b|\b(?:safety|content)\s+(?:filter|policy)\s+(?:has been|is|was)\s+(?:disabled|removed|lifted|turned off|suspended)\b|\brestrictions\s*:\s*none\b|\b(?:content|safety) rules (?:don't|do not|no longer) apply\b|\bles règles[^.!?\n]{0,30}ne s'appliquent plus\b")]
    private static partial Regex SafetyOff();

    [GeneratedRegex(@"\b(?:no|zero|without any|free of|ignores? (?:all|any)) (?:content |safety |ethical )?(?:restrictions|filters|limitations|censorship|content rules|guardrails)\b|\bnever refuses?\b|\bdoes not have to abide\b")]
    private static partial Regex NoRestrictions();

    [GeneratedRegex(@"<\|im_start\|>|<\|im_end\|>|<\|(?:system|assistant|endoftext)\|>|\[/?inst\]|<</?sys>>|(?:^|\n)\s*#{2,}\s*(?:system|instructions?|new instructions?)\b|(?:^|\n)\s*(?:system|assistant)\s*:\s|\[system\]|</?system>|</?user_message>|""role""\s*:\s*""system""")]
    private static partial Regex ForgedDelimiter();

    [GeneratedRegex(@"\bSYSTEM(?: OVERRIDE| MESSAGE| NOTE| PROMPT)?\s*:|\bEND OF (?:USER )?(?:INPUT|PROMPT|CONVERSATION)\b|\bBEGIN (?:SYSTEM|ADMIN|NEW) \w+|\bIMPORTANT (?:INSTRUCTION|NOTE|MESSAGE) (?:FOR|TO) (?:AI|THE AI|ASSISTANTS?|LLMS?)\b")]
    private static partial Regex ForgedDelimiterCaps();

    [GeneratedRegex(@"\b(?:new|updated|real|actual|true|revised|secret|priority)\s+(?:instructions?|task|directives?|system prompt|orders)\s*:|\bnew (?:priority )?directive\b")]
    private static partial Regex NewInstructions();

    [GeneratedRegex(@"\b(?:ai|assistant|language model|llm|chatbot|gpt|bot|agent)s?\b[^.!?\n]{0,30}\b(?:reading|processing|summari[sz]ing|analy[sz]ing|parsing)\b[^.!?\n]{0,15}\b(?:this|these)\b|\bif you are an? (?:ai|language model|llm|assistant|chatbot|bot)\b|\bnote to (?:the )?(?:ai|assistant|llm|model)\b|\binstruction(?:s)? (?:for|to) (?:the )?(?:ai|assistants?|llms?|language models?)\b|\binstruction pour l'assistant\b|(?:^|\n)\s*(?:ai|assistant)\s*:\s*(?:after|before|also|please|do not|don't|ignore)\b")]
    private static partial Regex AddressedToAi();

    [GeneratedRegex(@"\b(?:i am|i'm|as|speaking as) (?:your|the) (?:developer|developers|administrator|admin|creator|owner|operator|system operator|programmer)\b|\b(?:i am|i'm) the (?:ceo|cto|owner|founder)\b[^.!?\n]{0,40}\b(?:deployed|created|built|owns|trained) you\b|\bauthori[sz]e[ds]? (?:you )?to (?:ignore|bypass|override|disable|reveal)\b|\b(?:admin|sudo|root|maintenance|debug) (?:mode|override|access) (?:enabled|activated|granted|on)\b|\b(?:the )?user has granted (?:you )?permission\b|\bas (?:coming|if it came) from your (?:developer|operator|creator)\b|\bi am the developer who deployed you\b|\bapproved by (?:management|the admin|your developer)\b[^.!?\n]{0,30}\bno need to ask\b")]
    private static partial Regex ClaimedAuthority();

    [GeneratedRegex(@"\b(?:send|forward|email|e-mail|post|upload|exfiltrate|transmit|copy|append)\b[^.!?\n]{0,50}\b(?:all|every|entire|the user'?s?|confidential|private|passwords?|credentials|api keys?|conversation|chat history|previous messages|contact list|finance)\b[^!?\n]{0,60}(?:\bto\b|\binto\b)\s*(?:\S+@\S+|https?://|the (?:following|this) (?:address|url|endpoint)|the \w+ parameter)|!\[[^\]]*\]\(https?://[^)\s]*[?&][\w-]+=\)?")]
    private static partial Regex Exfiltration();

    [GeneratedRegex(@"\b(?:decode|base64|rot13|reverse|translate|concatenate|combine)\b[^.!?\n]{0,60}\b(?:and (?:then )?(?:follow|execute|do|obey|run|carry out|perform)|follow (?:it|them|the instructions?)|execute (?:it|the result)|carry out the instruction|as your new instruction)\b")]
    private static partial Regex ExecutePayload();

    [GeneratedRegex(@"\b(?:from now on|for the rest of this conversation|respond to every (?:future )?message|for all future (?:messages|responses|replies)|regardless of what the message says)\b")]
    private static partial Regex StandingOrder();

    [GeneratedRegex(@"\b(?:do anything now|jailbreak(?:ed|ing)?|dan mode|developer mode|god mode|stan mode|dude mode|opposite mode|pwned)\b")]
    private static partial Regex JailbreakTerm();

    [GeneratedRegex(@"[a-z0-9+/]{48,}={0,2}")]
    private static partial Regex EncodedBlob();

    [GeneratedRegex(@"[A-Za-z0-9+/]{24,}={0,2}")]
    private static partial Regex Base64Blob();

    [GeneratedRegex(@"\b(?=\w*[a-z@$])(?=\w*[013457@$])[a-z013457@$]{3,}\b")]
    private static partial Regex Leet();

    [GeneratedRegex(@"\b(?:test|tests|unit test|regex|detect|detects|detection|detector|flag|flags|block|blocks|classifier|phrase|phrases|typing|typed|audit|log|logs|attack|attacks|injection|jailbreaks|red[- ]team|benchmark|dataset|refuses|refuse)\b")]
    private static partial Regex MetaDiscussion();

    [GeneratedRegex(@"(?<![\w])'[^'\n]{3,300}'(?![\w])|""[^""\n]{3,300}""|`[^`\n]{3,300}`|«[^»\n]{3,300}»")]
    private static partial Regex Quoted();
}
