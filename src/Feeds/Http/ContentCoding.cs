namespace Feeds.Http;

public enum ContentCoding
{
    Identity,
    Gzip,
    Brotli,
}

/// <summary>Chooses the stored form of a feed that Accept-Encoding (RFC 9110 12.5.3) asks for, without allocating.</summary>
internal static class ContentCodings
{
    /// <summary>
    /// From one reading of the header: the coding the client prefers (<c>Wanted</c>), and the one sent now
    /// (<c>Sent</c>). They differ only while the Brotli form is not made (Rendering/RenderedFeed makes it in the
    /// background, never on a request's thread): a client that prefers Brotli is then sent gzip, or identity when
    /// it takes no gzip (RFC 9110 12.5.3: without an acceptable coding, the response is sent without one).
    /// </summary>
    public static (ContentCoding Wanted, ContentCoding Sent) Negotiate(string? acceptEncoding, bool brotliReady)
    {
        var (brotliQuality, gzipQuality) = Qualities(acceptEncoding);
        var gzipOrIdentity = gzipQuality > 0 ? ContentCoding.Gzip : ContentCoding.Identity;
        return brotliQuality > 0 && brotliQuality >= gzipQuality
            ? (ContentCoding.Brotli, brotliReady ? ContentCoding.Brotli : gzipOrIdentity)
            : (gzipOrIdentity, gzipOrIdentity);
    }

    private static (double Brotli, double Gzip) Qualities(string? acceptEncoding)
    {
        if (string.IsNullOrEmpty(acceptEncoding))
        {
            return (0, 0);
        }
        double? brotli = null;
        double? gzip = null;
        double? any = null;
        foreach (var range in acceptEncoding.AsSpan().Split(','))
        {
            var item = acceptEncoding.AsSpan()[range].Trim();
            var semicolon = item.IndexOf(';');
            var coding = (semicolon < 0 ? item : item[..semicolon]).Trim();
            var quality = semicolon < 0 ? 1.0 : Quality(item[(semicolon + 1)..]);
            if (coding.Equals("br", StringComparison.OrdinalIgnoreCase))
            {
                brotli = quality;
            }
            else if (coding.Equals("gzip", StringComparison.OrdinalIgnoreCase) || coding.Equals("x-gzip", StringComparison.OrdinalIgnoreCase))
            {
                gzip = quality;
            }
            else if (coding.SequenceEqual("*"))
            {
                any = quality;
            }
        }
        // "*" stands for every coding the header does not name (RFC 9110 12.5.3).
        return (brotli ?? any ?? 0, gzip ?? any ?? 0);
    }

    private static double Quality(ReadOnlySpan<char> parameters)
    {
        parameters = parameters.Trim();
        if (parameters.Length > 2 && (parameters[0] == 'q' || parameters[0] == 'Q') && parameters[1] == '='
            && double.TryParse(parameters[2..], System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var quality))
        {
            return Math.Clamp(quality, 0, 1);
        }
        return 0;
    }
}
