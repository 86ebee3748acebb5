using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace CustomerLifecycle.HealthScoring;

/// <summary>Health scoring's instrument (docs/observability.md lists it), on the host's meter or the shared one.</summary>
internal sealed class HealthScoringMetrics
{
    private const string ColorTag = "customerlifecycle.health.color";

    private static readonly KeyValuePair<string, object?> Red = new(ColorTag, "red");
    private static readonly KeyValuePair<string, object?> Yellow = new(ColorTag, "yellow");
    private static readonly KeyValuePair<string, object?> Green = new(ColorTag, "green");
    private static readonly KeyValuePair<string, object?> None = new(ColorTag, "none");

    private readonly Counter<long> _accountsScored;

    public HealthScoringMetrics(IMeterFactory? meterFactory) =>
        _accountsScored = CustomerLifecycleTelemetry.CreateMeter(meterFactory).CreateCounter<long>("customerlifecycle.health.accounts_scored", "{account}", "Accounts scored, by color (none: no factor applied).");

    /// <summary>The instrument on the process's shared meter, for scorers not made by dependency injection.</summary>
    public static HealthScoringMetrics Shared { get; } = new(null);

    /// <summary>The instrument on <paramref name="meterFactory"/>'s meter, or the shared one when there is none.</summary>
    public static HealthScoringMetrics For(IMeterFactory? meterFactory) => meterFactory is null ? Shared : new(meterFactory);

    /// <summary>Counts a batch's colors: one pass over the results, and only when someone listens.</summary>
    public void Count(ReadOnlySpan<HealthScore> scores)
    {
        if (!_accountsScored.Enabled)
        {
            return;
        }

        long red = 0, yellow = 0, green = 0, none = 0;
        foreach (var score in scores)
        {
            Tally(score.Color, ref red, ref yellow, ref green, ref none);
        }

        Add(red, yellow, green, none);
    }

    /// <summary>Counts a color column.</summary>
    public void Count(ReadOnlySpan<HealthColor?> colors)
    {
        if (!_accountsScored.Enabled)
        {
            return;
        }

        long red = 0, yellow = 0, green = 0, none = 0;
        foreach (var color in colors)
        {
            Tally(color, ref red, ref yellow, ref green, ref none);
        }

        Add(red, yellow, green, none);
    }

    /// <summary>Counts one score.</summary>
    public void Count(HealthColor? color)
    {
        if (_accountsScored.Enabled)
        {
            _accountsScored.Add(1, color switch { HealthColor.Red => Red, HealthColor.Yellow => Yellow, HealthColor.Green => Green, _ => None });
        }
    }

    private static void Tally(HealthColor? color, ref long red, ref long yellow, ref long green, ref long none)
    {
        switch (color)
        {
            case HealthColor.Red: red++; break;
            case HealthColor.Yellow: yellow++; break;
            case HealthColor.Green: green++; break;
            default: none++; break;
        }
    }

    private void Add(long red, long yellow, long green, long none)
    {
        if (red > 0) _accountsScored.Add(red, Red);
        if (yellow > 0) _accountsScored.Add(yellow, Yellow);
        if (green > 0) _accountsScored.Add(green, Green);
        if (none > 0) _accountsScored.Add(none, None);
    }
}

/// <summary>Health scoring's log events (docs/observability.md lists them).</summary>
internal static partial class HealthScoringTelemetry
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "A reload of the health scoring options was rejected; the scorer keeps its scorecards. {Errors}")]
    public static partial void ReloadRejected(ILogger logger, string errors);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "The health scoring options were reloaded: {Scorecards} scorecards")]
    public static partial void Reloaded(ILogger logger, int scorecards);
}
