using System.Collections.Frozen;

namespace LlmOps.Evaluator.Features.Checks;

/// <summary>
/// What tells the Latin-script languages apart: their most frequent function words, and letters that only some of them
/// use. A word or letter shared by several languages counts for each of them, divided among them.
/// </summary>
internal static class LatinProfiles
{
    public static readonly string[] Languages = ["en", "es", "fr", "de", "it", "pt", "nl", "sv", "pl", "tr"];

    // Words are split at apostrophes, so elisions appear as their stems (English "don't" → "don", "t";
    // French "l'eau" → "l", "eau"; Italian "dell'anno" → "dell", "anno").
    private static readonly string[][] StopWords =
    [
        // en
        ["the", "of", "and", "to", "a", "in", "is", "it", "you", "that", "for", "on", "with", "as", "are", "this", "be", "was",
         "have", "not", "or", "by", "from", "at", "but", "can", "your", "an", "will", "if", "which", "would", "there", "they",
         "what", "so", "all", "about", "more", "should", "has", "do", "these", "when", "we", "here", "also", "i", "my", "how",
         "than", "then", "just", "into", "s", "t", "don", "ll", "ve", "its", "our", "their", "them", "some", "any", "need",
         "make", "sure", "get", "use", "out", "up", "let", "know", "been", "were", "one"],
        // es
        ["de", "la", "que", "el", "en", "y", "a", "los", "se", "del", "las", "un", "por", "con", "no", "una", "su", "para",
         "es", "al", "lo", "como", "más", "pero", "sus", "le", "ya", "o", "este", "sí", "porque", "esta", "entre", "cuando",
         "muy", "sin", "sobre", "también", "me", "hasta", "hay", "donde", "puedes", "puede", "tu", "usted", "estos", "está",
         "son", "ser", "tiene", "hacer", "esto", "si", "te", "mi", "otro", "cada", "todo", "todos", "debes", "aquí", "qué"],
        // fr
        ["le", "la", "les", "de", "des", "du", "et", "à", "un", "une", "est", "que", "qui", "en", "dans", "pour", "pas", "sur",
         "au", "aux", "avec", "ne", "se", "ce", "il", "elle", "vous", "nous", "on", "par", "plus", "sont", "mais", "ou", "où",
         "son", "sa", "ses", "cette", "ces", "comme", "été", "être", "peut", "fait", "si", "tout", "très", "aussi", "je",
         "votre", "vos", "leur", "l", "d", "qu", "c", "j", "n", "y", "avez", "faut", "peux", "sans", "bien", "voici", "ça"],
        // de
        ["der", "die", "und", "in", "den", "von", "zu", "das", "mit", "sich", "des", "auf", "für", "ist", "im", "dem", "nicht",
         "ein", "eine", "als", "auch", "es", "an", "werden", "aus", "er", "hat", "dass", "sie", "nach", "wird", "bei", "einer",
         "um", "am", "sind", "noch", "wie", "einem", "über", "einen", "so", "zum", "war", "haben", "nur", "oder", "aber", "vor",
         "zur", "bis", "mehr", "durch", "man", "kann", "können", "ich", "du", "wenn", "diese", "dieser", "hier", "sehr", "ihre",
         "ihr", "mein", "wir", "uns", "gibt", "sollten", "müssen", "dann", "keine", "kein"],
        // it
        ["il", "di", "che", "e", "la", "le", "lo", "gli", "un", "una", "uno", "per", "non", "in", "del", "della", "dei", "delle",
         "al", "alla", "con", "è", "sono", "si", "da", "dal", "come", "ma", "anche", "più", "questo", "questa", "se", "ci", "mi",
         "ti", "può", "puoi", "essere", "molto", "quando", "perché", "nel", "nella", "sul", "sulla", "tra", "fra", "l", "dell",
         "nell", "c", "ha", "hai", "hanno", "o", "suo", "sua", "tuo", "tua", "ecco", "degli", "ai", "alle", "cosa", "devi"],
        // pt
        ["de", "a", "o", "que", "e", "do", "da", "em", "um", "uma", "para", "é", "com", "não", "os", "as", "no", "na", "se",
         "por", "mais", "dos", "das", "ao", "como", "mas", "foi", "ele", "ela", "isso", "isto", "seu", "sua", "ou", "quando",
         "muito", "nos", "já", "também", "só", "pelo", "pela", "até", "você", "pode", "ser", "está", "são", "tem", "esse",
         "essa", "este", "esta", "sobre", "entre", "ter", "há", "aqui", "seus", "suas", "nas", "num", "numa", "precisa", "vai"],
        // nl
        ["de", "en", "van", "het", "een", "in", "is", "dat", "op", "te", "zijn", "voor", "met", "die", "niet", "aan", "er",
         "om", "ook", "als", "dan", "maar", "bij", "of", "uit", "nog", "kan", "wat", "je", "u", "worden", "wordt", "naar",
         "hij", "deze", "dit", "zo", "door", "over", "ze", "al", "meer", "geen", "heeft", "hebben", "jouw", "uw", "moet",
         "kunt", "waar", "wel", "hoe", "dus", "jij", "we", "wij", "hier", "zal", "zou", "kunnen", "mijn", "was", "ik"],
        // sv
        ["och", "i", "att", "det", "som", "en", "på", "är", "av", "för", "med", "till", "den", "har", "de", "inte", "om",
         "ett", "men", "var", "sig", "så", "kan", "jag", "vi", "du", "från", "eller", "vid", "efter", "när", "nu", "hur",
         "här", "också", "bara", "mycket", "skulle", "detta", "dessa", "finns", "måste", "kommer", "får", "din", "ditt",
         "sina", "vara", "blir", "man", "alla", "än", "dig", "mig", "sitt", "sin", "ska", "vill", "någon", "något"],
        // pl
        ["i", "w", "z", "na", "się", "nie", "do", "to", "że", "jest", "o", "jak", "a", "co", "po", "ale", "od", "za", "tak",
         "jego", "dla", "czy", "są", "przez", "może", "tylko", "już", "ten", "ta", "te", "tym", "oraz", "lub", "być", "przy",
         "który", "która", "które", "jeśli", "aby", "można", "gdy", "bardzo", "także", "tego", "tej", "go", "ich", "jej",
         "mi", "sobie", "więc", "jako", "nad", "pod", "mnie", "bez", "możesz", "należy", "ze", "we", "twój", "twoje"],
        // tr
        ["ve", "bir", "bu", "da", "de", "için", "ile", "çok", "daha", "ne", "o", "gibi", "en", "ama", "olarak", "var", "yok",
         "sonra", "kadar", "her", "şey", "mi", "mı", "ben", "sen", "biz", "siz", "onlar", "olan", "ise", "değil", "veya",
         "ya", "nasıl", "neden", "şu", "bunu", "bunun", "ki", "oldu", "olur", "bana", "size", "sizin", "göre", "ancak",
         "tüm", "tek", "diye", "hem", "eğer", "yani", "çünkü", "hiç", "şimdi", "zaman", "olabilir", "gerekir", "lütfen"],
    ];

    /// <summary>Each stop word with the languages it belongs to, as a bit set over <see cref="Languages"/>.</summary>
    public static readonly FrozenDictionary<string, int> Words = BuildWords();

    /// <summary>Looks words up by span, so that a word never becomes a string.</summary>
    public static readonly FrozenDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> WordsBySpan =
        Words.GetAlternateLookup<ReadOnlySpan<char>>();

    private static FrozenDictionary<string, int> BuildWords()
    {
        var words = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var language = 0; language < StopWords.Length; language++)
            foreach (var word in StopWords[language])
                words[word] = words.GetValueOrDefault(word) | (1 << language);
        return words.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>
    /// The languages a lower-case letter points to (bit set over <see cref="Languages"/>), 0 for letters all of them
    /// use. Letters common to the Romance languages (é, ó…) are left out: they say little once shared four ways.
    /// </summary>
    public static int LettersOf(char lower) => lower switch
    {
        'ñ' or '¿' or '¡' => Es,
        'á' or 'í' or 'ú' => Es | Pt,
        'ß' => De,
        'ä' => De | Sv,
        'ö' => De | Sv | Tr,
        'ü' => De | Tr,
        'ç' => Fr | Pt | Tr,
        'è' or 'ù' => Fr | It,
        'ê' or 'ô' => Fr | Pt,
        'à' => Fr | It | Pt,
        'î' or 'û' or 'œ' or 'ë' or 'ï' => Fr,
        'ã' or 'õ' => Pt,
        'ì' or 'ò' => It,
        'å' => Sv,
        'ą' or 'ć' or 'ę' or 'ł' or 'ń' or 'ś' or 'ź' or 'ż' => Pl,
        'ğ' or 'ı' or 'ş' => Tr,
        _ => 0,
    };

    // Bits in the order of Languages.
    private const int Es = 1 << 1, Fr = 1 << 2, De = 1 << 3, It = 1 << 4, Pt = 1 << 5, Sv = 1 << 7, Pl = 1 << 8, Tr = 1 << 9;
}
