namespace CustomerLifecycle;

/// <summary>
/// The identity of a customer account: a non-empty string without leading or trailing white space, at most
/// <see cref="MaxLength"/> characters, well-formed UTF-16 without NUL (<see cref="StoredText"/>: what every store keeps
/// exactly), compared ordinally.
/// </summary>
/// <remarks>This type is an immutable value and is thread-safe.</remarks>
[System.Text.Json.Serialization.JsonConverter(typeof(Serialization.AccountIdJsonConverter))]
public readonly record struct AccountId
{
    /// <summary>The longest identifier accepted.</summary>
    public const int MaxLength = 256;

    private readonly string? _value;

    /// <summary>Creates an account identity.</summary>
    /// <param name="value">The identifier, for example the CRM's account id.</param>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="value"/> is empty, has leading or trailing white space, is too long, or has a NUL or a lone surrogate.</exception>
    public AccountId(string value)
    {
        Validate(value, nameof(value));
        _value = value;
    }

    /// <summary>The identifier. A <c>default</c> instance has the empty string; use <see cref="IsEmpty"/> to detect it.</summary>
    public string Value => _value ?? string.Empty;

    /// <summary>True for <c>default(AccountId)</c>, which names no account.</summary>
    public bool IsEmpty => _value is null;

    /// <inheritdoc />
    public override string ToString() => Value;

    /// <summary>Checks an identifier string against the rules of <see cref="AccountId"/>.</summary>
    internal static void Validate(string value, string paramName, int maxLength = MaxLength)
    {
        ArgumentNullException.ThrowIfNull(value, paramName);
        if (value.Length == 0)
        {
            throw new ArgumentException("An identifier must not be empty.", paramName);
        }

        if (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1]))
        {
            throw new ArgumentException($"Identifier '{value}' must not start or end with white space.", paramName);
        }

        if (value.Length > maxLength)
        {
            throw new ArgumentException($"Identifier of length {value.Length} is longer than the maximum of {maxLength} characters.", paramName);
        }

        if (StoredText.Problem("Identifier", value) is { } problem)
        {
            throw new ArgumentException(problem, paramName);
        }
    }
}
