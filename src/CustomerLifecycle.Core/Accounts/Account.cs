using CustomerLifecycle.Stages;
using NodaTime;

namespace CustomerLifecycle;

/// <summary>
/// A snapshot of one customer account: who it is, who owns it, its contract, its lifecycle stage and its
/// signals. The health scorer, the segmenter, the forecaster and the playbook engine all read this type.
/// </summary>
/// <remarks>
/// Each property is checked when it is set, <c>with</c> expressions included, so an <see cref="Account"/>
/// is never in an invalid state. This type is immutable and thread-safe.
/// </remarks>
/// <example>
/// <code>
/// var account = new Account
/// {
///     Id = new AccountId("acme"),
///     Name = "Acme Corp",
///     Owner = "dana@vendor.example",
///     Tier = "Enterprise",
///     CustomerSince = new LocalDate(2024, 3, 1),
///     Contract = new Contract(new LocalDate(2026, 3, 1), new LocalDate(2027, 3, 1), new Money(120_000m, "USD"), licensedSeats: 200),
///     Stage = DefaultLifecycleStages.Adoption,
///     Signals = SignalSet.Create([new(WellKnownSignals.ActiveSeats, 150), new(WellKnownSignals.Nps, 9)]),
/// };
/// </code>
/// </example>
public sealed record Account
{
    private readonly AccountId _id;
    private readonly string _name = string.Empty;
    private readonly SignalSet _signals = SignalSet.Empty;
    private readonly AccountId? _parentId;

    /// <summary>The account's identity. Required; not default.</summary>
    /// <exception cref="ArgumentException">The value is <c>default(AccountId)</c> or equals <see cref="ParentId"/>.</exception>
    public required AccountId Id
    {
        get => _id;
        init
        {
            if (value.IsEmpty)
            {
                throw new ArgumentException("Account.Id must name an account; default(AccountId) names none.", nameof(Id));
            }

            if (_parentId == value)
            {
                throw new ArgumentException($"Account.Id '{value}' equals its ParentId; an account cannot be its own parent.", nameof(Id));
            }

            _id = value;
        }
    }

    /// <summary>The account's display name. Required; not blank.</summary>
    /// <exception cref="ArgumentException">The value is null, empty or white space.</exception>
    public required string Name
    {
        get => _name;
        init => _name = string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"Account.Name must not be blank (was '{value}').", nameof(Name)) : value;
    }

    /// <summary>The customer success manager who owns the account, if any.</summary>
    public string? Owner { get; init; }

    /// <summary>The tier or segment label the business uses, for example <c>Enterprise</c> or <c>SMB</c>.</summary>
    public string? Tier { get; init; }

    /// <summary>The day the account became a customer, if it is one.</summary>
    public LocalDate? CustomerSince { get; init; }

    /// <summary>The current contract, if any.</summary>
    public Contract? Contract { get; init; }

    /// <summary>The current lifecycle stage; <c>default</c> when the host does not track stages.</summary>
    public StageId Stage { get; init; }

    /// <summary>The account's signals. Never null; <see cref="SignalSet.Empty"/> by default.</summary>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public SignalSet Signals
    {
        get => _signals;
        init => _signals = value ?? throw new ArgumentNullException(nameof(Signals), "Account.Signals must not be null; use SignalSet.Empty.");
    }

    /// <summary>The parent account in a hierarchy (for health roll-up), if any; never the account itself.</summary>
    /// <exception cref="ArgumentException">The value is default, or equal to <see cref="Id"/>.</exception>
    public AccountId? ParentId
    {
        get => _parentId;
        init
        {
            if (value is { } parent && (parent.IsEmpty || parent == _id))
            {
                throw new ArgumentException($"Account.ParentId '{parent}' must name another account.", nameof(ParentId));
            }

            _parentId = value;
        }
    }

    /// <summary>Whole days the account has been a customer on <paramref name="today"/>; null when <see cref="CustomerSince"/> is unknown.</summary>
    /// <param name="today">The current date in the business time zone.</param>
    /// <remarks>Allocation-free; negative when <see cref="CustomerSince"/> is after <paramref name="today"/>.</remarks>
    public int? TenureDays(LocalDate today) =>
        CustomerSince is { } since ? Period.DaysBetween(since, today) : null;

    /// <summary>
    /// Whole calendar months the account has been a customer on <paramref name="today"/>, as
    /// <c>Period.Between(since, today, PeriodUnits.Months)</c> counts them (31 January to 28 February is one month);
    /// null when <see cref="CustomerSince"/> is unknown.
    /// </summary>
    /// <param name="today">The current date in the business time zone.</param>
    /// <remarks>Allocation-free; negative when <see cref="CustomerSince"/> is after <paramref name="today"/>.</remarks>
    public int? TenureMonths(LocalDate today)
    {
        if (CustomerSince is not { } since)
        {
            return null;
        }

        var months = ((today.Year - since.Year) * 12) + today.Month - since.Month;
        if (months > 0 && since.PlusMonths(months) > today)
        {
            months--;
        }
        else if (months < 0 && since.PlusMonths(months) < today)
        {
            months++;
        }

        return months;
    }

    /// <summary>
    /// The seats licensed: the contract's seats when the contract licenses any, otherwise the
    /// <see cref="WellKnownSignals.LicensedSeats"/> signal; null when neither says. Every package reads licensed seats
    /// through this rule, so seat utilization is the same in stage criteria and in health scores.
    /// </summary>
    public double? LicensedSeats =>
        Contract is { LicensedSeats: > 0 } contract ? contract.LicensedSeats
        : Signals.TryGetValue(WellKnownSignals.LicensedSeats, out var seats) ? seats
        : null;

    /// <summary>
    /// Active seats (the <see cref="WellKnownSignals.ActiveSeats"/> signal) divided by <see cref="LicensedSeats"/>;
    /// null when either is missing or nothing is licensed.
    /// </summary>
    public double? SeatUtilization =>
        Signals.TryGetValue(WellKnownSignals.ActiveSeats, out var active) && LicensedSeats is > 0 and var licensed
            ? active / licensed
            : null;
}
