namespace Feeds.Tests.Support;

/// <summary>OpenCC's own command-line tool (Debian's opencc), the oracle of every Simplified-Chinese text Feeds writes.</summary>
public static class OpenCcOracle
{
    public const string Tool = "/usr/bin/opencc";

    /// <summary>Skips the test when the tool is not installed (.ci/run installs it).</summary>
    public static void SkipUnlessInstalled() =>
        Assert.SkipUnless(File.Exists(Tool), $"{Tool} is not installed (apt-get install opencc libopencc1.1 libopencc-data; .ci/run does).");

    /// <summary>Whether OpenCC's library is installed: without it the server serves no twins.</summary>
    public static bool LibraryInstalled()
    {
        var installed = System.Runtime.InteropServices.NativeLibrary.TryLoad("libopencc.so.1.1", out var library);
        if (installed)
        {
            System.Runtime.InteropServices.NativeLibrary.Free(library);
        }
        return installed;
    }

    /// <summary>Skips the test when OpenCC's library is not installed.</summary>
    public static void SkipUnlessLibraryInstalled() =>
        Assert.SkipUnless(LibraryInstalled(), "libopencc.so.1.1 is not installed (apt-get install libopencc1.1 libopencc-data; .ci/run does): the server serves no Simplified-Chinese twins.");

    /// <summary>What the tool makes of the text (its input and output are files, so no newline is added).</summary>
    public static async Task<string> ConvertAsync(string configuration, string text)
    {
        using var folder = new TempFolder("feeds-opencc-");
        var input = Path.Combine(folder.FullName, "in.txt");
        var output = Path.Combine(folder.FullName, "out.txt");
        await File.WriteAllTextAsync(input, text, new System.Text.UTF8Encoding(false), TestContext.Current.CancellationToken);
        await ExternalProgram.RunAsync(Tool, ["-c", configuration, "-i", input, "-o", output]);
        return await File.ReadAllTextAsync(output, TestContext.Current.CancellationToken);
    }
}
