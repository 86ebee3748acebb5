using FsCheck;
using FsCheck.Fluent;
using NodaTime;

namespace CustomerLifecycle.Forecasting.Tests;

/// <summary>Invariants of the statistics over random data, ties, zero times and huge amounts included.</summary>
public sealed class StatisticsPropertyTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(300);

    [Fact]
    public void KaplanMeier_SurvivalIsNonIncreasing_WithinZeroAndOne_AndBoundsAroundIt()
    {
        var observation = from time in Gen.Frequency((3, Gen.Choose(0, 12).Select(i => (double)i)), (1, Gen.Choose(0, 100000).Select(i => i / 7.0)), (1, Gen.Elements(0.0, 1e300)))
                          from churned in Gen.Elements(true, false)
                          select new SurvivalObservation(time, churned);
        var gen = from list in Gen.NonEmptyListOf(observation)
                  from transform in Gen.Elements(Enum.GetValues<ConfidenceIntervalTransform>())
                  select (Data: list.ToArray(), Transform: transform);
        AssertHolds(Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var curve = KaplanMeier.Fit(c.Data, transform: c.Transform);
            var previous = 1.0;
            foreach (var p in curve.Points)
            {
                if (p.Survival > previous || p.Survival < 0 || p.Survival > 1)
                {
                    return false;
                }

                if (p.Lower is { } lo && p.Upper is { } hi && !(lo >= 0 && lo <= p.Survival + 1e-12 && hi >= p.Survival - 1e-12 && hi <= 1))
                {
                    return false;
                }

                previous = p.Survival;
            }

            return curve.Points.Sum(p => p.Events + p.Censored) == c.Data.Length && curve.Points[0].AtRisk == c.Data.Length;
        }));
    }

    [Fact]
    public void GrossRevenueRetention_IsAtMostOne_AndNrrIsGrrPlusExpansion()
    {
        var step = Retention.RandomLedgers.Step(accounts: 6, days: 730);
        AssertHolds(Prop.ForAll(Gen.NonEmptyListOf(step).ToArbitrary(), steps =>
        {
            var ledger = Retention.RandomLedgers.Valid(steps, new LocalDate(2024, 6, 1), _ => "USD");
            try
            {
                var report = RetentionMetrics.Compute(ledger, new LocalDate(2025, 1, 1), new LocalDate(2026, 1, 1));
                return report.ByCurrency.All(r => r.GrossRevenueRetention <= 1 && r.GrossRevenueRetention >= 0
                    && Math.Abs(r.NetRevenueRetention - (r.GrossRevenueRetention + r.ExpansionRate)) <= 1e-9 * Math.Max(1, r.NetRevenueRetention))
                    && report.LogoChurnRate is >= 0 and <= 1;
            }
            catch (ArgumentException e) when (e.Message.StartsWith("No account had ARR", StringComparison.Ordinal))
            {
                return true;
            }
        }));
    }

    private static void AssertHolds(Property property) => Assert.Null(Record.Exception(() => property.Check(Runs)));
}
