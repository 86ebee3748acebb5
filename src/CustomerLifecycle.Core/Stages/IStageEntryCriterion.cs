using NodaTime;

namespace CustomerLifecycle.Stages;

/// <summary>
/// A condition an account must meet to enter a lifecycle stage automatically. A stage's criteria must all hold;
/// a stage with no criteria is entered only by an explicit move.
/// </summary>
/// <remarks>
/// Implement this interface for criteria the built-ins do not cover. Implementations must be thread-safe
/// and side-effect free: the stage machine may evaluate them for many accounts at once.
/// </remarks>
public interface IStageEntryCriterion
{
    /// <summary>A short human-readable statement of the condition, for audit trails and error messages.</summary>
    string Description { get; }

    /// <summary>True when <paramref name="account"/> meets the condition on <paramref name="today"/>.</summary>
    /// <param name="account">The account.</param>
    /// <param name="today">The current date in the business time zone.</param>
    bool IsMet(Account account, LocalDate today);
}
