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
    private readonly IStateStore _states;

    // The date of the usage state this instance's aggregator holds; another instance may have saved a newer one.
    private LocalDate? _usageAsOf;

    // Whether the aggregator holds exactly the state of _usageAsOf (or, with no date, is empty): false while batches,
    // which are not de-duplicated, are being applied, so that a failed attempt's half is dropped.
    private bool _usageClean = true;

    /// <summary>Creates the pipeline over the host's services (the DI registration does this).</summary>
    /// <param name="services">The host's services: an <see cref="IAccountSource"/> is required; each domain package registered adds its step.</param>
    /// <param name="options">The options.</param>
    /// <param name="steps">Your own steps, run after the built-in ones, in order.</param>
    /// <exception cref="InvalidOperationException">No <see cref="IAccountSource"/> is registered, or two steps share a name.</exception>
    public LifecyclePipeline(IServiceProvider services, IOptions<LifecyclePipelineOptions> options, IEnumerable<PipelineStepRegistration> steps)
    {
        _services = services ?? throw new ArgumentNullException(nameof(services));
        _options = (options ?? throw new ArgumentNullException(nameof(options))).Value;
        _ledger = services.GetService<IPipelineRunStore>() ?? new InMemoryPipelineRunStore();
        _clock = services.GetRequiredService<BusinessClock>();
        _time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        _states = services.GetService<IStateStore>() ?? new InMemoryStateStore();
        _logger = services.GetService<ILogger<LifecyclePipeline>>() ?? (ILogger)NullLogger.Instance;
        var source = services.GetService<IAccountSource>() ?? throw new InvalidOperationException("The pipeline reads accounts from an IAccountSource; register one (AddLifecyclePipeline(p => p.UseAccountSource<T>())).");
        _steps = [.. BuiltIn(source), .. (steps ?? []).Select(s => new Step(s.Name, true, (day, ct) => RunCustomAsync(s, day, ct)))];
        var repeated = _steps.GroupBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
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
        var owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
        var lease = Duration.FromTimeSpan(_options.Lease);
        var run = await _ledger.TryClaimAsync(_options.Name, day, owner, Now(), lease, request.Rerun, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            // Refused: the date succeeded, or another instance holds it; the ledger says which (a run that ended
            // between the two calls reads as what it became).
            var other = await _ledger.FindAsync(_options.Name, day, cancellationToken).ConfigureAwait(false);
            if (other is { Status: PipelineRunStatus.Running })
            {
                PipelineTelemetry.HeldElsewhere(_logger, _options.Name, day.ToString("uuuu-MM-dd", null), other.Owner, InstantPattern.ExtendedIso.Format(other.LeaseUntil));
                PipelineTelemetry.Runs.Add(1, new KeyValuePair<string, object?>(PipelineTelemetry.OutcomeTag, "held_elsewhere"));
                return new PipelineRunResult(day, PipelineRunOutcome.HeldElsewhere, other, null);
            }

            PipelineTelemetry.Skipped(_logger, _options.Name, day.ToString("uuuu-MM-dd", null));
            PipelineTelemetry.Runs.Add(1, new KeyValuePair<string, object?>(PipelineTelemetry.OutcomeTag, "skipped"));
            return new PipelineRunResult(day, PipelineRunOutcome.Skipped, other, null);
        }

        using var activity = PipelineTelemetry.Source.StartActivity("customerlifecycle.pipeline.run");
        activity?.SetTag("customerlifecycle.date", day.ToString("uuuu-MM-dd", null));
        activity?.SetTag("customerlifecycle.pipeline.claims", run.Claims);
        activity?.SetTag("customerlifecycle.pipeline.rerun", request.Rerun);
        PipelineTelemetry.Started(_logger, _options.Name, day.ToString("uuuu-MM-dd", null), run.Claims, run.Steps.Count);
        var context = new PipelineDay(day) { AllowMassCancellation = request.AllowMassCancellation };

        // The run as the ledger records it, kept here step by step, so the result needs no read-back (a read of the
        // newest dates would miss a rerun of an older one).
        var recorded = run;
        try
        {
            foreach (var step in _steps)
            {
                // A rerun runs every step again, and records each again; a resumed run rebuilds the computing steps
                // it completed and skips the writing ones.
                var done = run.Completed(step.Name) && !request.Rerun;
                if (done && step.Writes)
                {
                    continue;
                }

                var record = await RunStepAsync(step, context, done, cancellationToken).ConfigureAwait(false);
                if (!done && !await _ledger.CompleteStepAsync(_options.Name, day, owner, record, Now(), lease, CancellationToken.None).ConfigureAwait(false))
                {
                    PipelineTelemetry.LeaseLost(_logger, _options.Name, day.ToString("uuuu-MM-dd", null), step.Name);
                    PipelineTelemetry.Runs.Add(1, new KeyValuePair<string, object?>(PipelineTelemetry.OutcomeTag, "lease_lost"));
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
            await _ledger.FinishAsync(_options.Name, day, owner, PipelineRunStatus.Stopped, "stopped", Now(), CancellationToken.None).ConfigureAwait(false);
            PipelineTelemetry.Runs.Add(1, new KeyValuePair<string, object?>(PipelineTelemetry.OutcomeTag, "stopped"));
            PipelineTelemetry.Stopped(_logger, _options.Name, day.ToString("uuuu-MM-dd", null));
            throw;
        }
        catch (PipelineStepFailedException e)
        {
            await _ledger.FinishAsync(_options.Name, day, owner, PipelineRunStatus.Failed, $"{e.Step}: {e.InnerException?.Message}", Now(), CancellationToken.None).ConfigureAwait(false);
            PipelineTelemetry.Runs.Add(1, new KeyValuePair<string, object?>(PipelineTelemetry.OutcomeTag, "failed"));
            PipelineTelemetry.Failed(_logger, e, _options.Name, day.ToString("uuuu-MM-dd", null), e.Step, e.Attempts);
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Anything else out of a step or the ledger: the run ends failed (resumable), never left running until
            // its lease runs out. A ledger that cannot record it either is reported with the first error.
            try
            {
                await _ledger.FinishAsync(_options.Name, day, owner, PipelineRunStatus.Failed, e.Message, Now(), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ledger)
            {
                throw new AggregateException($"The pipeline's run of {day:uuuu-MM-dd} failed, and its ledger could not record that: {e.Message}", e, ledger);
            }

            PipelineTelemetry.Runs.Add(1, new KeyValuePair<string, object?>(PipelineTelemetry.OutcomeTag, "failed"));
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }

        var at = Now();
        if (!await _ledger.FinishAsync(_options.Name, day, owner, PipelineRunStatus.Succeeded, null, at, CancellationToken.None).ConfigureAwait(false))
        {
            // The lease ran out after the last step and another process holds the date now: it decides the outcome.
            PipelineTelemetry.LeaseLost(_logger, _options.Name, day.ToString("uuuu-MM-dd", null), recorded.Steps.Count > 0 ? recorded.Steps[^1].Step : "none");
            PipelineTelemetry.Runs.Add(1, new KeyValuePair<string, object?>(PipelineTelemetry.OutcomeTag, "lease_lost"));
            return new PipelineRunResult(day, PipelineRunOutcome.LeaseLost, null, context);
        }

        PipelineTelemetry.Runs.Add(1, new KeyValuePair<string, object?>(PipelineTelemetry.OutcomeTag, "succeeded"));
        PipelineTelemetry.Succeeded(_logger, _options.Name, day.ToString("uuuu-MM-dd", null));
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

    private async Task<PipelineStepRecord> RunStepAsync(Step step, PipelineDay day, bool rebuilding, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var activity = PipelineTelemetry.Source.StartActivity("customerlifecycle.pipeline.step");
            activity?.SetTag(PipelineTelemetry.StepTag, step.Name);
            var startedAt = Now();
            var started = _time.GetTimestamp();
            try
            {
                var counts = await step.Run(day, cancellationToken).ConfigureAwait(false);
                var took = _time.GetElapsedTime(started);
                PipelineTelemetry.StepDuration.Record(took.TotalSeconds, new KeyValuePair<string, object?>(PipelineTelemetry.StepTag, step.Name));
                if (!rebuilding)
                {
                    PipelineTelemetry.StepCompleted(_logger, step.Name, day.Date.ToString("uuuu-MM-dd", null), (long)took.TotalMilliseconds, string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}")));
                }

                return new PipelineStepRecord(step.Name, startedAt, Duration.FromTimeSpan(took), attempt, counts);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                activity?.SetStatus(ActivityStatusCode.Error, e.Message);
                PipelineTelemetry.StepFailures.Add(1, new KeyValuePair<string, object?>(PipelineTelemetry.StepTag, step.Name));

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
    private async Task SaveUsageAsync(UsageAggregator usage, LocalDate date, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        usage.SaveState(buffer, cancellationToken);
        await _states.WriteAsync(UsageStateKey, date, buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken).ConfigureAwait(false);
        (_usageAsOf, _usageClean) = (date, true);
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
            var accounts = new List<Account>();
            await foreach (var account in source.ReadAsync(day.Date, ct).ConfigureAwait(false))
            {
                accounts.Add(account ?? throw new InvalidDataException($"The account source gave a null account at position {accounts.Count}."));
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
            if (_services.GetService<IUsageEventSource>() is not null)
            {
                throw new InvalidOperationException("Both an IUsageBatchSource (record batches) and an IUsageEventSource (events) are registered; register one.");
            }

            yield return new Step(PipelineSteps.Usage, false, async (day, ct) =>
            {
                // Start from the newest saved state unless the aggregator holds exactly it; a date the saved state
                // already covers is not ingested again (batches carry no ids).
                var saved = await _states.ReadAsync(UsageStateKey, ct).ConfigureAwait(false);
                if (saved is not null && (!_usageClean || _usageAsOf != saved.AsOf))
                {
                    bulk.LoadState(new MemoryStream(saved.State, writable: false), ct);
                    (_usageAsOf, _usageClean) = (saved.AsOf, true);
                }
                else if (saved is null && !_usageClean)
                {
                    bulk.LoadState(new MemoryStream(EmptyUsageState(), writable: false), ct);
                    (_usageAsOf, _usageClean) = (null, true);
                }

                long accepted = 0, refused = 0, count = 0;
                var ingest = saved is null || saved.AsOf < day.Date;
                if (ingest)
                {
                    _usageClean = false;
                    await foreach (var batch in batches.ReadAsync(day.Date, ct).ConfigureAwait(false))
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
                    await SaveUsageAsync(bulk, day.Date, ct).ConfigureAwait(false);
                }

                return Counts(("batches", count), ("events_accepted", accepted), ("events_refused", refused), ("milestones", signals.Milestones.Count));
            });
        }
        else if (_services.GetService<UsageAggregator>() is { } usage && _services.GetService<IUsageEventSource>() is { } events)
        {
            yield return new Step(PipelineSteps.Usage, false, async (day, ct) =>
            {
                // Continue from the newest state any instance saved (this one's aggregator may be behind, or empty
                // after a restart); save it again after the day's events.
                if (await _states.ReadAsync(UsageStateKey, ct).ConfigureAwait(false) is { } saved && (_usageAsOf is null || saved.AsOf > _usageAsOf))
                {
                    usage.LoadState(new MemoryStream(saved.State, writable: false), ct);
                    _usageAsOf = saved.AsOf;
                }

                var report = await usage.IngestAsync(events.ReadAsync(day.Date, ct), ct).ConfigureAwait(false);
                var signals = usage.Evaluate([.. day.Accounts.Select(a => a.Id)]);
                MergeUsage(day, signals);
                await SaveUsageAsync(usage, day.Date, ct).ConfigureAwait(false);

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
                    var previous = await history.LatestAsync(day.Date.PlusDays(-1), ct).ConfigureAwait(false);
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
                    foreach (var (account, record) in await history!.LatestAsync(day.Date.PlusDays(-days), ct).ConfigureAwait(false))
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
                var previous = snapshots is null ? null : await snapshots.LatestAsync(day.Date.PlusDays(-1), ct).ConfigureAwait(false);
                day.SegmentChanges = previous is null ? [] : evaluation.ChangesSince(previous);
                if (snapshots is not null)
                {
                    await snapshots.WriteAsync(snapshot, ct).ConfigureAwait(false);
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
                    day.Churned);
                var evaluation = await engine.EvaluateAsync(null, snapshot, day.Milestones, ct, allowMassCancellation: day.AllowMassCancellation).ConfigureAwait(false);
                day.Playbooks = evaluation;
                return Counts(("runs_created", evaluation.Created.Count), ("runs_suppressed", evaluation.Suppressed.Count), ("runs_cancelled", evaluation.Cancelled.Count), ("tasks_handed_off", evaluation.HandedOff.Count), ("handoff_failures", evaluation.Failures.Count));
            });
        }

        if (_services.GetService<RenewalForecaster>() is { } forecaster)
        {
            yield return new Step(PipelineSteps.Forecast, false, (day, _) =>
            {
                var start = new LocalDate(day.Date.Year, ((day.Date.Month - 1) / 3 * 3) + 1, 1).PlusMonths(3);
                var quarter = new DateInterval(start, start.PlusMonths(3).PlusDays(-1));
                var index = day.Active.Select((a, i) => (a.Id, i)).ToDictionary(x => x.Id, x => x.i);
                var forecast = forecaster.Forecast(RenewalForecaster.DueIn(day.Active, quarter).Select(a => new RenewalCase(a, index[a.Id] < day.Scores.Count ? day.Scores[index[a.Id]] : null)), quarter);
                day.Forecast = forecast;
                return new(Counts([("renewals", forecast.Total.Sum(t => t.Renewals)), ("refused", forecast.Refused.Count), .. forecast.Total.Select(t => ($"expected_revenue.{t.Currency.Code}", (long)Math.Round(t.ExpectedRevenue.Amount)))]));
            });
        }
    }

    /// <summary>The key under which the pipeline saves the usage aggregator's state in the <see cref="IStateStore"/>.</summary>
    public const string UsageStateKey = "usage";

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

    /// <summary>Forecasts next quarter's renewals.</summary>
    public const string Forecast = "forecast";
}

/// <summary>A step of your own, run after the built-in ones, once per date (a resumed run skips it once recorded complete).</summary>
/// <param name="Name">The step's name: its key in the ledger.</param>
/// <param name="Run">The work; returns what it counted (or null).</param>
public sealed record PipelineStepRegistration(string Name, Func<PipelineStepContext, CancellationToken, ValueTask<IReadOnlyDictionary<string, long>?>> Run);
