using System.Diagnostics;
using CustomerLifecycle.Forecasting;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Playbooks;
using CustomerLifecycle.Segmentation;
using CustomerLifecycle.Stages;
using CustomerLifecycle.Usage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NodaTime;
using NodaTime.Text;

namespace CustomerLifecycle.Hosting;

/// <summary>
/// The daily pipeline: reads the accounts, ingests usage, moves stages (from each account's stored history,
/// <see cref="IStageHistoryStore"/>), scores health (against the latest record in
/// the <see cref="IHealthHistoryStore"/>, for hysteresis and last-known factors, and records the day's), evaluates
/// segments (<c>health.change(n)</c> from the same records; who entered and exited since the stored snapshot, and
/// today's stored in the <see cref="ISegmentSnapshotStore"/>), runs the
/// playbooks, forecasts next quarter's renewals, then runs your own steps (to save the day's results, for example).
/// One run per business date across every instance sharing the ledger (<see cref="IPipelineRunStore"/>); a run that
/// failed or stopped resumes after its last completed step; a failing step is retried with back-off, then fails the
/// run, never silently skipped. Thread-safe.
/// </summary>
/// <remarks>
/// Steps that only compute (accounts, usage, stages, health, segments, forecast) are computed again when a run resumes,
/// to rebuild the day: they write nothing but the usage aggregator's state, which ignores events it has seen. Steps
/// that write (the playbooks and your own) run once per date: a resumed run skips them once recorded complete, and the
/// playbook step, interrupted in the middle, creates no run twice (its store's guarantee).
/// </remarks>
public sealed class LifecyclePipeline
{
    private readonly IServiceProvider _services;
    private readonly IPipelineRunStore _ledger;
    private readonly BusinessClock _clock;
    private readonly TimeProvider _time;
    private readonly LifecyclePipelineOptions _options;
    private readonly ILogger _logger;
    private readonly Step[] _steps;
    private readonly Step[] _shardSteps;
    private readonly Step[] _portfolioSteps;
    private readonly IStateStore _states;
    private readonly PipelineMetrics _metrics;

    // The date of the usage state this instance's aggregator holds; another instance may have saved a newer one.
    private LocalDate? _usageAsOf;

    // The key of the usage state the aggregator holds: one per shard, so an instance that runs another shard loads it.
    private string _usageKey = UsageStateKey;

    // Whether the aggregator holds exactly the state of _usageAsOf (or, with no date, is empty): false while batches,
    // which are not de-duplicated, are being applied, so that a failed attempt's half is dropped.
    private bool _usageClean = true;

    // Whether a usage step ingests events into this instance's one aggregator (set as the steps are made).
    private bool _usageInProcess;

    // The scorecards (id, version) already reported as measuring nothing (event 5015), so each is said once.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, int), byte> _blindScorecards = new();

    /// <summary>Creates the pipeline over the host's services (the DI registration does this).</summary>
    /// <param name="services">The host's services: an <see cref="IAccountSource"/> is required; each domain package registered adds its step.</param>
    /// <param name="options">The options.</param>
    /// <param name="steps">Your own steps, run after the built-in ones, in order.</param>
    /// <exception cref="InvalidOperationException">No <see cref="IAccountSource"/> is registered, or two steps share a name.</exception>
    public LifecyclePipeline(IServiceProvider services, IOptions<LifecyclePipelineOptions> options, IEnumerable<PipelineStepRegistration> steps)
    {
        _services = services ?? throw new ArgumentNullException(nameof(services));
        services.GetService<OptionsValidationGate>();
        _options = (options ?? throw new ArgumentNullException(nameof(options))).Value;
        _ledger = services.GetService<IPipelineRunStore>() ?? new InMemoryPipelineRunStore();
        _clock = services.GetRequiredService<BusinessClock>();
        _time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        _states = services.GetService<IStateStore>() ?? new InMemoryStateStore();
        _logger = services.GetService<ILogger<LifecyclePipeline>>() ?? (ILogger)NullLogger.Instance;
        _metrics = PipelineMetrics.For(services.GetService<System.Diagnostics.Metrics.IMeterFactory>());
        var source = services.GetService<IAccountSource>() ?? throw new InvalidOperationException("The pipeline reads accounts from an IAccountSource; register one (AddLifecyclePipeline(p => p.UseAccountSource<T>())).");
        var custom = (steps ?? []).ToArray();
        _steps = [.. BuiltIn(source), .. custom.Select(s => new Step(s.Name, true, (day, ct) => RunCustomAsync(s, day, ct)))];

        // In shards: the per-account steps (and your own not marked portfolio-wide) run per shard; the forecast, from
        // the shards' parts, the shards' counts, and your portfolio-wide steps run once after every shard.
        _shardSteps = [.. _steps.Where(s => !custom.Any(c => c.PortfolioWide && c.Name == s.Name))];
        _portfolioSteps = [
            new Step(PipelineSteps.Shards, false, SumShardsAsync),
            .. _services.GetService<RenewalForecaster>() is { } forecaster ? [new Step(PipelineSteps.Forecast, false, (day, ct) => CombineForecastAsync(forecaster, day, ct))] : Array.Empty<Step>(),
            .. custom.Where(c => c.PortfolioWide).Select(s => new Step(s.Name, true, (day, ct) => RunCustomAsync(s, day, ct)))];
        if (_options.Shards > 1 && _options.ShardConcurrency > 1 && _usageInProcess)
        {
            throw new InvalidOperationException($"The pipeline runs {_options.ShardConcurrency} shards at once (LifecyclePipelineOptions.ShardConcurrency), and ingests usage in process: its one UsageAggregator holds one shard's state at a time. Run one shard at a time, or compute usage where the events are (an IUsageSignalSource).");
        }

        if (_options.Shards > 1 && _services.GetService<IUsageBatchSource>() is { } batchSource && batchSource is not IShardedUsageBatchSource && _services.GetService<UsageAggregator>() is not null)
        {
            throw new InvalidOperationException($"The pipeline runs in {_options.Shards} shards, and its usage batch source ({batchSource.GetType().Name}) cannot read one shard's events: implement IShardedUsageBatchSource (batches carry no account objects to filter), or run in one shard.");
        }

        var repeated = _steps.Concat(_portfolioSteps.Take(1)).GroupBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
        {
            throw new InvalidOperationException($"Two pipeline steps are named '{repeated.Key}'; a step's name is its key in the ledger.");
        }
    }

    /// <summary>The steps, in order.</summary>
    public IReadOnlyList<string> Steps => [.. _steps.Select(s => s.Name)];

    /// <summary>The options.</summary>
    public LifecyclePipelineOptions Options => _options;

    /// <summary>
    /// Runs a business date (the clock's today by default): claims it in the ledger, runs the steps not yet completed,
    /// and records the end. Does nothing when another instance holds the date or it already succeeded.
    /// </summary>
    /// <param name="date">The business date; today in the business time zone when null.</param>
    /// <param name="cancellationToken">Stops the run at the next safe point (between records): the run is recorded as stopped and resumes later.</param>
    /// <returns>What happened.</returns>
    /// <exception cref="PipelineStepFailedException">A step failed after its attempts; the run is recorded as failed.</exception>
    /// <exception cref="OperationCanceledException">The run was stopped.</exception>
    public Task<PipelineRunResult> RunAsync(LocalDate? date = null, CancellationToken cancellationToken = default) =>
        RunAsync(new PipelineRunRequest { Date = date }, cancellationToken);

    /// <summary>
    /// Runs a business date as <paramref name="request"/> says: the clock's today or a given date; once (as
    /// <see cref="RunAsync(LocalDate?, CancellationToken)"/>) or again (<see cref="PipelineRunRequest.Rerun"/>); with or
    /// without leave to cancel most open playbook runs.
    /// </summary>
    /// <param name="request">The date and how to run it.</param>
    /// <param name="cancellationToken">Stops the run at the next safe point (between records): the run is recorded as stopped and resumes later.</param>
    /// <returns>What happened.</returns>
    /// <exception cref="PipelineStepFailedException">A step failed after its attempts (a mass cancellation at once); the run is recorded as failed.</exception>
    /// <exception cref="OperationCanceledException">The run was stopped.</exception>
    public async Task<PipelineRunResult> RunAsync(PipelineRunRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var day = request.Date ?? _clock.Today;
        if (_options.Shards == 1)
        {
            return await RunOneAsync(_options.Name, new PipelineDay(day) { AllowMassCancellation = request.AllowMassCancellation }, _steps, request.Rerun, cancellationToken).ConfigureAwait(false);
        }

        // The date is done once its portfolio run succeeded (after every shard).
        if (!request.Rerun && await _ledger.FindAsync(_options.Name, day, cancellationToken).ConfigureAwait(false) is { Status: PipelineRunStatus.Succeeded } done)
        {
            PipelineTelemetry.Skipped(_logger, _options.Name, day.ToString("uuuu-MM-dd", null));
            _metrics.Runs.Add(1, new KeyValuePair<string, object?>(PipelineTelemetry.OutcomeTag, "skipped"));
            return new PipelineRunResult(day, PipelineRunOutcome.Skipped, done, null);
        }

        // Every shard this instance can claim, from a random one on, so instances starting together spread out; a
        // shard another instance holds is left to it (or taken over once its lease expires, by a later call).
        // ShardConcurrency walkers take the next shard in turn; after a failure none takes another, and the first
        // failure is thrown once the others' shards end.
        var count = _options.Shards;
        var first = Random.Shared.Next(count);
        var next = -1;
        var failed = 0;
        async Task WalkAsync()
        {
            int k;
            while (Volatile.Read(ref failed) == 0 && (k = Interlocked.Increment(ref next)) < count)
            {
                var shard = new AccountShard((first + k) % count, count);
                var context = new PipelineDay(day) { AllowMassCancellation = request.AllowMassCancellation, Shard = shard };
                try
                {
                    await RunOneAsync(ShardRunName(_options.Name, shard), context, _shardSteps, request.Rerun, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    Volatile.Write(ref failed, 1);
                    throw;
                }
            }
        }

        var walkers = Math.Min(_options.ShardConcurrency, count);
        await (walkers == 1 ? WalkAsync() : Task.WhenAll(Enumerable.Range(0, walkers).Select(_ => Task.Run(WalkAsync, CancellationToken.None)))).ConfigureAwait(false);

        // Whoever finds every shard done runs the portfolio-wide steps (one of them, by the ledger's claim).
        var shards = await ShardRunsAsync(day, cancellationToken).ConfigureAwait(false);
        var pending = shards.Select((r, i) => (Run: r, Index: i)).Where(x => x.Run is not { Status: PipelineRunStatus.Succeeded }).ToList();
        if (pending.Count > 0)
        {
            // Held by other instances (running, or dead until their leases expire): the call is tried again after the
            // first lease ends; the holders run the portfolio-wide steps if they finish first.
            var held = pending.Where(p => p.Run is not null).Select(p => p.Run!).MinBy(r => r.LeaseUntil);
            PipelineTelemetry.ShardsPending(_logger, _options.Name, day.ToString("uuuu-MM-dd", null), pending.Count, count, string.Join(", ", pending.Select(p => $"{p.Index}/{count}")));
            _metrics.Runs.Add(1, new KeyValuePair<string, object?>(PipelineTelemetry.OutcomeTag, "held_elsewhere"));
            return new PipelineRunResult(day, PipelineRunOutcome.HeldElsewhere, held, null);
        }

        var portfolio = new PipelineDay(day) { AllowMassCancellation = request.AllowMassCancellation, ShardRuns = [.. shards.Select(r => r!)] };
        return await RunOneAsync(_options.Name, portfolio, _portfolioSteps, request.Rerun, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The ledger's record of each shard's run of a date, in shard order (null for a shard never claimed), under the
    /// configured <see cref="LifecyclePipelineOptions.Shards"/>: who holds or held it, its status, its completed steps,
    /// and how many times it was claimed (more than once: resumed).
    /// </summary>
    /// <param name="date">The business date; today in the business time zone when null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>One entry per shard; a single entry, the date's run, when the pipeline runs in one shard.</returns>
    public async ValueTask<IReadOnlyList<PipelineRunRecord?>> ShardRunsAsync(LocalDate? date = null, CancellationToken cancellationToken = default)
    {
        var day = date ?? _clock.Today;
        var count = _options.Shards;
        if (count == 1)
        {
            return [await _ledger.FindAsync(_options.Name, day, cancellationToken).ConfigureAwait(false)];
        }

        var runs = new PipelineRunRecord?[count];
        for (var i = 0; i < count; i++)
        {
            runs[i] = await _ledger.FindAsync(ShardRunName(_options.Name, new AccountShard(i, count)), day, cancellationToken).ConfigureAwait(false);
        }

        return runs;
    }

    /// <summary>The name under which a shard's runs are kept in the ledger: the pipeline's name, <c>#</c>, and the shard (<c>daily#3/16</c>).</summary>
    /// <param name="pipeline">The pipeline's name.</param>
    /// <param name="shard">The shard.</param>
    /// <returns>The name.</returns>
    public static string ShardRunName(string pipeline, AccountShard shard) => $"{pipeline}#{shard}";

    private async Task<PipelineRunResult> RunOneAsync(string name, PipelineDay context, Step[] steps, bool rerun, CancellationToken cancellationToken)
    {
        var day = context.Date;
        var shardTag = new KeyValuePair<string, object?>(PipelineTelemetry.ShardTag, context.Shard.ToString());
        var owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
        var lease = Duration.FromTimeSpan(_options.Lease);
        var run = await _ledger.TryClaimAsync(name, day, owner, Now(), lease, rerun, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            // Refused: the date succeeded, or another instance holds it; the ledger says which (a run that ended
            // between the two calls reads as what it became).
            var other = await _ledger.FindAsync(name, day, cancellationToken).ConfigureAwait(false);
            if (other is { Status: PipelineRunStatus.Running })
            {
                PipelineTelemetry.HeldElsewhere(_logger, name, day.ToString("uuuu-MM-dd", null), other.Owner, InstantPattern.ExtendedIso.Format(other.LeaseUntil));
                _metrics.Runs.Add(1, new KeyValuePair<string, object?>(PipelineTelemetry.OutcomeTag, "held_elsewhere"), shardTag);
                return new PipelineRunResult(day, PipelineRunOutcome.HeldElsewhere, other, null);
            }

            PipelineTelemetry.Skipped(_logger, name, day.ToString("uuuu-MM-dd", null));
            _metrics.Runs.Add(1, new KeyValuePair<string, object?>(PipelineTelemetry.OutcomeTag, "skipped"), shardTag);
            return new PipelineRunResult(day, PipelineRunOutcome.Skipped, other, null);
        }

        using var activity = PipelineTelemetry.Source.StartActivity("customerlifecycle.pipeline.run");
        activity?.SetTag("customerlifecycle.date", day.ToString("uuuu-MM-dd", null));
        activity?.SetTag("customerlifecycle.pipeline.claims", run.Claims);
        activity?.SetTag("customerlifecycle.pipeline.rerun", rerun);
        activity?.SetTag(PipelineTelemetry.ShardTag, context.Shard.ToString());
        PipelineTelemetry.Started(_logger, name, day.ToString("uuuu-MM-dd", null), run.Claims, run.Steps.Count);

        // The run as the ledger records it, kept here step by step, so the result needs no read-back (a read of the
        // newest dates would miss a rerun of an older one).
        var recorded = run;
        try
        {
            foreach (var step in steps)
            {
                // A rerun runs every step again, and records each again; a resumed run rebuilds the computing steps
                // it completed and skips the writing ones.
                var done = run.Completed(step.Name) && !rerun;
                if (done && step.Writes)
                {
                    continue;
                }

                var record = await RunStepAsync(step, context, done, cancellationToken).ConfigureAwait(false);
                if (!done && !await _ledger.CompleteStepAsync(name, day, owner, record, Now(), lease, CancellationToken.None).ConfigureAwait(false))
                {
                    PipelineTelemetry.LeaseLost(_logger, name, day.ToString("uuuu-MM-dd", null), step.Name);
                    _metrics.Runs.Add(1, new KeyValuePair<string, object?>(PipelineTelemetry.OutcomeTag, "lease_lost"), shardTag);
                    return new PipelineRunResult(day, PipelineRunOutcome.LeaseLost, null, context);
                }

                if (!done)
                {
                    recorded = recorded.WithStep(record);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await _ledger.FinishAsync(name, day, owner, PipelineRunStatus.Stopped, "stopped", Now(), CancellationToken.None).ConfigureAwait(false);
            _metrics.Runs.Add(1, new KeyValuePair<string, object?>(PipelineTelemetry.OutcomeTag, "stopped"), shardTag);
            PipelineTelemetry.Stopped(_logger, name, day.ToString("uuuu-MM-dd", null));
            throw;
        }
        catch (PipelineStepFailedException e)
        {
            await _ledger.FinishAsync(name, day, owner, PipelineRunStatus.Failed, $"{e.Step}: {e.InnerException?.Message}", Now(), CancellationToken.None).ConfigureAwait(false);
            _metrics.Runs.Add(1, new KeyValuePair<string, object?>(PipelineTelemetry.OutcomeTag, "failed"), shardTag);
            PipelineTelemetry.Failed(_logger, e, name, day.ToString("uuuu-MM-dd", null), e.Step, e.Attempts);
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Anything else out of a step or the ledger: the run ends failed (resumable), never left running until
            // its lease runs out. A ledger that cannot record it either is reported with the first error.
            try
            {
                await _ledger.FinishAsync(name, day, owner, PipelineRunStatus.Failed, e.Message, Now(), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ledger)
            {
                throw new AggregateException($"The pipeline's run of {day:uuuu-MM-dd} ({name}) failed, and its ledger could not record that: {e.Message}", e, ledger);
            }

            _metrics.Runs.Add(1, new KeyValuePair<string, object?>(PipelineTelemetry.OutcomeTag, "failed"), shardTag);
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }

        var at = Now();
        if (!await _ledger.FinishAsync(name, day, owner, PipelineRunStatus.Succeeded, null, at, CancellationToken.None).ConfigureAwait(false))
        {
            // The lease ran out after the last step and another process holds the date now: it decides the outcome.
            PipelineTelemetry.LeaseLost(_logger, name, day.ToString("uuuu-MM-dd", null), recorded.Steps.Count > 0 ? recorded.Steps[^1].Step : "none");
            _metrics.Runs.Add(1, new KeyValuePair<string, object?>(PipelineTelemetry.OutcomeTag, "lease_lost"), shardTag);
            return new PipelineRunResult(day, PipelineRunOutcome.LeaseLost, null, context);
        }

        _metrics.Runs.Add(1, new KeyValuePair<string, object?>(PipelineTelemetry.OutcomeTag, "succeeded"), shardTag);
        PipelineTelemetry.Succeeded(_logger, name, day.ToString("uuuu-MM-dd", null));
        var finished = recorded with { Status = PipelineRunStatus.Succeeded, FinishedAt = at, LeaseUntil = at, Error = null };
        return new PipelineRunResult(day, PipelineRunOutcome.Succeeded, finished, context);
    }

    /// <summary>The latest runs, newest date first, with their steps, durations and counts.</summary>
    /// <param name="limit">The most to return.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The runs.</returns>
    public ValueTask<IReadOnlyList<PipelineRunRecord>> RecentRunsAsync(int limit = 10, CancellationToken cancellationToken = default) =>
        _ledger.RecentRunsAsync(_options.Name, limit, cancellationToken);

    private Instant Now() => Instant.FromDateTimeOffset(_time.GetUtcNow());

    /// <summary>
    /// Warns once per scorecard and version (event 5015) when it measured none of its factors for any account it scored
    /// in a run: the accounts carry none of the signals it reads, so its scores are missing or imputed.
    /// </summary>
    private void ReportBlindScorecards(HealthScorer scorer, HealthScore[] scores)
    {
        if (!_logger.IsEnabled(LogLevel.Warning) || scores.Length == 0)
        {
            return;
        }

        var measured = new Dictionary<(string, int), (int Accounts, bool Any)>();
        foreach (var score in scores)
        {
            if (score.ScorecardId is { } id)
            {
                var seen = measured.GetValueOrDefault((id, score.ScorecardVersion));
                measured[(id, score.ScorecardVersion)] = (seen.Accounts + 1, seen.Any || score.Confidence > 0);
            }
        }

        foreach (var ((id, version), (accounts, any)) in measured)
        {
            if (!any && _blindScorecards.TryAdd((id, version), 0))
            {
                var signals = scorer.Resolver.Scorecards.Append(scorer.Resolver.Default).FirstOrDefault(s => s.Id == id)?.Signals ?? [];
                PipelineTelemetry.BlindScorecard(_logger, id, version, accounts, string.Join(", ", signals.Select(k => k.Name)));
            }
        }
    }

    /// <summary>Logs what the pipeline runs (event 5014): the zone, the schedule as the host gives it, the shards, the stores and the steps.</summary>
    internal void LogStart(string schedule) =>
        PipelineTelemetry.Configured(_logger, _options.Name, _clock.Zone.Id, schedule, _options.Shards, Math.Min(_options.ShardConcurrency, _options.Shards), _ledger.GetType().Name, _states.GetType().Name, string.Join(", ", Steps));

    private async Task<PipelineStepRecord> RunStepAsync(Step step, PipelineDay day, bool rebuilding, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var activity = PipelineTelemetry.Source.StartActivity("customerlifecycle.pipeline.step");
            activity?.SetTag(PipelineTelemetry.StepTag, step.Name);
            activity?.SetTag(PipelineTelemetry.ShardTag, day.Shard.ToString());
            var startedAt = Now();
            var started = _time.GetTimestamp();
            PipelineTelemetry.StepStarted(_logger, day.Shard.IsAll ? _options.Name : ShardRunName(_options.Name, day.Shard), step.Name, day.Date.ToString("uuuu-MM-dd", null), attempt);
            try
            {
                var counts = await step.Run(day, cancellationToken).ConfigureAwait(false);
                var took = _time.GetElapsedTime(started);
                _metrics.StepDuration.Record(took.TotalSeconds, new KeyValuePair<string, object?>(PipelineTelemetry.StepTag, step.Name), new KeyValuePair<string, object?>(PipelineTelemetry.ShardTag, day.Shard.ToString()));
                if (!rebuilding)
                {
                    PipelineTelemetry.StepCompleted(_logger, step.Name, day.Date.ToString("uuuu-MM-dd", null), (long)took.TotalMilliseconds, string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}")));
                }

                return new PipelineStepRecord(step.Name, startedAt, Duration.FromTimeSpan(took), attempt, counts);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                activity?.SetStatus(ActivityStatusCode.Error, e.Message);
                _metrics.StepFailures.Add(1, new KeyValuePair<string, object?>(PipelineTelemetry.StepTag, step.Name), new KeyValuePair<string, object?>(PipelineTelemetry.ShardTag, day.Shard.ToString()));

                // A refused mass cancellation is a decision on the day's data, not a passing fault: no retry changes it.
                if (attempt >= _options.MaxAttempts || e is MassCancellationException)
                {
                    throw new PipelineStepFailedException(day.Date, step.Name, attempt, e);
                }

                var delay = _options.RetryDelay * Math.Pow(2, attempt - 1);
                PipelineTelemetry.StepRetrying(_logger, e, step.Name, day.Date.ToString("uuuu-MM-dd", null), attempt, _options.MaxAttempts, (long)delay.TotalMilliseconds);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask<IReadOnlyDictionary<string, long>> RunCustomAsync(PipelineStepRegistration step, PipelineDay day, CancellationToken cancellationToken)
    {
        var scope = _services.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            return await step.Run(new PipelineStepContext(day, scope.ServiceProvider), cancellationToken).ConfigureAwait(false) ?? new Dictionary<string, long>();
        }
    }

    /// <summary>A saved state with no events, under the configured definitions: what the aggregator is reset to when a failed batch ingestion left it part-applied and nothing was saved yet.</summary>
    private byte[] EmptyUsageState()
    {
        var empty = new UsageAggregator(_services.GetRequiredService<IOptions<UsageOptions>>().Value, _clock);
        using var buffer = new MemoryStream();
        empty.SaveState(buffer);
        return buffer.ToArray();
    }

    /// <summary>Saves the aggregator's state as of a date, for the next day and the other instances; the aggregator then holds exactly it.</summary>
    private async Task SaveUsageAsync(UsageAggregator usage, string key, AccountShard shard, LocalDate date, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        usage.SaveState(buffer, cancellationToken);
        await _states.WriteAsync(key, date, buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken).ConfigureAwait(false);
        if (!shard.IsAll)
        {
            await _states.WriteAsync(UsageShardsKey, date, BitConverter.GetBytes(shard.Count), cancellationToken).ConfigureAwait(false);
        }

        (_usageAsOf, _usageClean, _usageKey) = (date, true, key);
    }

    /// <summary>
    /// The key of a shard's usage state. Usage states are kept per shard of one count (each holds its accounts' rollups
    /// and the ids of its events): a state saved under another count cannot be split or joined, so a changed count is
    /// refused here, before anything is ingested, rather than starting the usage history again in silence.
    /// </summary>
    private async Task<string> UsageKeyAsync(AccountShard shard, CancellationToken cancellationToken)
    {
        var marker = await _states.ReadAsync(UsageShardsKey, cancellationToken).ConfigureAwait(false);
        var saved = marker is null ? (await _states.ReadAsync(UsageStateKey, cancellationToken).ConfigureAwait(false) is null ? (int?)null : 1) : BitConverter.ToInt32(marker.State);
        if (saved is { } count && count != shard.Count)
        {
            throw new InvalidOperationException(
                $"The usage states are kept for {count} shard(s), and the pipeline now runs in {shard.Count} (LifecyclePipelineOptions.Shards): an aggregator's state cannot be split or joined across shard counts. Keep {count}, or compute usage where the events are (an IUsageSignalSource, which keeps no state), or start the usage history again by deleting the states '{UsageStateKey}*'.");
        }

        return shard.IsAll ? UsageStateKey : $"{UsageStateKey}#{shard}";
    }

    private static async IAsyncEnumerable<UsageEvent> InShard(IAsyncEnumerable<UsageEvent> events, AccountShard shard)
    {
        await foreach (var e in events.ConfigureAwait(false))
        {
            if (shard.Contains(e.Account))
            {
                yield return e;
            }
        }
    }

    /// <summary>Each account's usage signals replace its signals of the same name; the milestones go to the playbooks.</summary>
    private static void MergeUsage(PipelineDay day, UsageSignals signals)
    {
        day.Accounts = [.. day.Accounts.Select(a =>
        {
            var computed = signals.SignalsOf(a.Id);
            return a with { Signals = SignalSet.Create(a.Signals.Where(s => !computed.TryGetValue(s.Key, out _)).Concat(computed)) };
        })];
        day.Milestones = signals.Milestones;
        Split(day);
    }

    private IEnumerable<Step> BuiltIn(IAccountSource source)
    {
        yield return new Step(PipelineSteps.Accounts, false, async (day, ct) =>
        {
            // One shard's accounts: read by the source when it can filter where they are, else filtered here.
            var accounts = new List<Account>();
            var shard = day.Shard;
            var pushed = !shard.IsAll && source is IShardedAccountSource;
            var read = pushed ? ((IShardedAccountSource)source).ReadAsync(day.Date, shard, ct) : source.ReadAsync(day.Date, ct);
            var position = 0;
            await foreach (var account in read.ConfigureAwait(false))
            {
                _ = account ?? throw new InvalidDataException($"The account source gave a null account at position {position}.");
                position++;
                if (shard.Contains(account.Id))
                {
                    accounts.Add(account);
                }
                else if (pushed)
                {
                    throw new InvalidDataException($"The account source gave account '{account.Id}' for shard {shard}, but it is in shard {AccountShard.Of(account.Id, shard.Count)}/{shard.Count} (AccountShard.Of: FNV-1a of the id's UTF-8, modulo the count).");
                }
            }

            day.Accounts = accounts;
            Split(day);
            return Counts(("accounts", accounts.Count), ("active", day.Active.Count), ("churned", day.Churned.Count));
        });

        if (_services.GetService<IUsageSignalSource>() is { } computed)
        {
            if (_services.GetService<IUsageEventSource>() is not null || _services.GetService<IUsageBatchSource>() is not null)
            {
                throw new InvalidOperationException(
                    $"Both an IUsageSignalSource (usage signals computed where the events are) and an {(_services.GetService<IUsageEventSource>() is null ? "IUsageBatchSource (record batches" : "IUsageEventSource (events")} to ingest) are registered; register one.");
            }

            yield return new Step(PipelineSteps.Usage, false, async (day, ct) =>
            {
                // The signals computed where the events are (SQL, DuckDB over files): no events in process, no state.
                var signals = await computed.ComputeAsync(day.Date, [.. day.Accounts.Select(a => a.Id)], ct).ConfigureAwait(false);
                MergeUsage(day, signals);
                return Counts(("accounts_with_usage", signals.Accounts.Count), ("milestones", signals.Milestones.Count));
            });
        }
        else if (_services.GetService<UsageAggregator>() is { } bulk && _services.GetService<IUsageBatchSource>() is { } batches)
        {
            _usageInProcess = true;
            if (_services.GetService<IUsageEventSource>() is not null)
            {
                throw new InvalidOperationException("Both an IUsageBatchSource (record batches) and an IUsageEventSource (events) are registered; register one.");
            }

            yield return new Step(PipelineSteps.Usage, false, async (day, ct) =>
            {
                // Start from the newest saved state unless the aggregator holds exactly it; a date the saved state
                // already covers is not ingested again (batches carry no ids).
                var key = await UsageKeyAsync(day.Shard, ct).ConfigureAwait(false);
                var saved = await _states.ReadAsync(key, ct).ConfigureAwait(false);
                if (saved is not null && (!_usageClean || _usageAsOf != saved.AsOf || _usageKey != key))
                {
                    bulk.LoadState(new MemoryStream(saved.State, writable: false), ct);
                    (_usageAsOf, _usageClean, _usageKey) = (saved.AsOf, true, key);
                }
                else if (saved is null && (!_usageClean || _usageKey != key))
                {
                    bulk.LoadState(new MemoryStream(EmptyUsageState(), writable: false), ct);
                    (_usageAsOf, _usageClean, _usageKey) = (null, true, key);
                }

                long accepted = 0, refused = 0, count = 0;
                var ingest = saved is null || saved.AsOf < day.Date;
                if (ingest)
                {
                    _usageClean = false;
                    var read = day.Shard.IsAll ? batches.ReadAsync(day.Date, ct) : ((IShardedUsageBatchSource)batches).ReadAsync(day.Date, day.Shard, ct);
                    await foreach (var batch in read.ConfigureAwait(false))
                    {
                        using (batch)
                        {
                            var report = bulk.Ingest(batch ?? throw new InvalidDataException($"The usage batch source gave a null batch at position {count}."), batches.Columns, ct);
                            (accepted, refused, count) = (accepted + report.Accepted, refused + report.Refused.Count, count + 1);
                        }
                    }
                }

                var signals = bulk.Evaluate([.. day.Accounts.Select(a => a.Id)]);
                MergeUsage(day, signals);
                if (ingest)
                {
                    await SaveUsageAsync(bulk, key, day.Shard, day.Date, ct).ConfigureAwait(false);
                }

                return Counts(("batches", count), ("events_accepted", accepted), ("events_refused", refused), ("milestones", signals.Milestones.Count));
            });
        }
        else if (_services.GetService<UsageAggregator>() is { } usage && _services.GetService<IUsageEventSource>() is { } events)
        {
            _usageInProcess = true;
            yield return new Step(PipelineSteps.Usage, false, async (day, ct) =>
            {
                // Continue from the newest state any instance saved (this one's aggregator may be behind, or empty
                // after a restart); save it again after the day's events.
                // In shards, each shard's state under its own key: an instance that held another shard's loads this one's.
                var key = await UsageKeyAsync(day.Shard, ct).ConfigureAwait(false);
                var saved = await _states.ReadAsync(key, ct).ConfigureAwait(false);
                if (saved is not null && (_usageKey != key || _usageAsOf is null || saved.AsOf > _usageAsOf))
                {
                    usage.LoadState(new MemoryStream(saved.State, writable: false), ct);
                    (_usageAsOf, _usageKey) = (saved.AsOf, key);
                }
                else if (saved is null && _usageKey != key)
                {
                    usage.LoadState(new MemoryStream(EmptyUsageState(), writable: false), ct);
                    (_usageAsOf, _usageKey) = (null, key);
                }

                var read = day.Shard.IsAll ? events.ReadAsync(day.Date, ct)
                    : events is IShardedUsageEventSource sharded ? sharded.ReadAsync(day.Date, day.Shard, ct)
                    : InShard(events.ReadAsync(day.Date, ct), day.Shard);
                var report = await usage.IngestAsync(read, ct).ConfigureAwait(false);
                var signals = usage.Evaluate([.. day.Accounts.Select(a => a.Id)]);
                MergeUsage(day, signals);
                await SaveUsageAsync(usage, key, day.Shard, day.Date, ct).ConfigureAwait(false);

                return Counts(("events_accepted", report.Accepted), ("events_duplicate", report.Duplicates), ("events_refused", report.Refused.Count), ("milestones", signals.Milestones.Count));
            });
        }

        if (_services.GetService<LifecycleStageMachine>() is { } machine)
        {
            var stages = _services.GetService<IStageHistoryStore>();
            yield return new Step(PipelineSteps.Stages, false, async (day, ct) =>
            {
                // Each account's stored history decides its stage (the source's stage seeds a new account's); moves
                // forward where the model's entry criteria hold, and the histories that changed are saved.
                var stored = stages is null ? null : await stages.LoadAsync([.. day.Accounts.Select(a => a.Id)], ct).ConfigureAwait(false);
                var moves = new List<(AccountId, StageId, StageId)>();
                var changed = new List<StageHistory>();
                day.Accounts = [.. day.Accounts.Select(a =>
                {
                    if (a.Stage.IsEmpty || a.Stage == DefaultLifecycleStages.Churned || !machine.Model.Contains(a.Stage))
                    {
                        return a;
                    }

                    var history = stored?.GetValueOrDefault(a.Id) is { } transitions ? StageHistory.Restore(machine.Model, a.Id, transitions) : null;
                    var started = history is null || history.CurrentStage == DefaultLifecycleStages.Churned;
                    if (started)
                    {
                        // New to the lifecycle, or back after churning: a history starts from the source's stage.
                        history = machine.Start(a.Id, a.Stage);
                    }

                    var evaluated = machine.Evaluate(history!, a);
                    if (evaluated.CurrentStage != history!.CurrentStage)
                    {
                        moves.Add((a.Id, history.CurrentStage, evaluated.CurrentStage));
                    }

                    // Saved when it moved or just started (one entry per account: this list is as long as the portfolio on a first run).
                    if (started || evaluated.CurrentStage != history.CurrentStage)
                    {
                        changed.Add(evaluated);
                    }

                    return evaluated.CurrentStage == a.Stage ? a : a with { Stage = evaluated.CurrentStage };
                })];
                if (stages is not null && changed.Count > 0)
                {
                    await stages.SaveAsync(changed, ct).ConfigureAwait(false);
                }

                day.StageMoves = moves;
                Split(day);
                return Counts(("moved", moves.Count), ("histories_saved", stages is null ? 0 : changed.Count));
            });
        }

        var scorer = _services.GetService<HealthScorer>();
        if (scorer is not null)
        {
            var history = _services.GetService<IHealthHistoryStore>();
            var overrides = _services.GetService<IHealthOverrideStore>();
            var registry = _services.GetService<HealthOverrideRegistry>();
            yield return new Step(PipelineSteps.Health, false, async (day, ct) =>
            {
                // The overrides any instance kept apply here (replacing what the registry held).
                if (overrides is not null && registry is not null)
                {
                    registry.Restore(await overrides.AllAsync(ct).ConfigureAwait(false));
                }

                var scores = new HealthScore[day.Active.Count];
                if (history is null)
                {
                    scorer.ScoreBatch([.. day.Active], scores);
                }
                else
                {
                    // Against each account's latest record before today (hysteresis, last-known factors), then today's
                    // records written (replacing today's, so a resumed run writes the same ones again).
                    // Factor readings are kept (an explanation per account) only when a scorecard falls back on last-known
                    // values; otherwise the allocation-free score and its color are all the next day needs.
                    // In shards, the shard's accounts only, looked up by key: the read follows the shard, not the portfolio.
                    var previous = day.Shard.IsAll
                        ? await history.LatestAsync(day.Date.PlusDays(-1), ct).ConfigureAwait(false)
                        : await history.LatestAsync(day.Date.PlusDays(-1), [.. day.Active.Select(a => a.Id)], ct).ConfigureAwait(false);
                    var readings = scorer.Resolver.Scorecards.Append(scorer.Resolver.Default).Any(s => s.UsesLastKnown);
                    var now = Now();
                    var records = new HealthRecord[scores.Length];
                    for (var i = 0; i < scores.Length; i++)
                    {
                        var account = day.Active[i];
                        var before = previous.TryGetValue(account.Id, out var record) ? record.ToPrevious() : null;
                        if (readings)
                        {
                            var explanation = scorer.Explain(account, before);
                            scores[i] = explanation.Score;
                            records[i] = HealthRecord.From(day.Date, explanation);
                        }
                        else
                        {
                            scores[i] = scorer.Score(account, before);
                            records[i] = HealthRecord.From(account.Id, day.Date, now, scores[i]);
                        }
                    }

                    await history.WriteAsync(records, ct).ConfigureAwait(false);
                }

                day.Scores = scores;
                ReportBlindScorecards(scorer, scores);
                return Counts(("red", scores.Count(s => s.Color == HealthColor.Red)), ("yellow", scores.Count(s => s.Color == HealthColor.Yellow)), ("green", scores.Count(s => s.Color == HealthColor.Green)), ("unscored", scores.Count(s => s.Color is null)));
            });
        }

        if (_services.GetService<Segmenter>() is { } segmenter)
        {
            var history = _services.GetService<IHealthHistoryStore>();
            var snapshots = _services.GetService<ISegmentSnapshotStore>();
            yield return new Step(PipelineSteps.Segments, false, async (day, ct) =>
            {
                // health.change(n) compares with each account's latest record on or before n days ago.
                var points = new Dictionary<AccountId, List<HealthHistoryPoint>>();
                foreach (var days in history is null ? [] : segmenter.Catalog.Operands.Where(o => o.Kind == RuleOperandKind.HealthChange).Select(o => o.Days).Distinct())
                {
                    var records = day.Shard.IsAll
                        ? await history!.LatestAsync(day.Date.PlusDays(-days), ct).ConfigureAwait(false)
                        : await history!.LatestAsync(day.Date.PlusDays(-days), [.. day.Active.Select(a => a.Id)], ct).ConfigureAwait(false);
                    foreach (var (account, record) in records)
                    {
                        if (record.Score is { } score)
                        {
                            (points.TryGetValue(account, out var list) ? list : points[account] = []).Add(new HealthHistoryPoint(record.Date, score));
                        }
                    }
                }

                var evaluation = segmenter.Catalog.Evaluate(
                    day.Active.Select((a, i) => new SegmentSubject(a, i < day.Scores.Count ? day.Scores[i] : null, points.TryGetValue(a.Id, out var p) ? new HealthHistory(p.DistinctBy(x => x.Date)) : null)),
                    day.Date);
                day.Segments = evaluation;

                // Who entered and exited since the latest stored snapshot before today; today's replaces any of today's.
                var snapshot = evaluation.ToSnapshot();
                // In shards: the shard's part of the latest snapshot, and its part of today's written (the other shards' kept).
                var previous = snapshots is null ? null
                    : day.Shard.IsAll ? await snapshots.LatestAsync(day.Date.PlusDays(-1), ct).ConfigureAwait(false)
                    : await snapshots.LatestAsync(day.Date.PlusDays(-1), day.Shard, ct).ConfigureAwait(false);
                day.SegmentChanges = previous is null ? [] : evaluation.ChangesSince(previous);
                if (snapshots is not null)
                {
                    await (day.Shard.IsAll ? snapshots.WriteAsync(snapshot, ct) : snapshots.WriteAsync(snapshot, day.Shard, ct)).ConfigureAwait(false);
                }

                return Counts([
                    .. evaluation.Catalog.Segments.Select(s => ($"segment.{s.Name}", (long)evaluation.CountOf(s.Name))),
                    ("entered", day.SegmentChanges.Count(c => c.Kind == SegmentChangeKind.Entered)),
                    ("exited", day.SegmentChanges.Count(c => c.Kind == SegmentChangeKind.Exited))]);
            });
        }

        if (_services.GetService<PlaybookEngine>() is { } engine)
        {
            yield return new Step(PipelineSteps.Playbooks, true, async (day, ct) =>
            {
                var snapshot = new PortfolioSnapshot(
                    day.Date,
                    day.Active.Select((a, i) => new AccountSnapshot(a, i < day.Scores.Count ? day.Scores[i] : null, day.Segments?.SegmentsOf(a.Id).Select(s => s.Name))),
                    day.Churned) { Partial = !day.Shard.IsAll };
                var evaluation = await engine.EvaluateAsync(null, snapshot, day.Milestones, ct, allowMassCancellation: day.AllowMassCancellation).ConfigureAwait(false);
                day.Playbooks = evaluation;
                return Counts(("runs_created", evaluation.Created.Count), ("runs_suppressed", evaluation.Suppressed.Count), ("runs_cancelled", evaluation.Cancelled.Count), ("tasks_handed_off", evaluation.HandedOff.Count), ("handoff_failures", evaluation.Failures.Count));
            });
        }

        if (_services.GetService<RenewalForecaster>() is { } forecaster)
        {
            yield return new Step(PipelineSteps.Forecast, false, async (day, ct) =>
            {
                var quarter = ForecastQuarter(day.Date);
                var index = day.Active.Select((a, i) => (a.Id, i)).ToDictionary(x => x.Id, x => x.i);
                var forecast = forecaster.Forecast(RenewalForecaster.DueIn(day.Active, quarter).Select(a => new RenewalCase(a, index[a.Id] < day.Scores.Count ? day.Scores[index[a.Id]] : null)), quarter);
                day.Forecast = forecast;
                if (!day.Shard.IsAll)
                {
                    // The shard's part, for the portfolio-wide forecast after every shard (on whichever instance).
                    await _states.WriteAsync(ForecastPartKey(day.Shard), day.Date, ForecastParts.Write(forecast), ct).ConfigureAwait(false);
                }

                return ForecastCounts(forecast);
            });
        }
    }

    /// <summary>The key under which the pipeline saves the usage aggregator's state in the <see cref="IStateStore"/>; in shards, one per shard, <c>usage#3/16</c>.</summary>
    public const string UsageStateKey = "usage";

    /// <summary>The key of the shard count the usage states were saved for, when the pipeline runs in shards.</summary>
    private const string UsageShardsKey = "usage#shards";

    private static LocalDate QuarterStart(LocalDate date) => new LocalDate(date.Year, ((date.Month - 1) / 3 * 3) + 1, 1).PlusMonths(3);

    /// <summary>The quarter the day's forecast covers: the next calendar quarter.</summary>
    private static DateInterval ForecastQuarter(LocalDate date) => new(QuarterStart(date), QuarterStart(date).PlusMonths(3).PlusDays(-1));

    // One key per shard, replaced by the shard's next date: the portfolio-wide step checks the part is of its date.
    private string ForecastPartKey(AccountShard shard) => $"{_options.Name}:forecast#{shard}";

    private static Dictionary<string, long> ForecastCounts(RenewalForecast forecast) =>
        Counts([("renewals", forecast.Total.Sum(t => t.Renewals)), ("refused", forecast.Refused.Count), .. forecast.Total.Select(t => ($"expected_revenue.{t.Currency.Code}", (long)Math.Round(t.ExpectedRevenue.Amount)))]);

    /// <summary>The portfolio's forecast from the shards' parts.</summary>
    private async ValueTask<IReadOnlyDictionary<string, long>> CombineForecastAsync(RenewalForecaster forecaster, PipelineDay day, CancellationToken cancellationToken)
    {
        var quarter = ForecastQuarter(day.Date);
        var parts = new List<RenewalForecast>();
        var count = day.ShardRuns.Count;
        for (var i = 0; i < count; i++)
        {
            var key = ForecastPartKey(new AccountShard(i, count));
            var saved = await _states.ReadAsync(key, cancellationToken).ConfigureAwait(false);
            if (saved is null || saved.AsOf != day.Date)
            {
                throw new InvalidOperationException($"The forecast part of shard {i}/{count} for {day.Date:uuuu-MM-dd} is not in the state store (key '{key}' holds {(saved is null ? "nothing" : $"the part of {saved.AsOf:uuuu-MM-dd}")}): the shard ran a later date before this one's portfolio-wide steps. Rerun the date (PipelineRunRequest.Rerun) to compute it again.");
            }

            parts.Add(ForecastParts.Read(saved.State, forecaster, quarter));
        }

        var forecast = forecaster.Combine(quarter, parts);
        day.Forecast = forecast;

        return ForecastCounts(forecast);
    }

    /// <summary>The shards' counts, step by step, added up: the portfolio's accounts, colors, segment sizes, runs created.</summary>
    private static ValueTask<IReadOnlyDictionary<string, long>> SumShardsAsync(PipelineDay day, CancellationToken cancellationToken)
    {
        var sums = new Dictionary<string, long>(StringComparer.Ordinal) { ["shards"] = day.ShardRuns.Count };
        foreach (var step in day.ShardRuns.SelectMany(r => r.Steps))
        {
            foreach (var (name, value) in step.Counts)
            {
                var key = $"{step.Step}.{name}";
                sums[key] = sums.GetValueOrDefault(key) + value;
            }
        }

        sums["resumed"] = day.ShardRuns.Count(r => r.Claims > 1);
        return new(sums);
    }

    private static void Split(PipelineDay day)
    {
        day.Active = [.. day.Accounts.Where(a => a.Stage != DefaultLifecycleStages.Churned)];
        day.Churned = [.. day.Accounts.Where(a => a.Stage == DefaultLifecycleStages.Churned).Select(a => a.Id)];
    }

    private static Dictionary<string, long> Counts(params (string Name, long Value)[] counts) => counts.ToDictionary(c => c.Name, c => c.Value, StringComparer.Ordinal);

    private sealed record Step(string Name, bool Writes, Func<PipelineDay, CancellationToken, ValueTask<IReadOnlyDictionary<string, long>>> Run);
}

/// <summary>The names of the built-in steps, in the order they run.</summary>
public static class PipelineSteps
{
    /// <summary>Reads the accounts from the <see cref="IAccountSource"/>.</summary>
    public const string Accounts = "accounts";

    /// <summary>Ingests the day's usage events and computes the usage signals (when Usage and an <see cref="IUsageEventSource"/> are registered), or takes them from an <see cref="IUsageSignalSource"/>.</summary>
    public const string Usage = "usage";

    /// <summary>Moves stages forward where the entry criteria hold.</summary>
    public const string Stages = "stages";

    /// <summary>Scores health.</summary>
    public const string Health = "health";

    /// <summary>Evaluates the segments.</summary>
    public const string Segments = "segments";

    /// <summary>Runs the playbooks: the step that writes (runs and tasks, once per occurrence).</summary>
    public const string Playbooks = "playbooks";

    /// <summary>Forecasts next quarter's renewals; in shards, each shard forecasts its renewals, and the portfolio-wide step combines them.</summary>
    public const string Forecast = "forecast";

    /// <summary>In shards, the first portfolio-wide step: the shards' counts, step by step, added up (<c>segments.segment.at-risk</c>, <c>health.red</c>…), and how many shards were resumed.</summary>
    public const string Shards = "shards";
}

/// <summary>A step of your own, run after the built-in ones, once per date (a resumed run skips it once recorded complete).</summary>
/// <param name="Name">The step's name: its key in the ledger.</param>
/// <param name="Run">The work; returns what it counted (or null).</param>
public sealed record PipelineStepRegistration(string Name, Func<PipelineStepContext, CancellationToken, ValueTask<IReadOnlyDictionary<string, long>?>> Run)
{
    /// <summary>
    /// When the pipeline runs in shards: true runs the step once per date, after every shard, with the portfolio-wide
    /// results (<see cref="PipelineDay.ShardRuns"/>, the combined forecast); false (the default) runs it once per shard
    /// and date, with the shard's accounts. Makes no difference in one shard.
    /// </summary>
    public bool PortfolioWide { get; init; }
}
