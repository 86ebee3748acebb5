using NodaTime;

namespace CustomerLifecycle;

/// <summary>An account's subscription contract: its term, its annual recurring revenue, seats and plan.</summary>
/// <remarks>This type is immutable and thread-safe.</remarks>
public sealed record Contract
{
    /// <summary>Creates a contract.</summary>
    /// <param name="start">The first day of the contract.</param>
    /// <param name="renewalDate">The day the contract renews or ends; after <paramref name="start"/>.</param>
    /// <param name="annualRecurringRevenue">The ARR; zero or more.</param>
    /// <param name="licensedSeats">The seats licensed; zero or more (zero when the plan is not seat-based).</param>
    /// <param name="plan">The plan's name, if any.</param>
    /// <exception cref="ArgumentException">The renewal date is not after the start, or the ARR has no currency.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The ARR is negative or above <see cref="MaxAnnualRecurringRevenue"/>, or the seats are negative.</exception>
    public Contract(LocalDate start, LocalDate renewalDate, Money annualRecurringRevenue, int licensedSeats = 0, string? plan = null)
    {
        if (renewalDate <= start)
        {
            throw new ArgumentException(
                $"Contract renewal date {renewalDate:uuuu-MM-dd} must be after its start {start:uuuu-MM-dd}.",
                nameof(renewalDate));
        }

        if (annualRecurringRevenue.Currency.IsEmpty)
        {
            throw new ArgumentException("Contract ARR needs a currency; default(Money) has none.", nameof(annualRecurringRevenue));
        }

        if (annualRecurringRevenue.IsNegative || annualRecurringRevenue.Amount > MaxAnnualRecurringRevenue)
        {
            throw new ArgumentOutOfRangeException(
                nameof(annualRecurringRevenue),
                annualRecurringRevenue,
                $"Contract ARR {annualRecurringRevenue} is out of range; ARR is from zero to {MaxAnnualRecurringRevenue:#,0} (one quadrillion).");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(licensedSeats);
        Start = start;
        RenewalDate = renewalDate;
        AnnualRecurringRevenue = annualRecurringRevenue;
        LicensedSeats = licensedSeats;
        Plan = plan;
    }

    /// <summary>
    /// The largest ARR a contract may have: 10^15 in any currency, more than any contract, and small enough that the
    /// totals of any portfolio (up to two billion contracts) stay exact in <see cref="decimal"/>.
    /// </summary>
    public const decimal MaxAnnualRecurringRevenue = 1_000_000_000_000_000m;

    /// <summary>The first day of the contract.</summary>
    public LocalDate Start { get; }

    /// <summary>The day the contract renews or ends.</summary>
    public LocalDate RenewalDate { get; }

    /// <summary>The annual recurring revenue.</summary>
    public Money AnnualRecurringRevenue { get; }

    /// <summary>The monthly recurring revenue: ARR divided by 12.</summary>
    public Money MonthlyRecurringRevenue => AnnualRecurringRevenue / 12m;

    /// <summary>The seats licensed (zero when the plan is not seat-based).</summary>
    public int LicensedSeats { get; }

    /// <summary>The plan's name, if any.</summary>
    public string? Plan { get; }

    /// <summary>Days from <paramref name="today"/> to the renewal date; negative once it has passed.</summary>
    /// <param name="today">The current date in the business time zone.</param>
    public int DaysUntilRenewal(LocalDate today) => Period.DaysBetween(today, RenewalDate);

    /// <summary>
    /// True when <paramref name="today"/> is in the renewal window: on or after <c>RenewalDate - window</c> and on
    /// or before the renewal date. Renewal is a recurring window, not a lifecycle stage.
    /// </summary>
    /// <param name="today">The current date in the business time zone.</param>
    /// <param name="window">How long before the renewal date the window opens, for example 90 days.</param>
    public bool IsInRenewalWindow(LocalDate today, Period window)
    {
        ArgumentNullException.ThrowIfNull(window);
        return today >= RenewalDate.Minus(window) && today <= RenewalDate;
    }

    /// <summary>True when <paramref name="date"/> is within the term: on or after the start and before the renewal date.</summary>
    /// <param name="date">The date to test.</param>
    public bool IsActiveOn(LocalDate date) => date >= Start && date < RenewalDate;
}
