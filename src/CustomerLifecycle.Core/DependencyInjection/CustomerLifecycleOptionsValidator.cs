using Microsoft.Extensions.Options;
using NodaTime;

namespace CustomerLifecycle;

/// <summary>Checks <see cref="CustomerLifecycleOptions"/> and reports every problem at once, each with its configuration key.</summary>
internal sealed class CustomerLifecycleOptionsValidator(string sectionPath) : IValidateOptions<CustomerLifecycleOptions>
{
    public ValidateOptionsResult Validate(string? name, CustomerLifecycleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.TimeZone is null || DateTimeZoneProviders.Tzdb.GetZoneOrNull(options.TimeZone) is null)
        {
            failures.Add($"{Key("TimeZone")}: '{options.TimeZone}' is not a tzdb time zone id (such as Etc/UTC or Europe/Berlin).");
        }

        if (options.RenewalWindowDays is < 1 or > 366)
        {
            failures.Add($"{Key("RenewalWindowDays")}: {options.RenewalWindowDays} is out of range; the renewal window is from 1 to 366 days.");
        }

        if (options.StageModel is null)
        {
            failures.Add($"{Key("StageModel")}: must not be null; leave it empty for the default model.");
        }
        else if (!options.StageModel.TryCreateModel(out _, out var errors))
        {
            failures.AddRange(errors.Select(e => $"{Key("StageModel:" + e.Key)}: {e.Message}"));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private string Key(string relative) => string.IsNullOrEmpty(sectionPath) ? relative : sectionPath + ":" + relative;
}
