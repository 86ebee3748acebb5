using CustomerLifecycle.Forecasting;
using Microsoft.Extensions.Options;
using NodaTime;
using NodaTime.Text;

namespace CustomerLifecycle.Sample;

/// <summary>The sample's own settings, the <c>Sample</c> section: bound strictly and validated with the library's options.</summary>
internal sealed class SampleOptions
{
    public const string SectionName = "Sample";

    /// <summary>The business date of the run, <c>yyyy-MM-dd</c>; the clock is fixed at 09:00 that day.</summary>
    public string AsOf { get; set; } = "2026-11-22";

    /// <summary>Simulated quarters for the forecast range; 1 to <see cref="RenewalSimulation.MaxTrials"/>.</summary>
    public int ForecastTrials { get; set; } = 10_000;

    /// <summary>The simulation's seed.</summary>
    public ulong Seed { get; set; } = 42;

    public LocalDate Date => LocalDatePattern.Iso.Parse(AsOf).GetValueOrThrow();
}

internal sealed class SampleOptionsValidator : IValidateOptions<SampleOptions>
{
    public ValidateOptionsResult Validate(string? name, SampleOptions options)
    {
        var errors = new List<string>();
        if (options.AsOf is null || !LocalDatePattern.Iso.Parse(options.AsOf).Success)
        {
            errors.Add($"{SampleOptions.SectionName}:AsOf: '{options.AsOf}' is not a date as yyyy-MM-dd.");
        }

        if (options.ForecastTrials is < 1 or > RenewalSimulation.MaxTrials)
        {
            errors.Add($"{SampleOptions.SectionName}:ForecastTrials: {options.ForecastTrials} is out of range; simulate 1 to {RenewalSimulation.MaxTrials} quarters.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
