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

    /// <summary>Checks an override as a store or a registry receives it.</summary>
    /// <param name="entry">The override.</param>
    /// <exception cref="ArgumentException">No account, a color that is not defined, no author or reason, an author or reason a store cannot keep exactly (a NUL or a lone surrogate), or an expiry not after it was set; the message names the account and the field.</exception>
    public static void Validate(HealthOverride entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var problem = entry.Account.IsEmpty ? "it names no account"
            : !Enum.IsDefined(entry.Color) ? $"Color {(int)entry.Color} is not Red, Yellow or Green"
            : string.IsNullOrWhiteSpace(entry.Author) ? "it needs an Author"
            : string.IsNullOrWhiteSpace(entry.Reason) ? "it needs a Reason"
            : entry.ExpiresAt <= entry.SetAt ? $"ExpiresAt {entry.ExpiresAt} is not after SetAt {entry.SetAt}"
            : StoredText.Problem("Author", entry.Author) ?? StoredText.Problem("Reason", entry.Reason);
        if (problem is not null)
        {
            throw new ArgumentException($"The health override of account '{entry.Account}' is not valid: {problem}.", nameof(entry));
        }
    }
}
