using System.Runtime.InteropServices;
using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Feeds.Content;

/// <summary>
/// Converts Chinese text between scripts by phrase, as OpenCC does (軟體 becomes 软件 with tw2sp.json), through its C
/// API in Debian's libopencc1.1 (opencc_open, opencc_convert_utf8, opencc_convert_utf8_free, opencc_close). One
/// converter is shared by every thread: OpenCC's converter is thread-safe (its author, BYVoid/OpenCC#231, and its
/// unit tests). Characters it has no mapping for (CJK Extension B, emoji, ZWJ sequences) pass through unchanged.
/// Only text is converted: in HTML, text nodes and the alt and title attributes; never markup, a URL, an id or
/// another attribute.
/// </summary>
public sealed class OpenCcConverter : IDisposable
{
    private const string Library = "libopencc.so.1.1";

    // What opencc_open returns when it fails: (opencc_t) -1.
    private static readonly IntPtr OpenFailed = new(-1);

    // Between the texts of one HTML body, converted in one call: U+0001 is not allowed in XML 1.0, so no text that
    // reaches a feed holds it (Content/XmlText), and OpenCC maps it to itself and matches no phrase across it.
    private const char Separator = '\u0001';

    // The attributes whose values are text for a person (HTML: alt, title); every other attribute is left alone.
    private static readonly string[] TextAttributes = ["alt", "title"];

    private readonly HtmlParser _parser = new();
    private readonly OpenCcLibrary _library;
    private IntPtr _handle;

    private OpenCcConverter(OpenCcLibrary library, IntPtr handle, string configuration)
    {
        _library = library;
        _handle = handle;
        Configuration = configuration;
    }

    /// <summary>The OpenCC configuration it converts with: "t2s.json", "tw2sp.json", …</summary>
    public string Configuration { get; }

    /// <summary>
    /// A converter with <paramref name="configuration"/> (a file name of /usr/share/opencc, or a path), or null and
    /// <paramref name="problem"/>, one line saying why: the library is not installed, or the configuration cannot be
    /// opened.
    /// </summary>
    public static OpenCcConverter? TryOpen(string configuration, out string? problem) => TryOpen(configuration, Library, out problem);

    /// <summary>As <see cref="TryOpen(string, out string?)"/>, from the library file <paramref name="library"/> (a test names one that is not there).</summary>
    internal static OpenCcConverter? TryOpen(string configuration, string library, out string? problem)
    {
        problem = null;
        if (OpenCcLibrary.Load(library) is not { } loaded)
        {
            problem = $"OpenCC ({library}) is not installed: apt-get install libopencc1.1 libopencc-data";
            return null;
        }
        var handle = loaded.Open(configuration);
        if (handle == OpenFailed || handle == IntPtr.Zero)
        {
            problem = $"OpenCC cannot open the configuration '{configuration}': {Marshal.PtrToStringUTF8(loaded.Error())?.ReplaceLineEndings(" ").Trim()}";
            return null;
        }
        return new OpenCcConverter(loaded, handle, configuration);
    }

    /// <summary>The text converted; null stays null.</summary>
    public string? Convert(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }
        var input = Encoding.UTF8.GetBytes(text);
        var output = _library.ConvertUtf8(Handle, input, (nuint)input.Length);
        if (output == IntPtr.Zero)
        {
            throw new InvalidOperationException($"OpenCC could not convert a text: {Marshal.PtrToStringUTF8(_library.Error())}");
        }
        try
        {
            return Marshal.PtrToStringUTF8(output) ?? "";
        }
        finally
        {
            _library.FreeUtf8(output);
        }
    }

    /// <summary>
    /// The HTML with its text converted: every text node, and the values of alt and title; the markup, every URL
    /// and every other attribute as they were. The body is serialised again by the parser that cleaned it
    /// (Content/ArticleHtml), so what is not text keeps its bytes.
    /// </summary>
    public string? ConvertHtml(string? html)
    {
        if (string.IsNullOrEmpty(html))
        {
            return html;
        }
        using var document = _parser.ParseDocument(string.Empty);
        var body = document.Body!;
        body.InnerHtml = html;
        var texts = new List<Action<string>>();
        var originals = new List<string>();
        foreach (var node in body.Descendants())
        {
            if (node is IText text && text.Data.Length > 0)
            {
                originals.Add(text.Data);
                texts.Add(converted => text.Data = converted);
            }
            else if (node is IElement element)
            {
                foreach (var name in TextAttributes)
                {
                    if (element.GetAttribute(name) is { Length: > 0 } value)
                    {
                        originals.Add(value);
                        texts.Add(converted => element.SetAttribute(name, converted));
                    }
                }
            }
        }
        if (originals.Count == 0)
        {
            return html;
        }
        var converted = Convert(string.Join(Separator, originals))!.Split(Separator);
        if (converted.Length != originals.Count)
        {
            throw new InvalidOperationException("OpenCC changed the number of texts of a body.");
        }
        for (var i = 0; i < converted.Length; i++)
        {
            if (!string.Equals(converted[i], originals[i], StringComparison.Ordinal))
            {
                texts[i](converted[i]);
            }
        }
        return body.InnerHtml;
    }

    public void Dispose()
    {
        var handle = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (handle != IntPtr.Zero)
        {
            _ = _library.Close(handle);
        }
    }

    private IntPtr Handle => _handle != IntPtr.Zero ? _handle : throw new ObjectDisposedException(nameof(OpenCcConverter));
}

/// <summary>
/// OpenCC's C API (opencc.h), loaded by file name: a missing library is an answer (null), not an exception at the
/// first call, and a test can name one that is not there.
/// </summary>
internal sealed class OpenCcLibrary
{
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate IntPtr OpenFunction([MarshalAs(UnmanagedType.LPUTF8Str)] string configFileName);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate IntPtr ConvertFunction(IntPtr opencc, byte[] input, nuint length);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate void FreeFunction(IntPtr text);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int CloseFunction(IntPtr opencc);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate IntPtr ErrorFunction();

    public required OpenFunction Open { get; init; }
    public required ConvertFunction ConvertUtf8 { get; init; }
    public required FreeFunction FreeUtf8 { get; init; }
    public required CloseFunction Close { get; init; }
    public required ErrorFunction Error { get; init; }

    /// <summary>The API of the library file, or null when it cannot be loaded or lacks a function.</summary>
    public static OpenCcLibrary? Load(string library)
    {
        if (!NativeLibrary.TryLoad(library, out var handle))
        {
            return null;
        }
        try
        {
            return new OpenCcLibrary
            {
                Open = Function<OpenFunction>(handle, "opencc_open"),
                ConvertUtf8 = Function<ConvertFunction>(handle, "opencc_convert_utf8"),
                FreeUtf8 = Function<FreeFunction>(handle, "opencc_convert_utf8_free"),
                Close = Function<CloseFunction>(handle, "opencc_close"),
                Error = Function<ErrorFunction>(handle, "opencc_error"),
            };
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
    }

    private static T Function<T>(IntPtr library, string name) where T : Delegate =>
        Marshal.GetDelegateForFunctionPointer<T>(NativeLibrary.GetExport(library, name));
}
