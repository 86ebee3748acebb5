using NodaTime;

namespace CustomerLifecycle.Onboarding;

/// <summary>A named onboarding checklist: the steps every new customer goes through, with when each is due.</summary>
/// <remarks>This type is immutable and thread-safe.</remarks>
public sealed class OnboardingChecklistTemplate
{
    private readonly Dictionary<string, int> _indexById;

    /// <summary>Creates a template.</summary>
    /// <param name="name">The template's name.</param>
    /// <param name="steps">The steps, in the order they are shown; at least one; ids unique.</param>
    /// <exception cref="ArgumentException">The name is blank, there are no steps, or two steps share an id.</exception>
    public OnboardingChecklistTemplate(string name, IEnumerable<OnboardingStep> steps)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("An onboarding checklist needs a name.", nameof(name));
        }

        ArgumentNullException.ThrowIfNull(steps);
        var list = steps.ToArray();
        if (list.Length == 0)
        {
            throw new ArgumentException($"Onboarding checklist '{name}' has no steps.", nameof(steps));
        }

        _indexById = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < list.Length; i++)
        {
            var step = list[i] ?? throw new ArgumentException($"Onboarding checklist '{name}' has a null step at position {i}.", nameof(steps));
            if (!_indexById.TryAdd(step.Id, i))
            {
                throw new ArgumentException($"Onboarding checklist '{name}' has step id '{step.Id}' twice; step ids are unique.", nameof(steps));
            }
        }

        Name = name;
        Steps = list;
    }

    /// <summary>The template's name.</summary>
    public string Name { get; }

    /// <summary>The steps, in the order they are shown.</summary>
    public IReadOnlyList<OnboardingStep> Steps { get; }

    /// <summary>A typical B2B SaaS onboarding: kickoff, technical setup, data import, admin and user training, go-live, first value review.</summary>
    public static OnboardingChecklistTemplate Standard { get; } = new("Standard", [
        new OnboardingStep("kickoff", "Kickoff meeting with the customer's team", Period.FromDays(7)),
        new OnboardingStep("technical_setup", "Technical setup and integrations", Period.FromDays(21)),
        new OnboardingStep("data_import", "Import the customer's data", Period.FromDays(30)),
        new OnboardingStep("admin_training", "Train the administrators", Period.FromDays(30)),
        new OnboardingStep("user_training", "Train the end users", Period.FromDays(45)),
        new OnboardingStep("go_live", "Go live", Period.FromDays(60)),
        new OnboardingStep("success_plan", "Agree the success plan and goals", Period.FromDays(30), isRequired: false),
        new OnboardingStep("first_value_review", "Review first value with the sponsor", Period.FromDays(90), isRequired: false),
    ]);

    /// <summary>Gets a step by id.</summary>
    /// <param name="stepId">The step's id.</param>
    /// <exception cref="ArgumentException">The template has no such step.</exception>
    public OnboardingStep GetStep(string stepId) =>
        stepId is not null && _indexById.TryGetValue(stepId, out var i)
            ? Steps[i]
            : throw new ArgumentException($"Onboarding checklist '{Name}' has no step '{stepId}'; its steps are: {string.Join(", ", Steps.Select(s => s.Id))}.", nameof(stepId));

    /// <summary>Starts tracking an account's onboarding from <paramref name="start"/>.</summary>
    /// <param name="account">The account.</param>
    /// <param name="start">The day onboarding started (usually the contract start).</param>
    /// <exception cref="ArgumentException"><paramref name="account"/> is default.</exception>
    public OnboardingProgress Begin(AccountId account, LocalDate start) => new(this, account, start);

    internal int IndexOf(string stepId) => _indexById.TryGetValue(stepId, out var i) ? i : -1;
}
