namespace CustomerLifecycle;

/// <summary>
/// The name of a signal: a named numeric fact about an account, such as <c>logins_30d</c> or <c>nps</c>.
/// </summary>
/// <remarks>
/// Names are lower-case ASCII letters, digits, underscores and dots, start with a letter, and are at most
/// <see cref="MaxLength"/> characters, so that they read the same in code, in configuration and in the
/// segment rule language (<c>signals.logins_30d</c>). Host applications define their own keys freely;
/// <see cref="WellKnownSignals"/> lists the ones the built-in health factors read.
/// This type is an immutable value and is thread-safe.
/// </remarks>
[System.Text.Json.Serialization.JsonConverter(typeof(Serialization.SignalKeyJsonConverter))]
public readonly record struct SignalKey : IComparable<SignalKey>
{
    /// <summary>The longest name accepted.</summary>
    public const int MaxLength = 64;

    private readonly string? _name;
    private readonly int _hash;

    /// <summary>Creates a signal key.</summary>
    /// <param name="name">The name, for example <c>active_seats</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> breaks the naming rule.</exception>
    public SignalKey(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsValidName(name))
        {
            throw new ArgumentException(
                $"Signal name '{name}' is invalid: use 1 to {MaxLength} lower-case ASCII letters, digits, '_' or '.', starting with a letter.",
                nameof(name));
        }

        _name = string.IsInterned(name) ?? name;
        _hash = StringComparer.Ordinal.GetHashCode(name);
    }

    /// <summary>The name; empty for <c>default(SignalKey)</c>.</summary>
    public string Name => _name ?? string.Empty;

    /// <summary>True for <c>default(SignalKey)</c>, which names no signal.</summary>
    public bool IsEmpty => _name is null;

    /// <summary>Returns true when <paramref name="name"/> is a valid signal name.</summary>
    /// <param name="name">The candidate name.</param>
    public static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || name[0] is < 'a' or > 'z')
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Ordinal comparison of the names.</summary>
    /// <param name="other">The key to compare with.</param>
    public int CompareTo(SignalKey other) => string.CompareOrdinal(Name, other.Name);

    /// <summary>Ordinal equality of the names; a reference check first makes well-known keys cheap to match.</summary>
    /// <param name="other">The key to compare with.</param>
    public bool Equals(SignalKey other) => ReferenceEquals(_name, other._name) || (_hash == other._hash && string.Equals(_name, other._name, StringComparison.Ordinal));

    /// <inheritdoc />
    public override int GetHashCode() => _hash;

    /// <inheritdoc />
    public override string ToString() => Name;

    /// <summary>Compares by name.</summary>
    public static bool operator <(SignalKey left, SignalKey right) => left.CompareTo(right) < 0;

    /// <summary>Compares by name.</summary>
    public static bool operator >(SignalKey left, SignalKey right) => left.CompareTo(right) > 0;

    /// <summary>Compares by name.</summary>
    public static bool operator <=(SignalKey left, SignalKey right) => left.CompareTo(right) <= 0;

    /// <summary>Compares by name.</summary>
    public static bool operator >=(SignalKey left, SignalKey right) => left.CompareTo(right) >= 0;
}
