using System.Globalization;

namespace Feeds.Tests.Data;

/// <summary>
/// SQLite times are read by a digit-by-digit reader of the fixed-width text Feeds writes; it must agree with
/// the general parser on every instant, and leave every other shape to it.
/// </summary>
public sealed class UtcTimeTextTests
{
    private const string SqliteFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    [Fact]
    public void TheFixedWidthText_ReadsAsTheInstantItWasWrittenFrom_ToTheTick()
    {
        var random = new Random(20261201);
        var handler = new UtcDateTimeHandler();
        var instants = Enumerable.Range(0, 20_000)
            .Select(_ => new DateTime(random.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), DateTimeKind.Utc))
            .Concat([DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc), DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc),
                new DateTime(2024, 2, 29, 23, 59, 59, DateTimeKind.Utc).AddTicks(9_999_999)]);

        foreach (var instant in instants)
        {
            var text = instant.ToString(SqliteFormat, CultureInfo.InvariantCulture);

            Assert.True(UtcDateTimeHandler.TryParseSqliteText(text, out var read), text);
            Assert.Equal(instant, read);
            Assert.Equal(DateTimeKind.Utc, read.Kind);
            Assert.Equal(DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), handler.Parse(text));
        }
    }

    [Theory]
    [InlineData("2026-02-29T08:05:39.0000000Z")]  // no such day
    [InlineData("2026-13-01T08:05:39.0000000Z")]
    [InlineData("2026-11-28T24:05:39.0000000Z")]
    [InlineData("2026-11-28T08:60:39.0000000Z")]
    [InlineData("2026-11-28T08:05:60.0000000Z")]
    [InlineData("2026-11-2８T08:05:39.0000000Z")]  // a full-width digit
    [InlineData("2026-11-28 08:05:39.0000000Z")]
    [InlineData("2026-11-28T08:05:39.000000Z")]
    [InlineData("0000-11-28T08:05:39.0000000Z")]
    public void AnythingElse_IsNotTakenForTheFixedWidthText(string text)
    {
        Assert.False(UtcDateTimeHandler.TryParseSqliteText(text, out _));
    }

    [Theory]
    [InlineData("2026-11-28T16:05:39+08:00", "2026-11-28T08:05:39.0000000Z")]
    [InlineData("2026-11-28 08:05:39", "2026-11-28T08:05:39.0000000Z")]
    [InlineData("2026-11-28T08:05:39.123Z", "2026-11-28T08:05:39.1230000Z")]
    public void OtherIsoShapes_AreStillReadAsUtc(string text, string expected)
    {
        var read = new UtcDateTimeHandler().Parse(text);

        Assert.Equal(expected, read.ToString(SqliteFormat, CultureInfo.InvariantCulture));
        Assert.Equal(DateTimeKind.Utc, read.Kind);
    }
}
