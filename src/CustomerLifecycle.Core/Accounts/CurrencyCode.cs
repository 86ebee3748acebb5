using System.Collections.Frozen;

namespace CustomerLifecycle;

/// <summary>An ISO 4217 alphabetic currency code such as <c>USD</c> or <c>EUR</c>.</summary>
/// <remarks>
/// Only codes in the ISO 4217 list of active currencies (and the funds and precious-metal codes beside them)
/// are accepted, so a typo such as <c>EUD</c> is refused rather than treated as a new currency.
/// This type is an immutable value and is thread-safe.
/// </remarks>
[System.Text.Json.Serialization.JsonConverter(typeof(Serialization.CurrencyCodeJsonConverter))]
public readonly record struct CurrencyCode
{
    // ISO 4217 list one (current currencies and funds), as published by the maintenance agency (SIX).
    private static readonly FrozenSet<string> KnownCodes = (
        "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD " +
        "CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP " +
        "GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW " +
        "KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN " +
        "NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL " +
        "SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES " +
        "VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWG ZWL")
        .Split(' ').ToFrozenSet(StringComparer.Ordinal);

    private readonly string? _code;

    /// <summary>Creates a currency code.</summary>
    /// <param name="code">Three upper-case letters from the ISO 4217 list, for example <c>USD</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="code"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="code"/> is not an ISO 4217 code.</exception>
    public CurrencyCode(string code)
    {
        ArgumentNullException.ThrowIfNull(code);

        // Billing exports write "usd": any case is accepted, and the code is kept as ISO writes it. The set's own
        // string is kept, so a million contracts in USD share one.
        if (!KnownCodes.TryGetValue(code.Length == 3 ? code.ToUpperInvariant() : code, out var known))
        {
            throw new ArgumentException(
                $"Currency '{code}' is not an ISO 4217 alphabetic code (three letters such as USD or EUR, in any case).",
                nameof(code));
        }

        _code = known;
    }

    /// <summary>US dollar.</summary>
    public static CurrencyCode Usd { get; } = new("USD");

    /// <summary>Euro.</summary>
    public static CurrencyCode Eur { get; } = new("EUR");

    /// <summary>Pound sterling.</summary>
    public static CurrencyCode Gbp { get; } = new("GBP");

    /// <summary>The three-letter code; empty for <c>default(CurrencyCode)</c>.</summary>
    public string Code => _code ?? string.Empty;

    /// <summary>True for <c>default(CurrencyCode)</c>, which names no currency.</summary>
    public bool IsEmpty => _code is null;

    /// <summary>Returns true and the code when <paramref name="code"/> is an ISO 4217 code.</summary>
    /// <param name="code">The text to check.</param>
    /// <param name="currency">The parsed code, or default.</param>
    public static bool TryParse(string? code, out CurrencyCode currency)
    {
        if (code is { Length: 3 } && KnownCodes.TryGetValue(code.ToUpperInvariant(), out var known))
        {
            currency = new CurrencyCode(known);
            return true;
        }

        currency = default;
        return false;
    }

    /// <inheritdoc />
    public override string ToString() => Code;
}
