using NodaTime;

namespace CustomerLifecycle.Forecasting;

/// <summary>
/// One subject of a survival analysis: how long it was observed, and whether the observation ended with the event
/// (churn) or was censored (still a customer when observation stopped).
/// </summary>
public readonly record struct SurvivalObservation
{
    /// <summary>Creates an observation.</summary>
    /// <param name="time">The time observed, in any unit (days, months), finite and zero or more.</param>
    /// <param name="churned">True when the observation ended with the event; false when censored.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="time"/> is negative or not finite.</exception>
    public SurvivalObservation(double time, bool churned)
    {
        if (!(time >= 0) || double.IsPositiveInfinity(time))
        {
            throw new ArgumentOutOfRangeException(nameof(time), time, "A survival time must be finite and zero or more.");
        }

        Time = time;
        Churned = churned;
    }

    /// <summary>The time observed.</summary>
    public double Time { get; }

    /// <summary>True for an event (churn); false for a censored observation.</summary>
    public bool Churned { get; }

    /// <summary>
    /// An account's observation in days: from <paramref name="start"/> to <paramref name="churnedOn"/> when it churned,
    /// otherwise to <paramref name="asOf"/> (censored).
    /// </summary>
    /// <param name="start">The day it became a customer.</param>
    /// <param name="churnedOn">The day it churned, if it did.</param>
    /// <param name="asOf">The end of observation.</param>
    /// <returns>The observation.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The end precedes <paramref name="start"/>, or the churn date is after <paramref name="asOf"/>.</exception>
    public static SurvivalObservation FromDates(LocalDate start, LocalDate? churnedOn, LocalDate asOf)
    {
        if (churnedOn > asOf)
        {
            throw new ArgumentOutOfRangeException(nameof(churnedOn), churnedOn, $"The churn date {churnedOn:uuuu-MM-dd} is after the end of observation {asOf:uuuu-MM-dd}.");
        }

        var end = churnedOn ?? asOf;
        var days = Period.DaysBetween(start, end);
        return days >= 0
            ? new SurvivalObservation(days, churnedOn.HasValue)
            : throw new ArgumentOutOfRangeException(nameof(start), start, $"The start {start:uuuu-MM-dd} is after the end of observation {end:uuuu-MM-dd}.");
    }
}
