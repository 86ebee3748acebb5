using CustomerLifecycle.Stages;
using FsCheck;
using FsCheck.Fluent;
using NodaTime;

namespace CustomerLifecycle.Testing;

/// <summary>
/// FsCheck generators for the domain that reach the edges FsCheck's defaults stay away from: zero, huge ARR,
/// missing signals, negative changes, empty portfolios, dates across leap years.
/// </summary>
public static class DomainGenerators
{
    private static readonly string[] Currencies = ["USD", "EUR", "GBP", "JPY", "CHF"];

    public static Gen<CurrencyCode> Currency() => Gen.Elements(Currencies).Select(c => new CurrencyCode(c));

    /// <summary>
    /// Decimal amounts with 0 to 4 decimal places, from zero and cents up to 10^15 (a quadrillion) in magnitude,
    /// positive and negative.
    /// </summary>
    public static Gen<decimal> Amount() =>
        from mantissa in Gen.Frequency(
            (2, Gen.Constant(0L)),
            (3, Gen.Choose(-100, 100).Select(i => (long)i)),
            (4, Gen.Choose(int.MinValue, int.MaxValue).Select(i => (long)i)),
            (3, from hi in Gen.Choose(-1_000_000, 1_000_000) from lo in Gen.Choose(0, 999_999_999) select (hi * 1_000_000_000L) + lo))
        from scale in Gen.Choose(0, 4)
        select mantissa / Pow10[scale];

    private static readonly decimal[] Pow10 = [1m, 10m, 100m, 1000m, 10000m];

    public static Gen<Money> Money(CurrencyCode currency) => Amount().Select(a => new Money(a, currency));

    public static Gen<Money> Money() => from c in Currency() from m in Money(c) select m;

    public static Gen<AccountId> AccountIds() =>
        Gen.Choose(0, 1_000_000).Select(i => new AccountId("acct-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>A date between 2019 and 2031.</summary>
    public static Gen<LocalDate> Date() =>
        Gen.Choose(0, 365 * 12).Select(d => new LocalDate(2019, 1, 1).PlusDays(d));

    /// <summary>Finite signal values: zero, small counts, shares, negatives, and very large magnitudes.</summary>
    public static Gen<double> SignalValue() => Gen.Frequency(
        (2, Gen.Constant(0.0)),
        (4, Gen.Choose(0, 200).Select(i => (double)i)),
        (3, Gen.Choose(0, 1000).Select(i => i / 1000.0)),
        (2, Gen.Choose(-1000, 1000).Select(i => i / 10.0)),
        (1, Gen.Elements(1e12, -1e12, double.MaxValue, double.Epsilon, -0.0)));

    public static Gen<SignalKey> SignalKeys() => Gen.Frequency(
        (4, Gen.Elements(WellKnownSignals.All.ToArray())),
        (1, Gen.Choose(0, 20).Select(i => new SignalKey("custom_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))));

    /// <summary>Signal sets with each key present or missing at random (often empty).</summary>
    public static Gen<SignalSet> Signals() =>
        from pairs in Gen.ListOf(Gen.Zip(SignalKeys(), SignalValue()))
        select SignalSet.FromPairs(pairs
            .GroupBy(p => p.Item1)
            .Select(g => new KeyValuePair<SignalKey, double>(g.Key, g.First().Item2)));

    public static Gen<Contract> Contracts() =>
        from start in Date()
        from termMonths in Gen.Elements(1, 3, 6, 12, 24, 36)
        from arr in Amount().Select(Math.Abs)
        from currency in Currency()
        from seats in Gen.Frequency((1, Gen.Constant(0)), (5, Gen.Choose(1, 5000)))
        select new Contract(start, start.PlusMonths(termMonths), new Money(arr, currency), seats);

    public static Gen<Account> Accounts() =>
        from id in AccountIds()
        from signals in Signals()
        from contract in Gen.OneOf(Gen.Constant<Contract?>(null), Contracts().Select(c => (Contract?)c))
        from since in Gen.OneOf(Gen.Constant<LocalDate?>(null), Date().Select(d => (LocalDate?)d))
        from stage in Gen.Elements(LifecycleStageModel.Default.Stages.Select(s => s.Id).ToArray())
        select new Account
        {
            Id = id,
            Name = "Account " + id.Value,
            Contract = contract,
            CustomerSince = since,
            Stage = stage,
            Signals = signals,
        };

    /// <summary>Portfolios of 0 to 40 accounts with distinct ids (the empty portfolio included).</summary>
    public static Gen<Account[]> Portfolios() =>
        Gen.ListOf(Accounts()).Select(list => list.DistinctBy(a => a.Id).Take(40).ToArray());
}
