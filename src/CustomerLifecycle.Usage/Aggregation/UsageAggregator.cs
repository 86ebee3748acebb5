using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using NodaTime;

namespace CustomerLifecycle.Usage;

/// <summary>
/// Turns raw usage events into windowed usage signals and milestone events, incrementally: events arrive in any order
/// and more than once, each day's events update compact per-account daily rollups, and an evaluation reads the
/// rollups, not the events. The state can be saved to a stream and loaded after a restart.
/// </summary>
/// <remarks>
/// <para>
/// Exact semantics (docs/usage.md): the window of N days as of date D holds the events whose instant falls, in the
/// business time zone of the <see cref="BusinessClock"/>, on local dates D−N+1 … D. The evaluation date is the clock's
/// today. Distinct counts are exact.
/// </para>
/// <para>
/// Rollups are kept for the longest window (twice for a change) plus <see cref="UsageOptions.LatenessDays"/>; an event
/// older than that is refused, and ids are remembered as long, so a duplicate inside the kept days is ignored.
/// </para>
/// <para>Thread-safe: calls are serialized.</para>
/// </remarks>
public sealed partial class UsageAggregator
{
    private const long TicksPerDay = NodaConstants.TicksPerDay;
    private const int CancellationStride = 4096;

    private readonly UsageModel _model;
    private readonly BusinessClock _clock;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private State _s;

    // The zone interval of the last event, and the one before it, to find local dates without a zone lookup per event
    // (events on either side of a daylight-saving change often come interleaved).
    private long _zoneStart = long.MaxValue;
    private long _zoneEnd = long.MinValue;
    private long _zoneOffset;
    private long _otherStart = long.MaxValue;
    private long _otherEnd = long.MinValue;
    private long _otherOffset;

    /// <summary>Creates an aggregator with no events.</summary>
    /// <param name="options">The signal definitions, milestones and ingestion rules.</param>
    /// <param name="clock">Today and the business time zone.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every error.</exception>
    public UsageAggregator(UsageOptions options, BusinessClock clock)
        : this(UsageModel.Create(options, string.Empty), clock)
    {
    }

    internal UsageAggregator(UsageModel model, BusinessClock clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _model = model;
        _clock = clock;
        _s = new State(model);
        Signals = [.. model.Definitions.Select(d => d.Key)];
    }

    /// <summary>
    /// The largest quantity an event may carry: 10^290. With at most 2^31 events per account, definition and day, kept
    /// for fewer than a million days, no sum (and no window or change of sums) can then leave the finite numbers, so
    /// what the aggregator saves it always loads. A larger quantity is refused with its reason.
    /// </summary>
    public const double MaxQuantity = 1e290;

    // The aggregator whose ingestion is enumerating events on this flow: an event source that calls back into the
    // aggregator it feeds would wait for its own gate.
    private static readonly AsyncLocal<UsageAggregator?> Enumerating = new();

    /// <summary>Where ingested events are counted: the host's meter when dependency injection made the aggregator, else the shared one.</summary>
    internal UsageMetrics Metrics { get; init; } = UsageMetrics.Shared;

    /// <summary>The usage signals computed, in column order (ordinal by name).</summary>
    public IReadOnlyList<SignalKey> Signals { get; }

    /// <summary>The accounts with at least one event kept or remembered.</summary>
    public int AccountCount => _s.Accounts.Count;

    /// <summary>Days of rollups kept back from today: the longest window (twice for a change) plus the lateness days.</summary>
    public int KeptDays => _model.KeptDays;

    /// <summary>
    /// About how many bytes the state holds in memory: the per-account rollups, the user, name and account tables, and
    /// the ids remembered for de-duplication.
    /// </summary>
    public long StateBytes
    {
        get
        {
            Enter();
            try
            {
                return CountStateBytes();
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    private long CountStateBytes()
    {
        long bytes = 0;
        foreach (var a in _s.Usage)
        {
            bytes += a?.Bytes ?? 8;
        }

        bytes += _s.Accounts.Count * 48L;
        foreach (var u in _s.UserNames)
        {
            // A name: its string and its table entry; a key: its table entry and the key.
            bytes += 8 + (u is null ? 24 + 8 : 40 + (2L * u.Length) + 24);
        }

        return bytes + _s.Ids.Bytes;
    }

    /// <summary>Applies events; each is applied whole or refused with its reason; duplicates (same id) are ignored.</summary>
    /// <param name="events">The events, in any order.</param>
    /// <param name="cancellationToken">Stops the ingestion; the events before are applied (each whole), so the batch can be sent again.</param>
    /// <returns>What was accepted, ignored and refused.</returns>
    /// <exception cref="UsageIngestionCanceledException">The ingestion was cancelled; its report says what was applied before.</exception>
    /// <exception cref="UsageIngestionInterruptedException">The events' enumeration threw; its report says what was applied before.</exception>
    /// <exception cref="InvalidOperationException">Called from the enumeration of this aggregator's own ingestion (an event source that calls back).</exception>
    public UsageIngestionReport Ingest(IEnumerable<UsageEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        Enter(cancellationToken);
        var run = default(Ingestion);
        var outer = Enumerating.Value;
        try
        {
            run = BeginIngestion();
            Enumerating.Value = this;
            foreach (var e in events)
            {
                if ((run.Index & (CancellationStride - 1)) == 0 && cancellationToken.IsCancellationRequested)
                {
                    throw new UsageIngestionCanceledException(run.Report(), cancellationToken);
                }

                IngestOne(e, ref run);
            }

            return Metrics.Record(run.Report());
        }
        catch (Exception e) when (e is not UsageIngestionCanceledException && e is not InvalidOperationException { Source: ReentrySource })
        {
            throw Interrupted(e, run, cancellationToken);
        }
        finally
        {
            Enumerating.Value = outer;
            _gate.Release();
        }
    }

    // An exception out of an ingestion's enumeration (the source's; no per-event problem throws) carries what was
    // applied before it.
    private static Exception Interrupted(Exception e, in Ingestion run, CancellationToken cancellationToken) =>
        e is OperationCanceledException && cancellationToken.IsCancellationRequested
            ? new UsageIngestionCanceledException(run.Report(), cancellationToken)
            : new UsageIngestionInterruptedException(run.Report(), e);

    private const string ReentrySource = "CustomerLifecycle.Usage.Reentry";

    /// <summary>Takes the gate, or refuses a call from inside this aggregator's own ingestion instead of waiting for ever.</summary>
    private void Enter(CancellationToken cancellationToken = default)
    {
        if (ReferenceEquals(Enumerating.Value, this))
        {
            throw new InvalidOperationException("The usage aggregator was called from the enumeration of its own ingestion (an event source that reads the aggregator it feeds); that call would wait for the ingestion, which waits for it. Read the aggregator before or after the ingestion.")
            {
                Source = ReentrySource,
            };
        }

        _gate.Wait(cancellationToken);
    }

    private async Task EnterAsync(CancellationToken cancellationToken)
    {
        if (ReferenceEquals(Enumerating.Value, this))
        {
            Enter(cancellationToken); // throws
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Applies events from an asynchronous stream; see <see cref="Ingest(IEnumerable{UsageEvent}, CancellationToken)"/>.</summary>
    /// <param name="events">The events, in any order.</param>
    /// <param name="cancellationToken">Stops the ingestion; the events before are applied (each whole).</param>
    /// <returns>What was accepted, ignored and refused.</returns>
    /// <exception cref="UsageIngestionCanceledException">The ingestion was cancelled; its report says what was applied before.</exception>
    /// <exception cref="UsageIngestionInterruptedException">The events' enumeration threw; its report says what was applied before.</exception>
    /// <exception cref="InvalidOperationException">Called from the enumeration of this aggregator's own ingestion (an event source that calls back).</exception>
    public async Task<UsageIngestionReport> IngestAsync(IAsyncEnumerable<UsageEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        await EnterAsync(cancellationToken).ConfigureAwait(false);
        var run = new Ingestion[1]; // not a local: an async method cannot pass one by reference
        var outer = Enumerating.Value;
        try
        {
            run[0] = BeginIngestion();
            Enumerating.Value = this;
            await foreach (var e in events.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    throw new UsageIngestionCanceledException(run[0].Report(), cancellationToken);
                }

                IngestOne(e, ref run[0]);
            }

            return Metrics.Record(run[0].Report());
        }
        catch (Exception e) when (e is not UsageIngestionCanceledException && e is not InvalidOperationException { Source: ReentrySource })
        {
            throw Interrupted(e, run[0], cancellationToken);
        }
        finally
        {
            Enumerating.Value = outer;
            _gate.Release();
        }
    }

    /// <summary>
    /// Computes every usage signal as of the clock's today for the given accounts (every account with events when
    /// null), and finds the milestones reached since the last evaluation.
    /// </summary>
    /// <param name="accounts">The rows, in order; an account with no events gets counts of 0 and missing ratios.</param>
    /// <returns>The signals and the milestones.</returns>
    /// <exception cref="InvalidOperationException">The clock's today is before a day the aggregator has already moved past.</exception>
    /// <exception cref="ArgumentException">An account is default or repeated.</exception>
    public UsageSignals Evaluate(IReadOnlyList<AccountId>? accounts = null)
    {
        Enter();
        try
        {
            return EvaluateLocked(accounts);
        }
        finally
        {
            _gate.Release();
        }
    }

    private Ingestion BeginIngestion()
    {
        var now = _clock.Now;
        var today = EpochDay(now.InZone(_clock.Zone).Date);
        Advance(today);
        return new Ingestion(now + _model.FutureTolerance, _s.Top - _model.RingDays + 1);
    }

    private void IngestOne(in UsageEvent e, ref Ingestion run)
    {
        var index = run.Index++;
        var reason = Check(e, ref run, out var day, out var n);
        if (reason is not null)
        {
            run.Refuse(index, e.Id, reason);
            return;
        }

        var s = _s;
        var slot = Slot(day);
        if (!s.Ids.TryAdd(e.Id, slot))
        {
            run.Duplicates++;
            return;
        }

        var a = s.AccountIndex(e.Account, _model);
        var u = _model.UserFilters > 0 ? s.UserIndex(e.User) : -1;
        if (n < 0)
        {
            n = s.NameIndex(e.Name, _model);
        }

        var st = s.Rollups(a, _model);
        if (Apply(st, u, n, slot, e.Quantity))
        {
            (st.PendingAdoptions ??= []).Add((n, e.At));
        }
        run.Accepted++;
    }

    /// <summary>Why the event is refused, or null; with its local day, and its name's index when the name is known (else -1).</summary>
    private string? Check(in UsageEvent e, ref Ingestion run, out int day, out int name)
    {
        day = 0;
        name = -1;
        if (string.IsNullOrWhiteSpace(e.Id))
        {
            return "Id is blank: every event needs an id, to recognise it when it is delivered twice.";
        }

        if (e.Account.IsEmpty)
        {
            return "Account is default: name the account the event belongs to.";
        }

        if (string.IsNullOrWhiteSpace(e.User))
        {
            return "User is blank: name the user who did it.";
        }

        // Persisted in the state: a text the state's UTF-8 cannot keep would change identity after a reload.
        if ((StoredText.Problem("Id", e.Id) ?? StoredText.Problem("User", e.User)) is { } problem)
        {
            return problem;
        }

        if (e.Name is not null && _s.Names.TryGetValue(e.Name, out var known))
        {
            name = known;
        }
        else if (!SignalKey.IsValidName(e.Name))
        {
            return $"Name '{e.Name}' is invalid: use 1 to {SignalKey.MaxLength} lower-case ASCII letters, digits, '_' or '.', starting with a letter.";
        }

        if (!(e.Quantity >= 0 && e.Quantity <= MaxQuantity))
        {
            return QuantityReason(e.Quantity);
        }

        if (e.At > run.Latest)
        {
            return $"At {e.At} is in the future: after now plus the future tolerance ({_model.FutureTolerance}), {run.Latest}.";
        }

        day = DayOf(e.At.ToUnixTimeTicks());
        if (day < run.Oldest)
        {
            return $"At {e.At} falls on {DateOf(day)}, before the oldest kept day {DateOf(run.Oldest)}: later than the lateness horizon ({_model.LatenessDays} days beyond the {_model.WindowSpan} the windows need).";
        }

        return null;
    }

    /// <summary>
    /// Applies one event to its account's rollups; <paramref name="user"/> is the global user index (-1 when no
    /// definition counts users). Returns true when the event adopts a feature, which the caller records with the
    /// event's instant.
    /// </summary>
    private bool Apply(AccountUsage st, int user, int name, int slot, double quantity)
    {
        var m = _model;
        var s = _s;
        var word = slot >> 6;
        var bit = 1UL << (slot & 63);
        var w = m.Words;

        var ns = st.NameSlot(name, w, out var added);
        st.NameDays[(ns * w) + word] |= bit;
        var adopted = false;
        if (added && s.IsFeature[name] && !st.HasAdopted(name))
        {
            (st.Adopted ??= []).Add(name);
            adopted = true;
        }

        var filters = s.NameMask[name];
        var userSlot = -1;
        while (filters != 0)
        {
            var f = BitOperations.TrailingZeroCount(filters);
            filters &= filters - 1;
            st.FilterDays[(f * w) + word] |= bit;
            var c = m.CountSlot[f];
            if (c >= 0)
            {
                st.Counts[(c * m.RingDays) + slot]++;
            }

            c = m.SumSlot[f];
            if (c >= 0)
            {
                st.Sums[(c * m.RingDays) + slot] += quantity;
            }

            c = m.UserSlot[f];
            if (c >= 0)
            {
                if (userSlot < 0)
                {
                    userSlot = st.UserSlot(user);
                }

                st.UserDays[(userSlot * st.UserStride) + (c * w) + word] |= bit;
            }
        }

        return adopted;
    }

    /// <summary>Moves the ring forward so that it ends two days after <paramref name="today"/>, rolling off the days that leave it.</summary>
    private void Advance(int today)
    {
        var s = _s;
        var top = today + 2;
        if (s.Top == AccountUsage.NoDay)
        {
            s.Top = top;
            return;
        }

        if (top <= s.Top)
        {
            return;
        }

        var r = _model.RingDays;
        var first = s.Top - r + 1;
        var last = Math.Min(top - r, s.Top);
        var days = new List<int>();
        for (var d = last; d >= first; d--)
        {
            days.Add(d);
        }

        var slots = days.Select(Slot).ToArray();
        var leaving = new ulong[_model.Words];
        foreach (var slot in slots)
        {
            leaving[slot >> 6] |= 1UL << (slot & 63);
        }

        foreach (var a in s.Usage)
        {
            a?.RollOff(_model, leaving, days.ToArray(), slots);
        }

        foreach (var slot in slots)
        {
            s.Ids.Forget(slot);
        }

        s.ForgetUsers();
        s.Top = top;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Slot(int day)
    {
        var r = _model.RingDays;
        var slot = day % r;
        return slot < 0 ? slot + r : slot;
    }

    private int DayOf(long unixTicks)
    {
        if (unixTicks < _zoneStart || unixTicks >= _zoneEnd)
        {
            FindZoneInterval(unixTicks);
        }

        var local = unixTicks + _zoneOffset;
        var day = local / TicksPerDay;
        return (int)(local % TicksPerDay < 0 ? day - 1 : day);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FindZoneInterval(long unixTicks)
    {
        (_otherStart, _otherEnd, _otherOffset, _zoneStart, _zoneEnd, _zoneOffset) = (_zoneStart, _zoneEnd, _zoneOffset, _otherStart, _otherEnd, _otherOffset);
        if (unixTicks < _zoneStart || unixTicks >= _zoneEnd)
        {
            var interval = _clock.Zone.GetZoneInterval(Instant.FromUnixTimeTicks(unixTicks));
            _zoneStart = interval.HasStart ? interval.Start.ToUnixTimeTicks() : long.MinValue;
            _zoneEnd = interval.HasEnd ? interval.End.ToUnixTimeTicks() : long.MaxValue;
            _zoneOffset = interval.WallOffset.Ticks;
        }
    }

    private static int EpochDay(LocalDate date) => date.ToDateOnly().DayNumber - UnixEpochDayNumber;

    /// <summary>An epoch day as an ISO date, for messages; a day before year 1 (an instant near <see cref="Instant.MinValue"/> in a zone west of UTC) is said as such, not thrown on.</summary>
    private static string DateOf(int day)
    {
        var number = (long)day + UnixEpochDayNumber;
        return number >= DateOnly.MinValue.DayNumber && number <= DateOnly.MaxValue.DayNumber
            ? DateOnly.FromDayNumber((int)number).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : $"a day before {DateOnly.MinValue.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}";
    }

    private static string QuantityReason(double quantity) =>
        $"Quantity {quantity.ToString(CultureInfo.InvariantCulture)} must be a finite number from 0 to {MaxQuantity.ToString(CultureInfo.InvariantCulture)} (UsageAggregator.MaxQuantity, so that no sum can overflow).";

    private static readonly int UnixEpochDayNumber = new DateOnly(1970, 1, 1).DayNumber;

    /// <summary>One ingestion call's running totals.</summary>
    private struct Ingestion(Instant latest, int oldest)
    {
        public readonly Instant Latest = latest;
        public readonly int Oldest = oldest;
        public long Index;
        public long Accepted;
        public long Duplicates;
        private List<RefusedUsageEvent>? _refused;

        public void Refuse(long index, string? id, string reason) => (_refused ??= []).Add(new RefusedUsageEvent(index, id, reason));

        public readonly UsageIngestionReport Report() => new(Accepted, Duplicates, _refused ?? [], Index);
    }
}
