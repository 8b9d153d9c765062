using System.Security.Cryptography;
using System.Text;
using Feeds.Fleet;
using Feeds.Rendering;
using Microsoft.Extensions.Options;

namespace Feeds.Content;

/// <summary>The script a document is served in: as the newsroom wrote it, or its Simplified-Chinese twin.</summary>
public enum Script
{
    Original,
    Simplified,
}

/// <summary>
/// What makes a Simplified-Chinese twin of a document: its language, and its texts converted by OpenCC
/// (Content/OpenCcConverter) with Feeds:SimplifiedChinese:Configuration. Only text is converted: titles,
/// summaries, the text of bodies, the names of categories, tags, authors and sources, and Feeds' own words;
/// never a URL, an id or markup. An article's texts are converted once per text version and kept with its other
/// contents (Rendering/EntryCache), and shared with the other instances through Redis by what they are
/// (<see cref="FindSharedAsync"/>), so a fleet converts each text once; names and Feeds' words are kept here,
/// bounded in bytes. Without OpenCC, or with a configuration it cannot open, the twins are off and
/// <see cref="Problem"/> says why.
/// </summary>
public sealed class Scripts : IDisposable
{
    /// <summary>The twins' first path segment: /zh-hans/feeds/…</summary>
    public const string SimplifiedSegment = "zh-hans";

    /// <summary>BCP 47 (RFC 5646): Chinese in the Simplified script.</summary>
    public const string SimplifiedLanguage = "zh-Hans";

    // Part of every shared conversion's name: bump it when the way a text is converted changes (ConvertHtml).
    private const string ConversionVersion = "1";

    private readonly OpenCcConverter? _converter;
    private readonly string _originalLanguage;
    private readonly BoundedMemo<string, bool, string> _texts;
    private readonly RedisFeedStore? _shared;
    private readonly FeedsMetrics? _metrics;

    public Scripts(IOptions<FeedsOptions> options, MemoryBudget budget, RedisFeedStore? shared = null, FeedsMetrics? metrics = null)
    {
        _shared = shared;
        _metrics = metrics;
        var settings = options.Value.SimplifiedChinese;
        _originalLanguage = options.Value.Language;
        _texts = new BoundedMemo<string, bool, string>(budget.ConvertedTextBytes, (_, _) => true, converted => 2 * MemoryBudget.BytesOf(converted));
        if (settings.Enabled)
        {
            _converter = OpenCcConverter.TryOpen(settings.Configuration, out var problem);
            Problem = problem;
        }
        Served = _converter is null ? [Script.Original] : [Script.Original, Script.Simplified];
    }

    /// <summary>Why the twins are off although Feeds:SimplifiedChinese:Enabled is on, in one line; null otherwise.</summary>
    public string? Problem { get; }

    /// <summary>The scripts served: the original, and the Simplified twin when it is on.</summary>
    public IReadOnlyList<Script> Served { get; }

    public bool Serves(Script script) => Served.Contains(script);

    /// <summary>The configuration the twins are converted with, or null when they are off (part of the settings' fingerprint).</summary>
    public string? Configuration => _converter?.Configuration;

    /// <summary>The language a document in this script says it is in (RSS language, Atom xml:lang, JSON Feed language, HTML lang).</summary>
    public string LanguageOf(Script script) => script == Script.Simplified ? SimplifiedLanguage : _originalLanguage;

    /// <summary>The path every address of a document in this script starts with, below the public base: "" or "zh-hans/".</summary>
    public static string PathOf(Script script) => script == Script.Simplified ? SimplifiedSegment + "/" : "";

    /// <summary>The other script's, for the links between twins.</summary>
    public Script? TwinOf(Script script) => Served.Count < 2 ? null : script == Script.Original ? Script.Simplified : Script.Original;

    /// <summary>
    /// A short text (a name, a title, Feeds' own words) in this script, converted once and kept: the same names
    /// recur in every entry and every page.
    /// </summary>
    public string Text(Script script, string text) =>
        script == Script.Original || text.Length == 0 ? text : _texts.GetOrAdd(text, true, () => Converter.Convert(text)!);

    /// <summary>A text in this script, converted each time and not kept here: for a text its caller keeps (the twin stylesheet's).</summary>
    public string? Convert(Script script, string? text) => script == Script.Original ? text : Converter.Convert(text);

    /// <summary>
    /// The article's cleaned texts in this script, each taken from <paramref name="shared"/> when another instance
    /// converted it, else converted here (and noted there, to be shared); its link, image and the names it is filed
    /// under (which name its feeds) unchanged.
    /// </summary>
    public CleanArticle Article(Script script, CleanArticle clean, SharedConversions? shared = null)
    {
        if (script == Script.Original)
        {
            return clean;
        }
        shared ??= new SharedConversions(new Dictionary<string, string>());
        return clean with
        {
            Title = shared.Get(NameOf(TextKind, clean.Title), () => Converter.Convert(clean.Title)!),
            Summary = clean.Summary is null ? null : shared.Get(NameOf(TextKind, clean.Summary), () => Converter.Convert(clean.Summary)!),
            ContentHtml = clean.ContentHtml is null ? null : shared.Get(NameOf(HtmlKind, clean.ContentHtml), () => Converter.ConvertHtml(clean.ContentHtml)!),
            Authors = [.. clean.Authors.Select(author => Text(script, author))],
        };
    }

    /// <summary>
    /// What any instance converted before of these articles' texts, read from Redis in one round trip (none
    /// without Redis); null for the original script.
    /// </summary>
    public async Task<SharedConversions?> FindSharedAsync(Script script, IEnumerable<CleanArticle> articles)
    {
        if (script == Script.Original)
        {
            return null;
        }
        var names = _shared is { Enabled: true } ? articles.SelectMany(Names).Distinct().ToList() : [];
        var texts = names.Count == 0 ? [] : await _shared!.GetTextsAsync(names);
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            if (texts[i] is { } text)
            {
                found[names[i]] = text;
            }
        }
        _metrics?.Converted("shared", found.Count);
        return new SharedConversions(found);

        IEnumerable<string> Names(CleanArticle clean) =>
            new[] { (TextKind, clean.Title), (TextKind, clean.Summary), (HtmlKind, clean.ContentHtml) }
                .Where(text => text.Item2 is not null).Select(text => NameOf(text.Item1, text.Item2!));
    }

    /// <summary>Gives the other instances what this render converted (in one round trip).</summary>
    public async Task ShareAsync(SharedConversions? conversions)
    {
        if (conversions is null)
        {
            return;
        }
        var made = conversions.Made();
        _metrics?.Converted("converted", made.Count);
        if (_shared is { Enabled: true })
        {
            await _shared.SetTextsAsync(made);
        }
    }

    private const string TextKind = "text";
    private const string HtmlKind = "html";

    /// <summary>A converted text's name among the instances: what it was, how it is written, and how it was converted.</summary>
    private string NameOf(string kind, string text) =>
        "zh-hans:" + System.Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{ConversionVersion}\n{Configuration}\n{kind}\n{text}")).AsSpan(0, 16));

    public long TextBytes => _texts.Bytes;
    public int TextCount => _texts.Count;

    private OpenCcConverter Converter => _converter ?? throw new InvalidOperationException("The Simplified-Chinese twins are off.");

    public void Dispose()
    {
        _converter?.Dispose();
        _texts.Dispose();
    }
}

/// <summary>
/// One render's converted texts: those found in Redis by name (Content/Scripts), and those converted here, to be
/// shared after the render.
/// </summary>
public sealed class SharedConversions(Dictionary<string, string> found)
{
    private readonly List<(string Name, string Text)> _made = [];

    /// <summary>The text converted before under this name, or <paramref name="convert"/>'s, noted to be shared.</summary>
    public string Get(string name, Func<string> convert)
    {
        if (found.TryGetValue(name, out var text))
        {
            return text;
        }
        text = convert();
        lock (_made)
        {
            _made.Add((name, text));
        }
        return text;
    }

    public IReadOnlyList<(string Name, string Text)> Made()
    {
        lock (_made)
        {
            return [.. _made];
        }
    }
}
