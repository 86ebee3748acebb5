namespace CustomerLifecycle.Stages;

/// <summary>
/// The identity of a lifecycle stage, for example <c>Onboarding</c>. Identifiers are compared without regard
/// to case (<c>onboarding</c> and <c>Onboarding</c> are the same stage) and keep the spelling they were created with.
/// </summary>
/// <remarks>
/// An identifier is 1 to <see cref="MaxLength"/> ASCII letters, digits, '_' or '-', starting with a letter.
/// This type is an immutable value and is thread-safe.
/// </remarks>
[System.Text.Json.Serialization.JsonConverter(typeof(Serialization.StageIdJsonConverter))]
public readonly record struct StageId
{
    /// <summary>The longest identifier accepted.</summary>
    public const int MaxLength = 64;

    private readonly string? _value;

    /// <summary>Creates a stage identifier.</summary>
    /// <param name="value">The identifier, for example <c>ValueRealization</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="value"/> breaks the naming rule.</exception>
    public StageId(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!IsValid(value))
        {
            throw new ArgumentException(
                $"Stage id '{value}' is invalid: use 1 to {MaxLength} ASCII letters, digits, '_' or '-', starting with a letter.",
                nameof(value));
        }

        _value = value;
    }

    /// <summary>The identifier; empty for <c>default(StageId)</c>.</summary>
    public string Value => _value ?? string.Empty;

    /// <summary>True for <c>default(StageId)</c>, which names no stage.</summary>
    public bool IsEmpty => _value is null;

    /// <summary>Returns true when <paramref name="value"/> is a valid stage identifier.</summary>
    /// <param name="value">The candidate.</param>
    public static bool IsValid(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength || !char.IsAsciiLetter(value[0]))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Case-insensitive equality.</summary>
    /// <param name="other">The identifier to compare with.</param>
    public bool Equals(StageId other) => string.Equals(_value, other._value, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override int GetHashCode() => _value is null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(_value);

    /// <inheritdoc />
    public override string ToString() => Value;
}
