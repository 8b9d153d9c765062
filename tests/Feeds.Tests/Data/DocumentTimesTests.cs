namespace Feeds.Tests.Data;

/// <summary>
/// The rules of a document's Last-Modified (Data/DocumentTimes), one body per provider: the time holds while the
/// bytes do, moves to a later second for new bytes even within the same second, and is withheld from bytes older
/// than those the last time was given for.
/// </summary>
public sealed class DocumentTimesTests : FeedsTest
{
    [Theory, MemberData(nameof(Providers))]
    public async Task TheTimeHoldsWhileTheBytesDo_MovesLaterForNewBytes_AndIsWithheldFromOlderBytes(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var clock = new TestClock();
        var times = new DocumentTimes(db.Database, clock);
        var start = TestClock.Start.UtcDateTime;

        var first = await times.LastModifiedAsync("doc", "W/\"1\"", mark: 10, Cancel);
        var again = await times.LastModifiedAsync("doc", "W/\"1\"", mark: 12, Cancel);
        var otherDocument = await times.LastModifiedAsync("other", "W/\"9\"", mark: 12, Cancel);
        var sameSecond = await times.LastModifiedAsync("doc", "W/\"2\"", mark: 12, Cancel);
        var olderBytes = await times.LastModifiedAsync("doc", "W/\"1\"", mark: 11, Cancel);
        var behind = await times.LastModifiedAsync("doc", "W/\"3\"", mark: 11, Cancel);
        clock.Advance(TimeSpan.FromMinutes(5));
        var later = await times.LastModifiedAsync("doc", "W/\"4\"", mark: 20, Cancel);
        var backAgain = await times.LastModifiedAsync("doc", "W/\"1\"", mark: 21, Cancel);

        Assert.Equal(start, first);
        Assert.Equal(start, again);
        Assert.Equal(start, otherDocument);
        // Two versions in one second: the second is given the next second, never the same one.
        Assert.Equal(start.AddSeconds(1), sameSecond);
        // Bytes read below the mark the current time was given at are older than what readers were given.
        Assert.Null(olderBytes);
        Assert.Null(behind);
        Assert.Equal(start.AddMinutes(5), later);
        // Bytes seen long ago and back now are new bytes for a reader holding the ones between.
        Assert.Equal(start.AddMinutes(5).AddSeconds(1), backAgain);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task InstancesRacingOverOneDocument_AgreeOnOneTime(string provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var clock = new TestClock();
        var instances = Enumerable.Range(0, 8).Select(_ => new DocumentTimes(db.Database, clock)).ToList();

        var firstTimes = await Task.WhenAll(instances.Select(times => times.LastModifiedAsync("doc", "W/\"1\"", mark: 1, Cancel)));
        var secondTimes = await Task.WhenAll(instances.Select(times => times.LastModifiedAsync("doc", "W/\"2\"", mark: 2, Cancel)));

        Assert.Equal(TestClock.Start.UtcDateTime, Assert.Single(firstTimes.Distinct()));
        Assert.Equal(TestClock.Start.UtcDateTime.AddSeconds(1), Assert.Single(secondTimes.Distinct()));
    }
}
