using NodaTime;

namespace CustomerLifecycle.Onboarding;

/// <summary>One account's progress through an onboarding checklist: which steps are done and when, what is overdue.</summary>
/// <remarks>This type is immutable and thread-safe: <see cref="Complete"/> returns new progress.</remarks>
public sealed class OnboardingProgress
{
    private readonly LocalDate?[] _completedOn;

    internal OnboardingProgress(OnboardingChecklistTemplate template, AccountId account, LocalDate start)
        : this(template, account, start, new LocalDate?[template.Steps.Count])
    {
        if (account.IsEmpty)
        {
            throw new ArgumentException("Onboarding progress needs an account; default(AccountId) names none.", nameof(account));
        }
    }

    private OnboardingProgress(OnboardingChecklistTemplate template, AccountId account, LocalDate start, LocalDate?[] completedOn)
    {
        Template = template;
        Account = account;
        Start = start;
        _completedOn = completedOn;
    }

    /// <summary>The checklist.</summary>
    public OnboardingChecklistTemplate Template { get; }

    /// <summary>The account.</summary>
    public AccountId Account { get; }

    /// <summary>The day onboarding started.</summary>
    public LocalDate Start { get; }

    /// <summary>The share of required steps done, from 0 to 1; 1 when the checklist has no required step.</summary>
    public double Completion
    {
        get
        {
            int required = 0, done = 0;
            for (var i = 0; i < _completedOn.Length; i++)
            {
                if (Template.Steps[i].IsRequired)
                {
                    required++;
                    done += _completedOn[i] is null ? 0 : 1;
                }
            }

            return required == 0 ? 1.0 : (double)done / required;
        }
    }

    /// <summary>True when every required step is done.</summary>
    public bool IsComplete => CompletedOn is not null || !Template.Steps.Any(s => s.IsRequired);

    /// <summary>The day the last required step was done, once all are; null before. Null also when no step is required.</summary>
    public LocalDate? CompletedOn
    {
        get
        {
            LocalDate? last = null;
            for (var i = 0; i < _completedOn.Length; i++)
            {
                if (!Template.Steps[i].IsRequired)
                {
                    continue;
                }

                if (_completedOn[i] is not { } done)
                {
                    return null;
                }

                last = last is null || done > last ? done : last;
            }

            return last;
        }
    }

    /// <summary>Days from the start to <see cref="CompletedOn"/>; null until onboarding is complete.</summary>
    public int? DaysToOnboard => CompletedOn is { } done ? Period.Between(Start, done, PeriodUnits.Days).Days : null;

    /// <summary>The day a step was done, or null if it is not done.</summary>
    /// <param name="stepId">The step's id.</param>
    /// <exception cref="ArgumentException">The template has no such step.</exception>
    public LocalDate? CompletedOnFor(string stepId) => _completedOn[IndexOf(stepId)];

    /// <summary>The day a step is due: the start plus the step's offset.</summary>
    /// <param name="step">A step of the template.</param>
    public LocalDate DueOn(OnboardingStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return Start.Plus(step.DueAfter);
    }

    /// <summary>The steps not done whose due day is before <paramref name="today"/>, in template order.</summary>
    /// <param name="today">The current date in the business time zone.</param>
    public IReadOnlyList<OnboardingStep> OverdueSteps(LocalDate today)
    {
        var overdue = new List<OnboardingStep>();
        for (var i = 0; i < _completedOn.Length; i++)
        {
            var step = Template.Steps[i];
            if (_completedOn[i] is null && DueOn(step) < today)
            {
                overdue.Add(step);
            }
        }

        return overdue;
    }

    /// <summary>Records a step as done.</summary>
    /// <param name="stepId">The step's id.</param>
    /// <param name="on">The day it was done; not before the start.</param>
    /// <returns>The new progress.</returns>
    /// <exception cref="ArgumentException">The template has no such step.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="on"/> is before the start.</exception>
    /// <exception cref="InvalidOperationException">The step is already done.</exception>
    public OnboardingProgress Complete(string stepId, LocalDate on)
    {
        var index = IndexOf(stepId);
        if (on < Start)
        {
            throw new ArgumentOutOfRangeException(nameof(on), on, $"Step '{stepId}' of account '{Account}' cannot be done on {on:uuuu-MM-dd}, before onboarding started on {Start:uuuu-MM-dd}.");
        }

        if (_completedOn[index] is { } done)
        {
            throw new InvalidOperationException($"Step '{stepId}' of account '{Account}' was already done on {done:uuuu-MM-dd}.");
        }

        var completed = (LocalDate?[])_completedOn.Clone();
        completed[index] = on;
        return new OnboardingProgress(Template, Account, Start, completed);
    }

    private int IndexOf(string stepId)
    {
        var index = stepId is null ? -1 : Template.IndexOf(stepId);
        return index >= 0 ? index : throw new ArgumentException($"Onboarding checklist '{Template.Name}' has no step '{stepId}'.", nameof(stepId));
    }
}
