using NodaTime;

namespace CustomerLifecycle.Stages;

/// <summary>Durations and rates computed from stage histories: time in stage, time to onboard, time to first value, activation.</summary>
/// <remarks>All members are pure functions of their arguments and are thread-safe.</remarks>
public static class StageMetrics
{
    /// <summary>The total time the account has spent in <paramref name="stage"/>, over every visit, up to <paramref name="now"/>.</summary>
    /// <param name="history">The account's history.</param>
    /// <param name="stage">The stage.</param>
    /// <param name="now">The end of the current visit, when the account is in the stage now; not before the last move.</param>
    /// <returns>The total time; zero when the account never entered the stage.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="now"/> is before the last move of the history.</exception>
    public static Duration TimeInStage(StageHistory history, StageId stage, Instant now)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (now < history.EnteredCurrentStageAt)
        {
            throw new ArgumentOutOfRangeException(nameof(now), now, $"'now' ({now}) is before the last stage move of account '{history.Account}' ({history.EnteredCurrentStageAt}).");
        }

        var total = Duration.Zero;
        var transitions = history.Transitions;
        for (var i = 0; i < transitions.Count; i++)
        {
            if (transitions[i].To != stage)
            {
                continue;
            }

            var end = i + 1 < transitions.Count ? transitions[i + 1].At : now;
            total += end - transitions[i].At;
        }

        return total;
    }

    /// <summary>
    /// Time from first entering the model's onboarding stage to first entering any later customer stage; null when
    /// onboarding has not finished (or never started, or the model names no onboarding stage).
    /// </summary>
    /// <param name="history">The account's history.</param>
    /// <param name="model">The model the history was made under.</param>
    public static Duration? TimeToOnboard(StageHistory history, LifecycleStageModel model)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(model);
        if (model.OnboardingStage is not { } onboarding)
        {
            return null;
        }

        return TimeFromOnboardingTo(history, model, model.GetStage(onboarding).Order + 1);
    }

    /// <summary>
    /// Time from first entering the onboarding stage to first entering the first-value stage or any later customer
    /// stage; null until the customer reaches first value, or when the model names either stage not.
    /// </summary>
    /// <param name="history">The account's history.</param>
    /// <param name="model">The model the history was made under.</param>
    public static Duration? TimeToFirstValue(StageHistory history, LifecycleStageModel model)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(model);
        if (model.FirstValueStage is not { } firstValue || model.OnboardingStage is null)
        {
            return null;
        }

        return TimeFromOnboardingTo(history, model, model.GetStage(firstValue).Order);
    }

    /// <summary>
    /// The activation of a cohort: of the accounts that first entered onboarding within <paramref name="cohortEntry"/>,
    /// how many reached first value within <paramref name="within"/> of that entry.
    /// </summary>
    /// <param name="histories">The histories to consider; each account once.</param>
    /// <param name="model">The model the histories were made under; it must name onboarding and first-value stages.</param>
    /// <param name="cohortEntry">The interval in which the cohort entered onboarding.</param>
    /// <param name="within">The time allowed to reach first value; positive.</param>
    /// <exception cref="ArgumentException">The model names no onboarding or first-value stage, or an account appears twice.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="within"/> is not positive.</exception>
    public static CohortActivation ActivationRate(IEnumerable<StageHistory> histories, LifecycleStageModel model, Interval cohortEntry, Duration within)
    {
        ArgumentNullException.ThrowIfNull(histories);
        ArgumentNullException.ThrowIfNull(model);
        if (within <= Duration.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(within), within, "The time allowed to reach first value must be positive.");
        }

        if (model.OnboardingStage is not { } onboarding || model.FirstValueStage is null)
        {
            throw new ArgumentException("Activation needs a model that names both an onboarding stage and a first-value stage.", nameof(model));
        }

        var seen = new HashSet<AccountId>();
        int size = 0, activated = 0;
        foreach (var history in histories)
        {
            ArgumentNullException.ThrowIfNull(history, nameof(histories));
            if (!seen.Add(history.Account))
            {
                throw new ArgumentException($"Account '{history.Account}' appears more than once in the cohort.", nameof(histories));
            }

            if (history.FirstEntered(onboarding) is not { } entered || !cohortEntry.Contains(entered))
            {
                continue;
            }

            size++;
            if (TimeToFirstValue(history, model) is { } time && time <= within)
            {
                activated++;
            }
        }

        return new CohortActivation(size, activated);
    }

    private static Duration? TimeFromOnboardingTo(StageHistory history, LifecycleStageModel model, int minimumOrder)
    {
        var onboarding = model.OnboardingStage!.Value;
        Instant? started = null;
        foreach (var t in history.Transitions)
        {
            if (started is null)
            {
                if (t.To == onboarding)
                {
                    started = t.At;
                }

                continue;
            }

            if (model.TryGetStage(t.To, out var stage) && stage.Category == StageCategory.Customer && stage.Order >= minimumOrder)
            {
                return t.At - started.Value;
            }
        }

        return null;
    }
}
