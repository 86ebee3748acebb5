using System.Globalization;
using NodaTime;
using NodaTime.Text;
using NodaTime.TimeZones;

namespace CustomerLifecycle.Hosting;

/// <summary>The daily pipeline's schedule, leases and retries (section <c>CustomerLifecycle:Pipeline</c>).</summary>
public sealed class LifecyclePipelineOptions
{
    /// <summary>The pipeline's name in the ledger; instances with the same name share its runs. <c>daily</c> by default.</summary>
    public string Name { get; set; } = "daily";

    /// <summary>Whether the hosted service runs the pipeline on its schedule (true by default); false leaves it to <see cref="LifecyclePipeline.RunAsync(PipelineRunRequest, CancellationToken)"/>.</summary>
    public bool Schedule { get; set; } = true;

    /// <summary>The local time of day, in the business time zone, at which the day's run starts: <c>HH:mm</c>, <c>06:00</c> by default. A time a daylight-saving change skips runs at the first instant after the gap; a repeated one, at its first occurrence.</summary>
    public string RunAt { get; set; } = "06:00";

    /// <summary>Whether a host that starts after the day's time, before the day's run succeeded, runs it at once (true by default).</summary>
    public bool CatchUp { get; set; } = true;

    /// <summary>How long an instance's claim on a date lasts unless renewed at the next step: 10 minutes by default. Longer than the slowest step.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The attempts a failing step gets before the run fails: 3 by default.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>The wait before a step's second attempt, doubled before each later one: 30 seconds by default.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many shards a date's run is split into, by a stable hash of the account id (<see cref="AccountShard"/>): 1 (the
    /// default) runs the whole portfolio as one run. With more, each instance claims shards from the ledger and runs the
    /// per-account steps for them; the portfolio-wide steps run once after every shard. May change between dates
    /// (not with usage ingested in process: its states are kept per shard). 1 to 4096.
    /// </summary>
    public int Shards { get; set; } = 1;

    /// <summary>
    /// How many shards an instance runs at once: 1 (the default) runs them one after another. The per-account steps of
    /// one shard use about one core, so more uses more of a machine's cores, at the memory of that many shards. Not
    /// with usage ingested in process (its one aggregator holds one shard's state at a time); your own per-shard steps
    /// must be safe to run for two shards at once. 1 to 64; no more than <see cref="Shards"/> are ever run at once.
    /// </summary>
    public int ShardConcurrency { get; set; } = 1;

    /// <summary>The health check reports Unhealthy when the last successful run finished longer ago than this: 26 hours by default.</summary>
    public TimeSpan UnhealthyAfter { get; set; } = TimeSpan.FromHours(26);

    internal LocalTime RunAtTime => LocalTimePattern.CreateWithInvariantCulture("HH:mm").Parse(RunAt).GetValueOrThrow();

    /// <summary>Every rule broken, each naming its key under <paramref name="section"/>.</summary>
    internal IEnumerable<string> Validate(string section)
    {
        string Key(string name) => section.Length == 0 ? name : $"{section}:{name}";
        if (string.IsNullOrWhiteSpace(Name))
        {
            yield return $"{Key(nameof(Name))}: the pipeline needs a name.";
        }

        if (RunAt is null || !LocalTimePattern.CreateWithInvariantCulture("HH:mm").Parse(RunAt).Success)
        {
            yield return $"{Key(nameof(RunAt))}: '{RunAt}' is not a time of day as HH:mm (for example 06:00).";
        }

        if (Lease < TimeSpan.FromSeconds(1) || Lease > TimeSpan.FromDays(1))
        {
            yield return $"{Key(nameof(Lease))}: {Lease.ToString("c", CultureInfo.InvariantCulture)} is out of range; from one second to one day.";
        }

        if (MaxAttempts is < 1 or > 100)
        {
            yield return $"{Key(nameof(MaxAttempts))}: {MaxAttempts} is out of range; from 1 to 100.";
        }

        if (RetryDelay < TimeSpan.Zero || RetryDelay > TimeSpan.FromHours(1))
        {
            yield return $"{Key(nameof(RetryDelay))}: {RetryDelay.ToString("c", CultureInfo.InvariantCulture)} is out of range; from zero to one hour.";
        }

        // The run's lease is not renewed while a step waits to be tried again: the longest wait (before the last
        // attempt) must end inside the lease, or another instance takes the date over in the middle of it. Computed in
        // seconds, so no combination overflows.
        if (MaxAttempts is >= 2 and <= 100 && RetryDelay >= TimeSpan.Zero && Lease >= TimeSpan.FromSeconds(1)
            && RetryDelay.TotalSeconds * Math.Pow(2, MaxAttempts - 2) >= Lease.TotalSeconds)
        {
            var longest = RetryDelay.TotalSeconds * Math.Pow(2, MaxAttempts - 2);
            yield return $"{Key(nameof(RetryDelay))} and {Key(nameof(MaxAttempts))}: {RetryDelay.ToString("c", CultureInfo.InvariantCulture)} doubled before each of {MaxAttempts} attempts waits {longest.ToString("G4", CultureInfo.InvariantCulture)} s before the last, not shorter than {Key(nameof(Lease))} ({Lease.ToString("c", CultureInfo.InvariantCulture)}); the lease is not renewed while a step waits, so the longest wait must be shorter than the lease.";
        }

        if (Shards is < 1 or > AccountShard.MaxCount)
        {
            yield return $"{Key(nameof(Shards))}: {Shards} is out of range; from 1 to {AccountShard.MaxCount}.";
        }

        if (ShardConcurrency is < 1 or > 64)
        {
            yield return $"{Key(nameof(ShardConcurrency))}: {ShardConcurrency} is out of range; from 1 to 64.";
        }

        if (UnhealthyAfter < TimeSpan.FromMinutes(1))
        {
            yield return $"{Key(nameof(UnhealthyAfter))}: {UnhealthyAfter.ToString("c", CultureInfo.InvariantCulture)} is too short; one minute or more.";
        }
    }
}

/// <summary>When the pipeline runs next.</summary>
public static class PipelineSchedule
{
    /// <summary>
    /// The first run strictly after <paramref name="now"/>: the business date, and the instant <paramref name="runAt"/>
    /// falls on that date in <paramref name="zone"/>. On a date whose clocks skip <paramref name="runAt"/> (spring
    /// forward) the run is at the first instant after the gap; on a date that repeats it (fall back), at its first
    /// occurrence, so a date runs once.
    /// </summary>
    /// <param name="now">The current instant.</param>
    /// <param name="runAt">The local time of day.</param>
    /// <param name="zone">The business time zone.</param>
    /// <returns>The date and the instant.</returns>
    public static (LocalDate Date, Instant At) NextAfter(Instant now, LocalTime runAt, DateTimeZone zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var date = now.InZone(zone).Date;
        var at = On(date, runAt, zone);
        return at > now ? (date, at) : (date.PlusDays(1), On(date.PlusDays(1), runAt, zone));
    }

    /// <summary>The instant <paramref name="runAt"/> falls on <paramref name="date"/> in <paramref name="zone"/> (see <see cref="NextAfter"/>).</summary>
    /// <param name="date">The date.</param>
    /// <param name="runAt">The local time of day.</param>
    /// <param name="zone">The business time zone.</param>
    /// <returns>The instant.</returns>
    public static Instant On(LocalDate date, LocalTime runAt, DateTimeZone zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        return zone.ResolveLocal(date.At(runAt), Resolvers.CreateMappingResolver(Resolvers.ReturnEarlier, Resolvers.ReturnStartOfIntervalAfter)).ToInstant();
    }
}
