using NodaTime;

namespace CustomerLifecycle.Onboarding;

/// <summary>A step of an onboarding checklist template.</summary>
/// <remarks>This type is immutable and thread-safe.</remarks>
public sealed record OnboardingStep
{
    /// <summary>Creates a step.</summary>
    /// <param name="id">A short identifier, unique within the template (for example <c>kickoff</c>).</param>
    /// <param name="title">What the step is, for people.</param>
    /// <param name="dueAfter">When the step is due, relative to the onboarding start (for example 14 days); not negative.</param>
    /// <param name="isRequired">Whether onboarding is complete only once this step is done.</param>
    /// <exception cref="ArgumentException">The id or title is blank, or <paramref name="dueAfter"/> has time units.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dueAfter"/> is negative.</exception>
    public OnboardingStep(string id, string title, Period dueAfter, bool isRequired = true)
    {
        AccountId.Validate(id, nameof(id), 64);
        if (string.IsNullOrWhiteSpace(title))
        {
            throw new ArgumentException($"Onboarding step '{id}' needs a title.", nameof(title));
        }

        ArgumentNullException.ThrowIfNull(dueAfter);
        if (dueAfter.HasTimeComponent)
        {
            throw new ArgumentException($"Onboarding step '{id}' is due after {dueAfter}; use days, weeks or months, not hours.", nameof(dueAfter));
        }

        if (dueAfter.Years < 0 || dueAfter.Months < 0 || dueAfter.Weeks < 0 || dueAfter.Days < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(dueAfter), dueAfter, $"Onboarding step '{id}' is due after {dueAfter}; a due offset is not negative.");
        }

        Id = id;
        Title = title;
        DueAfter = dueAfter;
        IsRequired = isRequired;
    }

    /// <summary>The step's identifier.</summary>
    public string Id { get; }

    /// <summary>What the step is, for people.</summary>
    public string Title { get; }

    /// <summary>When the step is due, relative to the onboarding start.</summary>
    public Period DueAfter { get; }

    /// <summary>Whether onboarding is complete only once this step is done.</summary>
    public bool IsRequired { get; }
}
