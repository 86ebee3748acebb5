using System.Globalization;

namespace CustomerLifecycle;

/// <summary>An amount of money in one currency.</summary>
/// <remarks>
/// Arithmetic is exact <see cref="decimal"/> arithmetic within one currency; combining or comparing two
/// currencies throws <see cref="CurrencyMismatchException"/>, and a result beyond the range of
/// <see cref="decimal"/> throws <see cref="OverflowException"/>. This type is an immutable value and is thread-safe.
/// </remarks>
[System.Text.Json.Serialization.JsonConverter(typeof(Serialization.MoneyJsonConverter))]
public readonly record struct Money : IComparable<Money>
{
    /// <summary>Creates an amount.</summary>
    /// <param name="amount">The amount, in units of the currency (dollars, not cents).</param>
    /// <param name="currency">The currency.</param>
    /// <exception cref="ArgumentException"><paramref name="currency"/> is <c>default</c>.</exception>
    public Money(decimal amount, CurrencyCode currency)
    {
        if (currency.IsEmpty)
        {
            throw new ArgumentException("Money needs a currency; default(CurrencyCode) names none.", nameof(currency));
        }

        Amount = amount;
        Currency = currency;
    }

    /// <summary>Creates an amount from a currency code string.</summary>
    /// <param name="amount">The amount.</param>
    /// <param name="currency">An ISO 4217 code such as <c>EUR</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="currency"/> is not an ISO 4217 code.</exception>
    public Money(decimal amount, string currency)
        : this(amount, new CurrencyCode(currency))
    {
    }

    /// <summary>The amount in units of <see cref="Currency"/>.</summary>
    public decimal Amount { get; }

    /// <summary>The currency.</summary>
    public CurrencyCode Currency { get; }

    /// <summary>True when the amount is zero.</summary>
    public bool IsZero => Amount == 0m;

    /// <summary>True when the amount is below zero.</summary>
    public bool IsNegative => Amount < 0m;

    /// <summary>Zero in the given currency.</summary>
    /// <param name="currency">The currency.</param>
    public static Money Zero(CurrencyCode currency) => new(0m, currency);

    /// <summary>Adds two amounts of the same currency.</summary>
    /// <exception cref="CurrencyMismatchException">The currencies differ.</exception>
    public static Money operator +(Money left, Money right)
    {
        EnsureSameCurrency(left, right);
        return new Money(left.Amount + right.Amount, left.Currency);
    }

    /// <summary>Subtracts two amounts of the same currency.</summary>
    /// <exception cref="CurrencyMismatchException">The currencies differ.</exception>
    public static Money operator -(Money left, Money right)
    {
        EnsureSameCurrency(left, right);
        return new Money(left.Amount - right.Amount, left.Currency);
    }

    /// <summary>Negates an amount.</summary>
    public static Money operator -(Money value) => new(-value.Amount, value.Currency);

    /// <summary>Scales an amount.</summary>
    public static Money operator *(Money left, decimal factor) => new(left.Amount * factor, left.Currency);

    /// <summary>Scales an amount.</summary>
    public static Money operator *(decimal factor, Money right) => right * factor;

    /// <summary>Divides an amount.</summary>
    /// <exception cref="DivideByZeroException"><paramref name="divisor"/> is zero.</exception>
    public static Money operator /(Money left, decimal divisor) => new(left.Amount / divisor, left.Currency);

    /// <summary>Compares two amounts of the same currency.</summary>
    /// <exception cref="CurrencyMismatchException">The currencies differ.</exception>
    public static bool operator <(Money left, Money right) => left.CompareTo(right) < 0;

    /// <summary>Compares two amounts of the same currency.</summary>
    /// <exception cref="CurrencyMismatchException">The currencies differ.</exception>
    public static bool operator >(Money left, Money right) => left.CompareTo(right) > 0;

    /// <summary>Compares two amounts of the same currency.</summary>
    /// <exception cref="CurrencyMismatchException">The currencies differ.</exception>
    public static bool operator <=(Money left, Money right) => left.CompareTo(right) <= 0;

    /// <summary>Compares two amounts of the same currency.</summary>
    /// <exception cref="CurrencyMismatchException">The currencies differ.</exception>
    public static bool operator >=(Money left, Money right) => left.CompareTo(right) >= 0;

    /// <summary>Adds an amount of the same currency.</summary>
    /// <param name="other">The amount to add.</param>
    /// <exception cref="CurrencyMismatchException">The currencies differ.</exception>
    public Money Add(Money other) => this + other;

    /// <summary>Subtracts an amount of the same currency.</summary>
    /// <param name="other">The amount to subtract.</param>
    /// <exception cref="CurrencyMismatchException">The currencies differ.</exception>
    public Money Subtract(Money other) => this - other;

    /// <summary>Multiplies the amount by a factor.</summary>
    /// <param name="factor">The factor.</param>
    public Money Multiply(decimal factor) => this * factor;

    /// <summary>Divides the amount.</summary>
    /// <param name="divisor">The divisor.</param>
    /// <exception cref="DivideByZeroException"><paramref name="divisor"/> is zero.</exception>
    public Money Divide(decimal divisor) => this / divisor;

    /// <summary>Negates the amount.</summary>
    public Money Negate() => -this;

    /// <inheritdoc />
    /// <exception cref="CurrencyMismatchException">The currencies differ.</exception>
    public int CompareTo(Money other)
    {
        EnsureSameCurrency(this, other);
        return Amount.CompareTo(other.Amount);
    }

    /// <summary>Formats as amount and code, for example <c>1200.50 USD</c>, with the invariant culture.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Amount} {Currency.Code}");

    private static void EnsureSameCurrency(Money left, Money right)
    {
        if (left.Currency != right.Currency)
        {
            throw new CurrencyMismatchException(left.Currency, right.Currency);
        }
    }
}
