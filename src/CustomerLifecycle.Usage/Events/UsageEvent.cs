using NodaTime;

namespace CustomerLifecycle.Usage;

/// <summary>
/// One product-usage event: a user of an account did something named <see cref="Name"/> (for example
/// <c>report.exported</c>) at an instant, <see cref="Quantity"/> times.
/// </summary>
/// <remarks>
/// The constructor checks nothing, so that a bad event can be reported rather than thrown: an ingestion refuses it,
/// with the reason, and goes on with the next. This type is an immutable value and is thread-safe.
/// </remarks>
/// <param name="Id">The event's identifier, unique per event; a second event with the same id is a duplicate and is ignored.</param>
/// <param name="Account">The account.</param>
/// <param name="User">The user who did it, as the host identifies users; distinct users are counted by this string (ordinal).</param>
/// <param name="Name">What was done; the signal naming rule (lower-case ASCII letters, digits, '_' and '.', starting with a letter).</param>
/// <param name="At">When it happened.</param>
/// <param name="Quantity">How much (pages exported, minutes of use); finite and not negative; 1 by default.</param>
public readonly record struct UsageEvent(string Id, AccountId Account, string User, string Name, Instant At, double Quantity = 1);
