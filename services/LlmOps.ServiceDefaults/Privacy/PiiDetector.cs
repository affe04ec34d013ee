using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using LlmOps.Contracts.Inference;

namespace LlmOps.ServiceDefaults.Privacy;

/// <summary>
/// Finds personal data and secrets in text with patterns plus the checks that keep look-alikes out: card numbers must
/// pass the Luhn check, IBANs the ISO 13616 mod-97 check, US social security numbers must have a valid area, group and
/// serial, IPv4 addresses four octets of 0–255 not followed by more version-like parts. Phone numbers are the weakest:
/// international (+), bracketed area code, or the North American 3-3-4 / 3-4 shapes only, so a bare run of digits is
/// never a phone. Shared by the gateway's PII rails and the trace collector's redaction at ingest. Where matches overlap, the more specific kind wins (secret, IBAN, card, id, e-mail, IP, phone).
/// </summary>
public static partial class PiiDetector
{
    public readonly record struct Match(string Kind, int Start, int Length);

    private static readonly string[] Priority = [PiiKinds.Secret, PiiKinds.Iban, PiiKinds.Card, PiiKinds.NationalId, PiiKinds.Email, PiiKinds.Ip, PiiKinds.Phone];

    public static List<Match> Find(string text, IReadOnlySet<string> kinds)
    {
        var found = new List<Match>();
        if (text.Length == 0)
            return found;
        var hasDigit = text.AsSpan().IndexOfAnyInRange('0', '9') >= 0;

        if (kinds.Contains(PiiKinds.Secret))
            FindSecrets(text, found);
        if (hasDigit && kinds.Contains(PiiKinds.Card))
            Collect(CardCandidate(), text, PiiKinds.Card, found, m => Luhn(m.Value));
        if (hasDigit && kinds.Contains(PiiKinds.Iban))
            Collect(IbanCandidate(), text, PiiKinds.Iban, found, m => IbanValid(m.Value));
        if (hasDigit && kinds.Contains(PiiKinds.NationalId))
        {
            Collect(UsSsn(), text, PiiKinds.NationalId, found);
            Collect(UkNino(), text, PiiKinds.NationalId, found);
        }
        if (kinds.Contains(PiiKinds.Email) && text.Contains('@'))
            Collect(Email(), text, PiiKinds.Email, found);
        if (kinds.Contains(PiiKinds.Ip))
        {
            if (hasDigit)
                Collect(Ipv4(), text, PiiKinds.Ip, found);
            if (text.Contains(':'))
                Collect(Ipv6Candidate(), text, PiiKinds.Ip, found, m => IsIpv6(m.Value));
        }
        if (hasDigit && kinds.Contains(PiiKinds.Phone))
            Collect(Phone(), text, PiiKinds.Phone, found, PhoneLike);

        return found.Count <= 1 ? found : ResolveOverlaps(found);
    }

    /// <summary>Replaces each match with its kind in brackets, e.g. <c>[EMAIL]</c>.</summary>
    public static string Redact(string text, IReadOnlyList<Match> matches)
    {
        if (matches.Count == 0)
            return text;
        var result = new StringBuilder(text.Length);
        var position = 0;
        foreach (var match in matches.OrderBy(m => m.Start))
        {
            if (match.Start < position)
                continue;
            result.Append(text, position, match.Start - position).Append('[').Append(match.Kind.ToUpperInvariant()).Append(']');
            position = match.Start + match.Length;
        }
        return result.Append(text, position, text.Length - position).ToString();
    }

    private static void Collect(Regex pattern, string text, string kind, List<Match> found, Func<System.Text.RegularExpressions.Match, bool>? valid = null)
    {
        foreach (System.Text.RegularExpressions.Match m in pattern.Matches(text))
        {
            if (valid is null || valid(m))
                found.Add(new Match(kind, m.Index, m.Length));
        }
    }

    private static void FindSecrets(string text, List<Match> found)
    {
        foreach (System.Text.RegularExpressions.Match m in KnownSecret().Matches(text))
            found.Add(new Match(PiiKinds.Secret, m.Index, m.Length));
        if (text.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            foreach (System.Text.RegularExpressions.Match m in PrivateKey().Matches(text))
                found.Add(new Match(PiiKinds.Secret, m.Index, m.Length));
        }
        foreach (System.Text.RegularExpressions.Match m in SecretAssignment().Matches(text))
        {
            // Only the value is the secret, and only when it looks generated rather than like a word or a placeholder.
            var value = m.Groups["value"];
            if (LooksGenerated(value.Value))
                found.Add(new Match(PiiKinds.Secret, value.Index, value.Length));
        }
    }

    private static List<Match> ResolveOverlaps(List<Match> found)
    {
        found.Sort((a, b) => Array.IndexOf(Priority, a.Kind) is var pa && Array.IndexOf(Priority, b.Kind) is var pb && pa != pb
            ? pa.CompareTo(pb)
            : a.Start.CompareTo(b.Start));
        var kept = new List<Match>(found.Count);
        foreach (var match in found)
        {
            if (!kept.Any(k => match.Start < k.Start + k.Length && k.Start < match.Start + match.Length))
                kept.Add(match);
        }
        kept.Sort((a, b) => a.Start.CompareTo(b.Start));
        return kept;
    }

    public static bool Luhn(string candidate)
    {
        int sum = 0, digits = 0;
        for (var i = candidate.Length - 1; i >= 0; i--)
        {
            var c = candidate[i];
            if (c is ' ' or '-')
                continue;
            var d = c - '0';
            if (digits++ % 2 == 1)
                d = d * 2 > 9 ? d * 2 - 9 : d * 2;
            sum += d;
        }
        // All-same digits (0000 0000 ...) pass Luhn but are placeholders, not cards.
        return digits is >= 13 and <= 19 && sum % 10 == 0 && candidate.Distinct().Count(char.IsAsciiDigit) > 1;
    }

    public static bool IbanValid(string candidate)
    {
        Span<char> compact = stackalloc char[candidate.Length];
        var length = 0;
        foreach (var c in candidate)
        {
            if (c != ' ')
                compact[length++] = c;
        }
        if (length is < 15 or > 34)
            return false;
        // Move the country code and check digits to the end, letters become 10..35, and the number mod 97 must be 1.
        var remainder = 0;
        for (var i = 0; i < length; i++)
        {
            var c = compact[(i + 4) % length];
            if (char.IsAsciiDigit(c))
                remainder = (remainder * 10 + (c - '0')) % 97;
            else if (char.IsAsciiLetterUpper(c))
                remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
            else
                return false;
        }
        return remainder == 1;
    }

    private static bool IsIpv6(string candidate) =>
        (candidate.Contains("::", StringComparison.Ordinal) || candidate.Count(c => c == ':') == 7)
        && candidate.Any(char.IsAsciiHexDigit)
        && IPAddress.TryParse(candidate, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6;

    private static bool PhoneLike(System.Text.RegularExpressions.Match m)
    {
        var digits = m.Value.Count(char.IsAsciiDigit);
        var value = m.Value;
        if (value.StartsWith('+'))
            return digits is >= 8 and <= 15;
        return digits is 7 or 10 or 11;
    }

    private static bool LooksGenerated(string value)
    {
        if (value.Length < 8 || value.StartsWith("${", StringComparison.Ordinal) || value.StartsWith('<') || value.Contains("xxxx", StringComparison.OrdinalIgnoreCase))
            return false;
        var letters = value.Count(char.IsAsciiLetter);
        var digits = value.Count(char.IsAsciiDigit);
        var others = value.Length - letters - digits;
        // Mixed character classes, or long enough that it is unlikely to be a word.
        return (letters > 0 && digits > 0) || others > 0 && letters > 0 || value.Length >= 20;
    }

    [GeneratedRegex(@"(?<![\w.+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}\b")]
    private static partial Regex Email();

    [GeneratedRegex(@"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")]
    private static partial Regex CardCandidate();

    [GeneratedRegex(@"(?<![\w])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![\w])")]
    private static partial Regex IbanCandidate();

    [GeneratedRegex(@"(?<![\w-])(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\w-])")]
    private static partial Regex UsSsn();

    [GeneratedRegex(@"(?<![\w])(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![\w])")]
    private static partial Regex UkNino();

    [GeneratedRegex(@"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\.?[\w-])")]
    private static partial Regex Ipv4();

    [GeneratedRegex(@"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")]
    private static partial Regex Ipv6Candidate();

    // +CC national, (area) local, 3-3-4 and 3-4, and trunk-prefixed national numbers (0 then 2–4 digit area, UK/EU
    // style): separators space, dot or dash.
    [GeneratedRegex(@"(?<![\w+.-])(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,5}(?:[ .-]?\d{2,5}){1,4}|\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}|\d{3}([ .-])\d{3}\1\d{4}|\d{3}-\d{4}|0\d{2,4}[ -]\d{3,4}[ -]?\d{3,4})(?![\w-]|\.\d)")]
    private static partial Regex Phone();

    [GeneratedRegex(@"(?<![\w-])(?:sk-(?:proj-|ant-[a-z0-9]{2,6}-|svcacct-)?[A-Za-z0-9_-]{20,}|[rs]k_(?:live|test)_[A-Za-z0-9]{16,}|(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,}|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}|llmops-(?:sk|admin)-[A-Za-z0-9_-]{20,})")]
    private static partial Regex KnownSecret();

    [GeneratedRegex(@"-----BEGIN [A-Z ]{0,20}PRIVATE KEY-----[\s\S]{0,8192}?(?:-----END [A-Z ]{0,20}PRIVATE KEY-----|$)")]
    private static partial Regex PrivateKey();

    [GeneratedRegex(@"(?i)(?<![a-z0-9])(?:[a-z0-9]+[_-])*(?:password|passwd|pwd|secret|client[_-]?secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token|bearer)\b[""']?\s*(?:[:=]|is)\s*[""']?(?<value>[^\s""',;]{8,200})")]
    private static partial Regex SecretAssignment();
}
