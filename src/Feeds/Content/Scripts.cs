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
/// never a URL, an id or markup. Bodies are converted once per text version and kept with the article's other
/// contents (Rendering/EntryCache); names and Feeds' words are kept here, bounded in bytes. Without OpenCC, or
/// with a configuration it cannot open, the twins are off and <see cref="Problem"/> says why.
/// </summary>
public sealed class Scripts : IDisposable
{
    /// <summary>The twins' first path segment: /zh-hans/feeds/…</summary>
    public const string SimplifiedSegment = "zh-hans";

    /// <summary>BCP 47 (RFC 5646): Chinese in the Simplified script.</summary>
    public const string SimplifiedLanguage = "zh-Hans";

    private readonly OpenCcConverter? _converter;
    private readonly string _originalLanguage;
    private readonly BoundedMemo<string, bool, string> _texts;

    public Scripts(IOptions<FeedsOptions> options, MemoryBudget budget)
    {
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

    /// <summary>A text in this script, converted each time: for the texts of one article, kept with its contents.</summary>
    public string? Convert(Script script, string? text) => script == Script.Original ? text : Converter.Convert(text);

    /// <summary>The article's cleaned texts in this script; its link, image and the names it is filed under (which name its feeds) unchanged.</summary>
    public CleanArticle Article(Script script, CleanArticle clean) => script == Script.Original ? clean : clean with
    {
        Title = Converter.Convert(clean.Title)!,
        Summary = Converter.Convert(clean.Summary),
        ContentHtml = Converter.ConvertHtml(clean.ContentHtml),
        Authors = [.. clean.Authors.Select(author => Text(script, author))],
    };

    public long TextBytes => _texts.Bytes;
    public int TextCount => _texts.Count;

    private OpenCcConverter Converter => _converter ?? throw new InvalidOperationException("The Simplified-Chinese twins are off.");

    public void Dispose()
    {
        _converter?.Dispose();
        _texts.Dispose();
    }
}
