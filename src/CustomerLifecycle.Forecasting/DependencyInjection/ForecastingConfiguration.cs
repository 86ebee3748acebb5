using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;

namespace CustomerLifecycle.Forecasting;

internal static class ForecastingConfiguration
{
    public static bool TryBuild(ForecastingOptions options, string sectionPath, [NotNullWhen(true)] out RenewalForecaster? forecaster, out List<string> errors)
    {
        var prefix = string.IsNullOrEmpty(sectionPath) ? string.Empty : sectionPath + ":";
        errors = [];
        forecaster = null;
        for (var i = 0; i < options.ScoreBands.Count; i++)
        {
            var band = options.ScoreBands[i];
            if (!(band.MinScore is >= 0 and <= 100) || (i == 0 && band.MinScore != 0) || (i > 0 && band.MinScore <= options.ScoreBands[i - 1].MinScore))
            {
                errors.Add($"{prefix}ScoreBands:{i}:MinScore: must be 0–100, the first 0 and each above the last (was {band.MinScore}).");
            }

            if (!(band.Probability is >= 0 and <= 1))
            {
                errors.Add($"{prefix}ScoreBands:{i}:Probability: must be within 0–1 (was {band.Probability}).");
            }
        }

        foreach (var (color, probability) in options.ColorProbabilities)
        {
            if (!Enum.IsDefined(color) || !(probability is >= 0 and <= 1))
            {
                errors.Add($"{prefix}ColorProbabilities:{color}: must be a color (Red, Yellow, Green) with a probability within 0–1 (was {probability}).");
            }
        }

        foreach (var (tier, probability) in options.ConfidenceTiers)
        {
            if (!(probability is >= 0 and <= 1))
            {
                errors.Add($"{prefix}ConfidenceTiers:{tier}: must be within 0–1 (was {probability}).");
            }
        }

        if (!(options.CommitThreshold is >= 0 and <= 1))
        {
            errors.Add($"{prefix}CommitThreshold: must be within 0–1 (was {options.CommitThreshold}).");
        }

        if (!Enum.IsDefined(options.RefusedRenewals))
        {
            errors.Add($"{prefix}RefusedRenewals: must be SkipAndReport or Throw (was {options.RefusedRenewals}).");
        }

        if (!Enum.IsDefined(options.Breakdown))
        {
            errors.Add($"{prefix}Breakdown: must be Month or Quarter (was {options.Breakdown}).");
        }

        if (errors.Count > 0)
        {
            return false;
        }

        var bands = options.ScoreBands.Count == 0 && options.ColorProbabilities.Count == 0
            ? HealthBandProbabilityModel.Default
            : new HealthBandProbabilityModel(
                options.ScoreBands.Count == 0 ? HealthBandProbabilityModel.DefaultScoreBands : options.ScoreBands.Select(b => (b.MinScore, b.Probability)),
                options.ColorProbabilities.Count == 0 ? HealthBandProbabilityModel.DefaultColorProbabilities : options.ColorProbabilities);
        var tiers = options.ConfidenceTiers.Count == 0 ? CsmCallProbabilityModel.Default : new CsmCallProbabilityModel(options.ConfidenceTiers);
        forecaster = new RenewalForecaster(new ChainProbabilityModel(tiers, bands), options.Breakdown, options.CommitThreshold, options.RefusedRenewals);
        return true;
    }
}

internal sealed class ForecastingOptionsValidator(string sectionPath) : IValidateOptions<ForecastingOptions>
{
    public ValidateOptionsResult Validate(string? name, ForecastingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ForecastingConfiguration.TryBuild(options, sectionPath, out _, out var errors) ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
