using FsCheck;
using FsCheck.Fluent;
using NodaTime;

namespace CustomerLifecycle.Forecasting.Tests;

/// <summary>
/// A forecast combined from parts of a portfolio (the pipeline's shards) is the whole portfolio's: the same totals to
/// the last decimal digit, the same breakdowns, and the same simulated P10 / P50 / P90 for the same seed, however the
/// renewals are split and ordered. Amounts from a cent to a trillion (where a decimal sum rounds, so its order shows),
/// probabilities 0, 1 and in between with all their digits, two currencies, empty parts and an empty portfolio included.
/// </summary>
public sealed class CombinedForecastPropertyTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(200);
    private static readonly DateInterval Quarter = new(new LocalDate(2027, 1, 1), new LocalDate(2027, 3, 31));

    [Fact]
    public void AForecastCombinedFromParts_EqualsTheWholePortfoliosForecast_AndItsSimulation()
    {
        var renewal = from arr in Gen.Frequency((3, Gen.Choose(1, 500_000).Select(i => i * 1.37m)), (1, Gen.Choose(1, 1000).Select(i => i * 1_000_000.01m)), (1, Gen.Choose(1, 1000).Select(i => i * 987_654_321.0987m)), (1, Gen.Elements(0.01m, 999_999_999_999.99m)))
                      from p in Gen.Frequency((3, Gen.Choose(0, 1_000_000).Select(i => i / 1_000_000.0)), (2, Gen.Choose(0, 7_000_001).Select(i => i / 7_000_001.0)), (1, Gen.Elements(0.0, 1.0, 1.0 / 3)))
                      from day in Gen.Choose(0, 89)
                      from owner in Gen.Elements<string?>("ana", "bo", null)
                      from euro in Gen.Elements(true, false)
                      from part in Gen.Choose(0, 5)
                      select (Arr: arr, P: p, Day: day, Owner: owner, Currency: euro ? "EUR" : "USD", Part: part);
        var gen = from list in Gen.ListOf(renewal)
                  from shuffle in Gen.Shuffle(Enumerable.Range(0, list.Count).ToArray())
                  from seed in Gen.Choose(1, 1000)
                  select (Renewals: list.ToArray(), Order: shuffle, Seed: (ulong)seed);
        AssertHolds(Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var cases = c.Renewals.Select((r, i) => (Case: new RenewalCase(new Account
            {
                Id = new AccountId($"a{i}"),
                Name = $"A{i}",
                Owner = r.Owner,
                Contract = new Contract(new LocalDate(2026, 1, 1), Quarter.Start.PlusDays(r.Day), new Money(r.Arr, r.Currency), 1),
            }, csmCall: r.P.ToString("R", System.Globalization.CultureInfo.InvariantCulture)), r.Part)).ToArray();
            var forecaster = new RenewalForecaster(new Calls());
            var whole = forecaster.Forecast(cases.Select(x => x.Case), Quarter);
            var parts = Enumerable.Range(0, 6).Select(k => forecaster.Forecast(c.Order.Select(i => cases[i]).Where(x => x.Part == k).Select(x => x.Case), Quarter));
            var combined = forecaster.Combine(Quarter, parts);
            var (s, t) = (RenewalSimulation.Run(whole, 200, c.Seed), RenewalSimulation.Run(combined, 200, c.Seed));
            return whole.Total.SequenceEqual(combined.Total)
                && whole.ByPeriod.Select(g => (g.Key, string.Join(",", g.ByCurrency))).SequenceEqual(combined.ByPeriod.Select(g => (g.Key, string.Join(",", g.ByCurrency))))
                && whole.ByOwner.Select(g => (g.Key, string.Join(",", g.ByCurrency))).SequenceEqual(combined.ByOwner.Select(g => (g.Key, string.Join(",", g.ByCurrency))))
                && s.Revenue.SequenceEqual(t.Revenue) && s.ChurnedLogos == t.ChurnedLogos;
        }));
    }

    [Fact]
    public void Combine_RefusesAnAccountInTwoParts_AndAPartOfAnotherPeriod_NamingThem()
    {
        var forecaster = new RenewalForecaster(new Calls());
        var account = new Account { Id = new AccountId("twice"), Name = "T", Contract = new Contract(new LocalDate(2026, 1, 1), Quarter.Start, new Money(100m, "USD"), 1) };
        var part = forecaster.Forecast([new RenewalCase(account, csmCall: "0.5")], Quarter);
        var twice = Assert.Throws<ArgumentException>(() => forecaster.Combine(Quarter, [part, part]));
        Assert.Contains("'twice' has two forecast lines", twice.Message, StringComparison.Ordinal);
        var other = new DateInterval(Quarter.Start, Quarter.End.PlusDays(1));
        var period = Assert.Throws<ArgumentException>(() => forecaster.Combine(other, [part]));
        Assert.Contains("Part 0 forecasts 2027-01-01 to 2027-03-31, not 2027-01-01 to 2027-04-01", period.Message, StringComparison.Ordinal);
    }

    private static void AssertHolds(Property property) => Assert.Null(Record.Exception(() => property.Check(Runs)));

    /// <summary>The CSM's call is the probability itself, so the generator chooses it.</summary>
    private sealed class Calls : IRenewalProbabilityModel
    {
        public string Name => "call";

        public bool TryEstimate(RenewalCase renewal, out double probability) =>
            double.TryParse(renewal.CsmCall, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out probability);
    }
}
