namespace CustomerLifecycle.Forecasting.Tests.Survival;

/// <summary>
/// Checked against R 4.2.2, survival 3.5.3, <c>survdiff</c> (the commands and their output: <c>reference/survival.R</c>),
/// on the lung, veteran and ovarian data sets.
/// </summary>
public sealed class LogRankTests
{
    private static void AssertGroups<T>(LogRankResult<T> result, T[] keys, double[] observed, double[] expected, double[] variance)
        where T : notnull
    {
        Assert.Equal(keys, result.Groups.Select(g => g.Key));
        for (var g = 0; g < keys.Length; g++)
        {
            Assert.Equal(observed[g], result.Groups[g].Observed, 1e-9);
            Assert.Equal(expected[g], result.Groups[g].Expected, 1e-9);
            Assert.Equal(variance[g], result.Groups[g].Variance, 1e-9);
        }
    }

    private static void AssertTest(ChiSquareTest test, double statistic, int df, double p)
    {
        Assert.Equal(statistic, test.Statistic, 1e-9);
        Assert.Equal(df, test.DegreesOfFreedom);
        Assert.Equal(p, test.PValue, p * 1e-9);
    }

    private static (double Key, SurvivalObservation Observation)[] By(ReferenceData data, string column) =>
        [.. data.Column(column).Zip(data.Observations)];

    [Fact]
    public void LungBySex_MatchesSurvdiff()
    {
        // survdiff(Surv(time, status) ~ sex, data = lung2)
        var result = LogRankTest.Compare(By(ReferenceData.Lung, "sex").OrderBy(o => o.Key));
        AssertGroups(result, [1.0, 2.0], [110, 53], [90.1343375697759, 72.8656624302242], [39.917958940591, 39.9179589405911]);
        Assert.Equal([136, 90], result.Groups.Select(g => g.Subjects));
        AssertTest(result.Test, 9.88639084425536, 1, 0.00166505628732988);
    }

    [Fact]
    public void LungBySex_PetoPeto_MatchesSurvdiffWithRho1()
    {
        var result = LogRankTest.Compare(By(ReferenceData.Lung, "sex").OrderBy(o => o.Key), LogRankWeighting.PetoPeto);
        AssertGroups(result, [1.0, 2.0], [69.1933664808108, 28.8558667481293], [54.7157425801213, 43.3334906488188], [17.0990528348967, 17.0990528348967]);
        AssertTest(result.Test, 12.2580821191481, 1, 0.000463247376983184);
        Assert.Equal(LogRankWeighting.PetoPeto, result.Weighting);
    }

    [Fact]
    public void VeteranByCellType_FourGroups_MatchesSurvdiff_PlainWeightedAndStratified()
    {
        var data = ReferenceData.Veteran;
        string[] levels = ["squamous", "smallcell", "adeno", "large"];
        var byType = data.Text("celltype").Zip(data.Observations).OrderBy(o => Array.IndexOf(levels, o.First)).ToArray();

        var plain = LogRankTest.Compare(byType);
        AssertGroups(plain, levels, [31, 45, 26, 26], [47.6546776724754, 30.1020793268148, 15.6937646143605, 34.5494783863493], [26.3384063667063, 21.7542679406138, 12.9661700605014, 24.1990352938484]);
        AssertTest(plain.Test, 25.4037003457854, 3, 1.27124593900609e-05);

        var peto = LogRankTest.Compare(byType, LogRankWeighting.PetoPeto);
        AssertGroups(peto, levels, [13.3904726425968, 28.4254331493403, 16.0659913202837, 9.56231237224927], [20.1511095640072, 19.0059143495264, 10.806772281001, 17.4804132899354], [9.04711965804199, 9.51414372824993, 6.54654340115081, 8.28471167283643]);
        AssertTest(peto.Test, 19.7096224580615, 3, 0.000194961588590464);

        // survdiff(Surv(time, status) ~ celltype + strata(trt), data = veteran)
        var trt = data.Column("trt");
        var stratified = LogRankTest.CompareStratified(data.Text("celltype").Select((c, i) => (c, trt[i], data.Observations[i])).OrderBy(o => Array.IndexOf(levels, o.c)));
        AssertGroups(stratified, levels, [31, 45, 26, 26], [45.1818373946892, 30.6371388922492, 16.3743103990983, 35.8067133139633], [23.5764039357653, 20.7661502626359, 13.0145971558835, 23.2632201306892]);
        AssertTest(stratified.Test, 22.7821199353378, 3, 4.48336907606213e-05);
        Assert.Equal(2, stratified.Strata);
    }

    [Fact]
    public void OvarianByTreatment_MatchesSurvdiff()
    {
        var result = LogRankTest.Compare(By(ReferenceData.Ovarian, "rx").OrderBy(o => o.Key));
        AssertGroups(result, [1.0, 2.0], [7, 5], [5.23353101714994, 6.76646898285006], [2.93619612948316, 2.93619612948316]);
        AssertTest(result.Test, 1.06273986129141, 1, 0.302591116989095);
    }

    [Fact]
    public void OneGroup_NoEvent_OrANullGroup_AreRefusedNamingTheProblem()
    {
        var one = Assert.Throws<ArgumentException>(() => LogRankTest.Compare([("a", new SurvivalObservation(3, true)), ("a", new SurvivalObservation(5, false))]));
        Assert.Contains("two or more groups; the observations hold one ('a')", one.Message, StringComparison.Ordinal);
        var none = Assert.Throws<ArgumentException>(() => LogRankTest.Compare([("a", new SurvivalObservation(3, false)), ("b", new SurvivalObservation(5, false))]));
        Assert.Contains("needs at least one event", none.Message, StringComparison.Ordinal);
        var nullGroup = Assert.Throws<ArgumentException>(() => LogRankTest.Compare(new (string, SurvivalObservation)[] { ("a", new(3, true)), (null!, new(5, true)) }));
        Assert.Contains("Observation 1 has no group", nullGroup.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheGroupsObservedEvents_SumToEveryEvent_AndOMinusE_SumsToZero()
    {
        var result = LogRankTest.Compare(By(ReferenceData.Lung, "ph_ecog"));
        Assert.Equal(ReferenceData.Lung.Observations.Count(o => o.Churned), result.Groups.Sum(g => g.Observed), 1e-9);
        Assert.Equal(0, result.Groups.Sum(g => g.Observed - g.Expected), 1e-9);
    }
}
