using NodaTime;

namespace CustomerLifecycle.HealthScoring;

/// <summary>A CSM's manual override of an account's color: who set it, when, why, and until when.</summary>
/// <param name="Account">The account.</param>
/// <param name="Color">The color set.</param>
/// <param name="Author">Who set it.</param>
/// <param name="Reason">Why.</param>
/// <param name="SetAt">When it was set.</param>
/// <param name="ExpiresAt">When it stops applying.</param>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed record HealthOverride(AccountId Account, HealthColor Color, string Author, string Reason, Instant SetAt, Instant ExpiresAt)
{
    /// <summary>True at instants from <see cref="SetAt"/> up to (not including) <see cref="ExpiresAt"/>.</summary>
    /// <param name="now">The instant.</param>
    public bool IsActiveAt(Instant now) => now >= SetAt && now < ExpiresAt;
}
