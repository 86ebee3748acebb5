using Microsoft.Extensions.Options;

namespace CustomerLifecycle.HealthScoring;

internal sealed class HealthScoringOptionsValidator(string sectionPath, IEnumerable<IHealthFactor> factors, IEnumerable<ScorecardRegistration> scorecards) : IValidateOptions<HealthScoringOptions>
{
    public ValidateOptionsResult Validate(string? name, HealthScoringOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ScorecardConfiguration.TryBuild(options, factors, scorecards.Select(s => s.Scorecard), out _, out var errors)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(errors.Select(e => string.IsNullOrEmpty(sectionPath) ? e : sectionPath + ":" + e));
    }
}
