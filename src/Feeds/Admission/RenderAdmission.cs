using Microsoft.Extensions.Options;
using Feeds.Versions;

namespace Feeds.Admission;

/// <summary>
/// A client has caused as many renders as it may within the window, or has as many waiting as it may at once; it
/// may ask again after <see cref="RetryAfter"/>.
/// </summary>
/// <summary>No render slot came free in time and there is nothing else to serve: 503, sent as late as a 429 (Http/Refusals).</summary>
public sealed class RenderBusyException(string message) : FeedsUnavailableException(message);

public sealed class RenderBudgetExceededException(string reason, TimeSpan retryAfter) : Exception(reason)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// Renders are admitted, not unlimited (Feeds:RenderLimits). A render holds one of a few slots (half the cores by
/// default), so that cached answers and 304s, which never come here, always find a core; a short queue waits for
/// a slot, and past it (or after QueueTimeout) the caller gets no slot and answers with the document's last
/// rendering or 503. Documents rendered before (their feed changed: what readers poll) may use the whole queue,
/// others only half of it. No client holds more than half of the slots and queue together. Budgets of renders per
/// ttl, counted in one table of bounded size: each client's, each of its networks' (so that many addresses of one
/// network are one client's worth), and one for all clients together for the long tail (archive pages and
/// limits other than the default: a space many addresses could otherwise render without end).
/// </summary>
public sealed class RenderAdmission
{
    /// <summary>Clients whose budgets are tracked at once; past it the oldest windows are forgotten.</summary>
    public const int MaxTrackedClients = 100_000;

    private readonly RenderLimitsOptions _options;
    private readonly SemaphoreSlim _slots;
    private readonly int _perClientShare;
    private readonly Dictionary<ClientId, int> _holding = [];
    private readonly Lock _lock = new();
    private readonly FeedsMetrics _metrics;
    private readonly TimeSpan _window;
    private int _waiting;
    private static readonly UInt128 LongTailKey = WindowCounters.KeyOf("\nlong tail");

    public RenderAdmission(IOptions<FeedsOptions> options, TimeProvider clock, FeedsMetrics metrics)
    {
        _options = options.Value.RenderLimits;
        _metrics = metrics;
        _slots = new SemaphoreSlim(_options.EffectiveConcurrency);
        _perClientShare = Math.Max(1, (_options.EffectiveConcurrency + _options.QueueLength) / 2);
        _window = TimeSpan.FromMinutes(options.Value.TimeToLiveMinutes);
        Budgets = new WindowCounters(MaxTrackedClients, _window, clock);
        metrics.ObserveTrackedState("render-budgets", () => Budgets.Count);
    }

    /// <summary>Renders each client caused in its current window.</summary>
    public WindowCounters Budgets { get; }

    /// <summary>Counts a render against the client's budget, its networks' and, for the long tail, everyone's.</summary>
    /// <exception cref="RenderBudgetExceededException">One of these budgets is used up for this window.</exception>
    public void Charge(ClientId client, bool longTail = false)
    {
        if (!_options.Enabled || client.IsBackground)
        {
            return;
        }
        var charged = new List<UInt128>(4);
        foreach (var budget in BudgetsOf(client, longTail))
        {
            if (Budgets.TryAdd(budget.Key, budget.Limit) is { } retryAfter)
            {
                charged.ForEach(Budgets.Remove);
                _metrics.RenderAdmission("over-budget");
                throw new RenderBudgetExceededException(budget.Reason(), retryAfter);
            }
            charged.Add(budget.Key);
        }
    }

    /// <summary>The budgets a render of <paramref name="client"/> is charged to, each with what its refusal says.</summary>
    private IEnumerable<(UInt128 Key, int Limit, Func<string> Reason)> BudgetsOf(ClientId client, bool longTail)
    {
        var minutes = _window.TotalMinutes.ToString("0", System.Globalization.CultureInfo.InvariantCulture);
        yield return (WindowCounters.KeyOf(client.Name), _options.PerClientPerTimeToLive, () =>
            $"This client has asked for more documents that are not in memory than Feeds renders for one client within {minutes} minutes "
            + "(Feeds:RenderLimits:PerClientPerTimeToLive).");
        foreach (var network in client.Networks())
        {
            yield return (WindowCounters.KeyOf(network), _options.PerNetworkPerTimeToLive, () =>
                $"The clients of this network ({network}) have asked for more documents that are not in memory than Feeds renders for one network "
                + $"within {minutes} minutes (Feeds:RenderLimits:PerNetworkPerTimeToLive).");
        }
        if (longTail)
        {
            yield return (LongTailKey, _options.LongTailPerTimeToLive, () =>
                $"Feeds has rendered as many archive pages and feeds of other lengths as it renders for all clients together within {minutes} minutes "
                + "(Feeds:RenderLimits:LongTailPerTimeToLive).");
        }
    }

    /// <summary>Charges a render to the client and waits for its slot, released by disposing it.</summary>
    /// <exception cref="RenderBudgetExceededException">The client has used its budget, or holds its share of the queue.</exception>
    /// <exception cref="FeedsUnavailableException">No slot came free (<see cref="Busy"/>).</exception>
    public async Task<IDisposable> AdmitAsync(ClientId client, bool longTail = false)
    {
        Charge(client, longTail);
        return await EnterAsync(client, new Charged(longTail, RenderedBefore: false)) ?? throw Busy();
    }

    /// <summary>What a request that needs a render gets when no slot comes free and there is nothing else to serve: 503.</summary>
    public static RenderBusyException Busy() => new("Feeds is busy rendering other documents.");

    /// <summary>Gives back a charge for a render that did not happen here (another instance's rendering was taken, or no slot came).</summary>
    public void Refund(ClientId client, bool longTail = false)
    {
        if (_options.Enabled && !client.IsBackground)
        {
            foreach (var budget in BudgetsOf(client, longTail))
            {
                Budgets.Remove(budget.Key);
            }
        }
    }

    /// <summary>What a render was charged as: the long tail or not, and whether its document was rendered before (priority in the queue).</summary>
    public readonly record struct Charged(bool LongTail, bool RenderedBefore);

    /// <summary>
    /// A render slot for a render already charged to <paramref name="client"/>, released by disposing it; null
    /// when the queue is full or no slot came free within QueueTimeout. Either refusal gives the charge back.
    /// Feeds' own background renders wait as long as it takes.
    /// </summary>
    /// <exception cref="RenderBudgetExceededException">The client already holds its share of the slots and queue.</exception>
    public async Task<IDisposable?> EnterAsync(ClientId client, Charged charged = default)
    {
        if (!_options.Enabled)
        {
            return Slot.None;
        }
        if (client.IsBackground)
        {
            await _slots.WaitAsync();
            return new Slot(this, client);
        }
        lock (_lock)
        {
            var holding = _holding.GetValueOrDefault(client);
            if (holding >= _perClientShare)
            {
                Refund(client, charged.LongTail);
                _metrics.RenderAdmission("over-share");
                throw new RenderBudgetExceededException("This client already has as many documents waiting to be rendered as one client may.", TimeSpan.FromSeconds(1));
            }
            var queueLength = charged.RenderedBefore ? _options.QueueLength : _options.QueueLength / 2;
            if (_slots.CurrentCount == 0 && _waiting >= queueLength)
            {
                Refund(client, charged.LongTail);
                _metrics.RenderAdmission("busy");
                return null;
            }
            _holding[client] = holding + 1;
            _waiting++;
        }
        bool entered;
        try
        {
            entered = await _slots.WaitAsync(_options.QueueTimeout);
        }
        finally
        {
            lock (_lock)
            {
                _waiting--;
            }
        }
        if (!entered)
        {
            Leave(client);
            Refund(client, charged.LongTail);
            _metrics.RenderAdmission("busy");
            return null;
        }
        _metrics.RenderAdmission("admitted");
        return new Slot(this, client);
    }

    private void Leave(ClientId client)
    {
        if (client.IsBackground)
        {
            return;
        }
        lock (_lock)
        {
            var holding = _holding.GetValueOrDefault(client) - 1;
            if (holding <= 0)
            {
                _holding.Remove(client);
            }
            else
            {
                _holding[client] = holding;
            }
        }
    }

    private sealed class Slot(RenderAdmission? admission, ClientId client) : IDisposable
    {
        public static readonly Slot None = new(null, ClientId.Background);

        private int _released;

        public void Dispose()
        {
            if (admission is not null && Interlocked.Exchange(ref _released, 1) == 0)
            {
                admission._slots.Release();
                admission.Leave(client);
            }
        }
    }
}
