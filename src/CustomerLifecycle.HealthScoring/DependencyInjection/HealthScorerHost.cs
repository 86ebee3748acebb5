using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NodaTime;

namespace CustomerLifecycle.HealthScoring;

/// <summary>Owns the DI-created scorer and swaps its scorecards when the options change.</summary>
internal sealed class HealthScorerHost : IDisposable
{
    private readonly IDisposable? _subscription;

    public HealthScorerHost(IOptionsMonitor<HealthScoringOptions> options, IEnumerable<IHealthFactor> factors, IEnumerable<ScorecardRegistration> scorecards, IClock clock, HealthOverrideRegistry overrides, ILogger<HealthScorer>? logger = null, System.Diagnostics.Metrics.IMeterFactory? meterFactory = null)
    {
        ILogger log = (ILogger?)logger ?? NullLogger.Instance;
        var factorList = factors.ToArray();
        var scorecardList = scorecards.Select(s => s.Scorecard).ToArray();
        var current = options.CurrentValue;
        Scorer = new HealthScorer(Build(current, factorList, scorecardList), clock, overrides, current.HysteresisMargin) { Metrics = HealthScoringMetrics.For(meterFactory) };

        // Changes arrive validated: an invalid one never reaches this callback, and the scorer keeps its scorecards
        // and records the rejection.
        _subscription = options.OnChange(changed =>
        {
            var resolver = Build(changed, factorList, scorecardList);
            Scorer.UseResolver(resolver);
            Scorer.LastRejectedReload = null;
            HealthScoringTelemetry.Reloaded(log, changed.Scorecards.Count);
        });
        if (options is RetainingOptionsMonitor<HealthScoringOptions> retaining)
        {
            retaining.ReloadRejected += rejected =>
            {
                Scorer.LastRejectedReload = rejected;
                HealthScoringTelemetry.ReloadRejected(log, string.Join(" ", rejected.Failures));
            };
        }
    }

    public HealthScorer Scorer { get; }

    public void Dispose() => _subscription?.Dispose();

    private static ScorecardResolver Build(HealthScoringOptions options, IHealthFactor[] factors, Scorecard[] scorecards) =>
        ScorecardConfiguration.TryBuild(options, factors, scorecards, out var resolver, out var errors)
            ? resolver!
            : throw new OptionsValidationException(nameof(HealthScoringOptions), typeof(HealthScoringOptions), errors);
}
