using CustomerLifecycle.Stages;
using NodaTime;

namespace CustomerLifecycle.Playbooks;

/// <summary>The plan for one stage of the journey: who owns it, and the touchpoints planned in it.</summary>
/// <param name="Stage">The stage.</param>
/// <param name="Owner">The team or person that owns the stage, if any.</param>
/// <param name="Touchpoints">The touchpoints planned in it.</param>
public sealed record JourneyStagePlan(StageId Stage, string? Owner, IReadOnlyList<string> Touchpoints);

/// <summary>What kind of gap.</summary>
public enum JourneyGapKind
{
    /// <summary>A stage nobody owns.</summary>
    StageWithoutOwner = 0,

    /// <summary>A stage with no touchpoint planned.</summary>
    StageWithoutTouchpoint = 1,

    /// <summary>A silence between touchpoints longer than the limit.</summary>
    Silence = 2,
}

/// <summary>One gap in the journey.</summary>
/// <param name="Kind">What kind.</param>
/// <param name="Stage">The stage, for stage gaps.</param>
/// <param name="From">The start of a silence.</param>
/// <param name="To">The end of a silence.</param>
/// <param name="Description">The gap in words.</param>
public sealed record JourneyGap(JourneyGapKind Kind, StageId? Stage, LocalDate? From, LocalDate? To, string Description);

/// <summary>Journey gap analysis: stages without an owner or a touchpoint, and silences longer than a limit.</summary>
public static class JourneyGapAnalysis
{
    /// <summary>The stages of the model (except terminal ones) that the plan leaves without an owner or a touchpoint.</summary>
    /// <param name="model">The stage model.</param>
    /// <param name="plan">The plan per stage; a stage missing from it has neither.</param>
    /// <returns>The gaps, in stage order.</returns>
    public static IReadOnlyList<JourneyGap> StageGaps(LifecycleStageModel model, IEnumerable<JourneyStagePlan> plan)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(plan);
        var byStage = plan.ToDictionary(p => p.Stage);
        var gaps = new List<JourneyGap>();
        foreach (var stage in model.Stages.Where(s => s.Category != StageCategory.Terminal))
        {
            byStage.TryGetValue(stage.Id, out var p);
            if (string.IsNullOrWhiteSpace(p?.Owner))
            {
                gaps.Add(new JourneyGap(JourneyGapKind.StageWithoutOwner, stage.Id, null, null, $"Nobody owns the {stage.Id} stage."));
            }

            if (p is null || p.Touchpoints.Count == 0)
            {
                gaps.Add(new JourneyGap(JourneyGapKind.StageWithoutTouchpoint, stage.Id, null, null, $"No touchpoint is planned in the {stage.Id} stage."));
            }
        }

        return gaps;
    }

    /// <summary>Silences longer than <paramref name="limit"/> between an account's touchpoints within a window (the window's edges count as bounds).</summary>
    /// <param name="touchpoints">The dates of touchpoints, in any order (meetings, calls, emails, QBRs from the timeline).</param>
    /// <param name="window">The window examined.</param>
    /// <param name="limit">The longest acceptable silence, positive.</param>
    /// <returns>The silences, in date order.</returns>
    /// <exception cref="ArgumentException">The limit is not positive.</exception>
    public static IReadOnlyList<JourneyGap> Silences(IEnumerable<LocalDate> touchpoints, DateInterval window, Period limit)
    {
        ArgumentNullException.ThrowIfNull(touchpoints);
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(limit);
        if (window.Start.Plus(limit) <= window.Start)
        {
            throw new ArgumentException($"The silence limit {limit} must be positive.", nameof(limit));
        }

        var dates = touchpoints.Where(window.Contains).Append(window.Start).Append(window.End).Distinct().Order().ToArray();
        var gaps = new List<JourneyGap>();
        for (var i = 1; i < dates.Length; i++)
        {
            if (dates[i - 1].Plus(limit) < dates[i])
            {
                gaps.Add(new JourneyGap(JourneyGapKind.Silence, null, dates[i - 1], dates[i], $"No touchpoint for {Period.DaysBetween(dates[i - 1], dates[i])} days, from {dates[i - 1]:uuuu-MM-dd} to {dates[i]:uuuu-MM-dd} (limit {limit})."));
            }
        }

        return gaps;
    }
}
