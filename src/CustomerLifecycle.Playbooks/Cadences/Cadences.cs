using NodaTime;

namespace CustomerLifecycle.Playbooks;

/// <summary>A recurring touchpoint.</summary>
public enum CadenceKind
{
    /// <summary>A quarterly (or twice-yearly) business review.</summary>
    BusinessReview = 0,

    /// <summary>A monthly executive check-in (strategic accounts).</summary>
    ExecutiveCheckIn = 1,

    /// <summary>An NPS survey.</summary>
    NpsSurvey = 2,

    /// <summary>A weekly onboarding check-in.</summary>
    OnboardingCheckIn = 3,

    /// <summary>A one-off milestone of the first year (welcome, 30-day call, renewal preparation).</summary>
    Milestone = 4,
}

/// <summary>One planned touchpoint.</summary>
/// <param name="Account">The account.</param>
/// <param name="Date">When.</param>
/// <param name="Kind">What kind.</param>
/// <param name="Title">What it is.</param>
public sealed record CadenceItem(AccountId Account, LocalDate Date, CadenceKind Kind, string Title);

/// <summary>
/// Who gets which cadence. From the documents: QBRs quarterly for large accounts and twice a year for small ones,
/// monthly executive check-ins for strategic ones, NPS every six months, weekly check-ins in the first weeks.
/// </summary>
public sealed record CadencePolicy
{
    private readonly decimal _largeAccountArr = 50_000m;
    private readonly int _onboardingCheckIns = 4;

    /// <summary>The default policy.</summary>
    public static CadencePolicy Default { get; } = new();

    /// <summary>Tiers with monthly executive check-ins (compared without case). Default <c>Strategic</c>.</summary>
    public IReadOnlyList<string> StrategicTiers { get; init; } = ["Strategic"];

    /// <summary>Tiers that are large whatever their ARR. Default <c>Enterprise</c>, <c>Strategic</c>.</summary>
    public IReadOnlyList<string> LargeTiers { get; init; } = ["Enterprise", "Strategic"];

    /// <summary>ARR from which an account is large (in its contract's currency). Default 50,000; zero or more.</summary>
    public decimal LargeAccountArr
    {
        get => _largeAccountArr;
        init => _largeAccountArr = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(LargeAccountArr), value, "The large-account ARR must be zero or more.");
    }

    /// <summary>Weekly check-ins after the start. Default 4; 0 to 52.</summary>
    public int OnboardingCheckIns
    {
        get => _onboardingCheckIns;
        init => _onboardingCheckIns = value is >= 0 and <= 52 ? value : throw new ArgumentOutOfRangeException(nameof(OnboardingCheckIns), value, "Onboarding check-ins must be 0 to 52.");
    }

    /// <summary>How often NPS is asked. Default six months.</summary>
    public Period NpsEvery { get; init; } = Period.FromMonths(6);

    /// <summary>Whether an account is strategic.</summary>
    /// <param name="account">The account.</param>
    /// <returns>True when its tier is strategic.</returns>
    public bool IsStrategic(Account account) => account?.Tier is { } tier && StrategicTiers.Contains(tier, StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether an account is large.</summary>
    /// <param name="account">The account.</param>
    /// <returns>True by tier or ARR.</returns>
    public bool IsLarge(Account account)
    {
        ArgumentNullException.ThrowIfNull(account);
        return (account.Tier is { } tier && LargeTiers.Contains(tier, StringComparer.OrdinalIgnoreCase))
            || account.Contract?.AnnualRecurringRevenue.Amount >= LargeAccountArr;
    }
}

/// <summary>Plans recurring touchpoints: business reviews, executive check-ins, NPS surveys, onboarding check-ins.</summary>
public static class Cadences
{
    /// <summary>The touchpoints of an account within a window, counted from the day it became a customer.</summary>
    /// <param name="account">The account; without <see cref="Account.CustomerSince"/> it has no cadence.</param>
    /// <param name="window">The dates to plan, both ends included.</param>
    /// <param name="policy">The policy; <see cref="CadencePolicy.Default"/> when null.</param>
    /// <returns>The touchpoints in date order.</returns>
    public static IReadOnlyList<CadenceItem> Plan(Account account, DateInterval window, CadencePolicy? policy = null)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(window);
        policy ??= CadencePolicy.Default;
        if (account.CustomerSince is not { } since)
        {
            return [];
        }

        var items = new List<CadenceItem>();
        void Every(Period step, CadenceKind kind, string title, int skipFirst = 1)
        {
            // Stepping from the anchor each time (since + k·step) keeps month ends stable (31 Jan + 1 month = 28 Feb, + 2 months = 31 Mar).
            for (var k = skipFirst; k < 10_000; k++)
            {
                var date = since.Plus(Multiply(step, k));
                if (date > window.End)
                {
                    break;
                }

                if (date >= window.Start)
                {
                    items.Add(new CadenceItem(account.Id, date, kind, title));
                }
            }
        }

        Every(policy.IsLarge(account) ? Period.FromMonths(3) : Period.FromMonths(6), CadenceKind.BusinessReview, policy.IsLarge(account) ? "Quarterly business review" : "Twice-yearly business review");
        if (policy.IsStrategic(account))
        {
            Every(Period.FromMonths(1), CadenceKind.ExecutiveCheckIn, "Monthly executive check-in");
        }

        Every(policy.NpsEvery, CadenceKind.NpsSurvey, "NPS survey");
        for (var week = 1; week <= policy.OnboardingCheckIns; week++)
        {
            var date = since.PlusWeeks(week);
            if (window.Contains(date))
            {
                items.Add(new CadenceItem(account.Id, date, CadenceKind.OnboardingCheckIn, $"Onboarding check-in (week {week})"));
            }
        }

        return [.. items.OrderBy(i => i.Date).ThenBy(i => i.Kind)];
    }

    /// <summary>
    /// The engagement calendar of an account's first year: a welcome, the onboarding check-ins, the 30-day call, the
    /// cadences, and renewal preparation 90 days before the first renewal.
    /// </summary>
    /// <param name="account">The account; it must have <see cref="Account.CustomerSince"/>.</param>
    /// <param name="policy">The policy.</param>
    /// <returns>The calendar in date order.</returns>
    /// <exception cref="ArgumentException">The account has no customer-since date.</exception>
    public static IReadOnlyList<CadenceItem> FirstYear(Account account, CadencePolicy? policy = null)
    {
        ArgumentNullException.ThrowIfNull(account);
        var since = account.CustomerSince ?? throw new ArgumentException($"Account '{account.Id}' has no CustomerSince date, so its first year is unknown.", nameof(account));
        var year = new DateInterval(since, since.PlusYears(1).PlusDays(-1));
        var items = Plan(account, year, policy).ToList();
        items.Add(new CadenceItem(account.Id, since, CadenceKind.Milestone, "Welcome and kickoff scheduling"));
        items.Add(new CadenceItem(account.Id, since.PlusDays(30), CadenceKind.Milestone, "30-day call: first value reached?"));
        if (account.Contract?.RenewalDate.PlusDays(-90) is { } prep && year.Contains(prep))
        {
            items.Add(new CadenceItem(account.Id, prep, CadenceKind.Milestone, "Renewal preparation: value review"));
        }

        return [.. items.OrderBy(i => i.Date).ThenBy(i => i.Kind)];
    }

    private static Period Multiply(Period step, int k) => Period.FromYears(step.Years * k) + Period.FromMonths(step.Months * k) + Period.FromWeeks(step.Weeks * k) + Period.FromDays(step.Days * k);
}
