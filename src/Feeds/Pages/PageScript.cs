using Feeds.Content;
using Feeds.Formats;
using Feeds.Publishing;

namespace Feeds.Pages;

/// <summary>
/// The script a page is written in (Content/Scripts): the addresses it links, its language, Feeds' words and
/// the site's names in that script, and the same page in the other script, when twins are served.
/// </summary>
internal sealed record PageScript(FeedUrls Urls, string Language, Func<string, string> Say, FeedUrls? TwinUrls, string? TwinLanguage)
{
    public static PageScript Of(Scripts scripts, FeedUrls urls, Script script)
    {
        var twin = scripts.TwinOf(script);
        return new(urls.In(script), scripts.LanguageOf(script), text => scripts.Text(script, text),
            twin is null ? null : urls.In(twin.Value), twin is null ? null : scripts.LanguageOf(twin.Value));
    }

    /// <summary>The page at <paramref name="address"/> in the other script, as an alternate with its language; null without twins.</summary>
    public PageAlternate? Twin(Func<FeedUrls, Uri> address) =>
        TwinUrls is null ? null : new PageAlternate(HtmlPage.MediaType, "", address(TwinUrls), TwinLanguage);

    /// <summary>The site's feeds in the other script, for autodiscovery with their language; none without twins.</summary>
    public IEnumerable<PageAlternate> TwinFeeds(FeedKey feed, string title) => TwinUrls is null
        ? []
        : FeedFormat.All.Select(format => new PageAlternate(format.MediaType, $"{title} ({format.Extension}, {TwinLanguage})", TwinUrls.Feed(feed, format), TwinLanguage));
}
