namespace Feeds.Tests.Support;

/// <summary>A clock the test moves by hand, so scheduled articles can come due without waiting.</summary>
public sealed class TestClock(DateTimeOffset now) : TimeProvider
{
    public static readonly DateTimeOffset Start = new(2026, 11, 28, 4, 0, 0, TimeSpan.Zero);

    private DateTimeOffset _now = now;

    public TestClock() : this(Start)
    {
    }

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
