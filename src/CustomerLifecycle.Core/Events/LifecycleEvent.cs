using System.Globalization;
using NodaTime;

namespace CustomerLifecycle.Events;

/// <summary>Something that happened in an account's lifecycle: an onboarding milestone, a QBR, an NPS response, a renewal.</summary>
/// <remarks>Each property is checked when set, <c>with</c> expressions included. This type is immutable and thread-safe.</remarks>
public sealed record LifecycleEvent
{
    private readonly AccountId _account;
    private readonly LifecycleEventType _type;
    private readonly double? _value;

    /// <summary>The account it happened to. Required; not default.</summary>
    /// <exception cref="ArgumentException">The value is default.</exception>
    public required AccountId Account
    {
        get => _account;
        init => _account = value.IsEmpty ? throw new ArgumentException("LifecycleEvent.Account must name an account.", nameof(Account)) : value;
    }

    /// <summary>What happened. Required; not default.</summary>
    /// <exception cref="ArgumentException">The value is default.</exception>
    public required LifecycleEventType Type
    {
        get => _type;
        init => _type = value.IsEmpty ? throw new ArgumentException("LifecycleEvent.Type must name an event type.", nameof(Type)) : value;
    }

    /// <summary>When it happened. Required.</summary>
    public required Instant At { get; init; }

    /// <summary>A number that goes with the event (an NPS score, ARR added, seats added), if any; finite.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is NaN or infinite.</exception>
    public double? Value
    {
        get => _value;
        init => _value = value is { } v && !double.IsFinite(v)
            ? throw new ArgumentOutOfRangeException(nameof(Value), v, $"LifecycleEvent.Value {v.ToString(CultureInfo.InvariantCulture)} must be finite.")
            : value;
    }

    /// <summary>The host's identifier of the event, if it has one (used to recognise the same event delivered twice).</summary>
    public string? Id { get; init; }

    /// <summary>Who recorded or took part in the event, if known.</summary>
    public string? Actor { get; init; }

    /// <summary>Free text, if any.</summary>
    public string? Note { get; init; }

    /// <summary>The event's category (the category of its type).</summary>
    public LifecycleEventCategory Category => Type.Category;
}
