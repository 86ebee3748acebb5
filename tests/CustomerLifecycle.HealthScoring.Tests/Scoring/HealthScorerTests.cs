using CustomerLifecycle.Stages;
using CustomerLifecycle.Testing;
using FsCheck;
using FsCheck.Fluent;
using NodaTime;

namespace CustomerLifecycle.HealthScoring.Tests.Scoring;

public sealed class HealthScorerTests
{
    private static readonly SignalKey A = new("a");
    private static readonly SignalKey B = new("b");
    private static readonly SignalKey C = new("c");
    private readonly FakeClock _clock = FakeClock.AtDefaultStart();

    private static SignalFactor Identity(string name, SignalKey key) => new(name, key, PointMapping.Identity);

    private static Account Account(params Signal[] signals) => new() { Id = new AccountId("acme"), Name = "Acme", Signals = SignalSet.Create(signals) };

    /// <summary>Two groups: g1 (weight 3) = a (1) + b (1); c at the top (weight 1).</summary>
    private static Scorecard Nested() => Scorecard.CreateBuilder("nested")
        .AddGroup("g1", 3, g => g.AddFactor(Identity("fa", A), 1).AddFactor(Identity("fb", B), 1))
        .AddFactor(Identity("fc", C), 1)
        .Build();

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.3)]
    [InlineData(1)]
    [InlineData(1e6)]
    public void AScoreOnABandEdge_UpToRoundOff_IsTheEdge_InEveryPath(double weight)
    {
        // (10 + 10 + 100) / 3 = 40 exactly; with weights of 0.1 each, doubles give 39.99999999999999 (Red) and with 0.3,
        // 40.00000000000001. Both are 40, Yellow, whichever path scores the account.
        var b = new SignalKey("b");
        var scorecard = Scorecard.CreateBuilder("edge")
            .AddFactor(Identity("fa", A), weight).AddFactor(Identity("fb", b), weight).AddFactor(Identity("fc", C), weight)
            .WithColorBands(new ColorBands(40, 70))
            .Build();
        var scorer = new HealthScorer(scorecard, _clock);
        var account = Account(new Signal(A, 10), new Signal(b, 10), new Signal(C, 100));
        var single = scorer.Score(account);
        Assert.Equal((40.0, HealthColor.Yellow), (single.Value!.Value, single.Color!.Value));

        var matrix = SignalMatrix.FromAccounts([account, account], [A, b, C]);
        var scores = new double[2];
        var colors = new HealthColor?[2];
        scorer.ScoreBatch(matrix, scores, colors);
        Assert.Equal([40.0, 40.0], scores);
        Assert.Equal([HealthColor.Yellow, HealthColor.Yellow], colors);
        var full = new HealthScore[2];
        scorer.ScoreBatch(matrix, full);
        Assert.Equal(single, full[0]);

        // Beyond round-off a score keeps its value.
        Assert.Equal(39.9999, scorer.Score(Account(new Signal(A, 9.9997), new Signal(b, 10), new Signal(C, 100))).Value!.Value, 9);
    }

    [Theory]
    [InlineData(1e308)]
    [InlineData(1e13)]
    [InlineData(1e-300)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(-1)]
    public void Weights_OutsideTheBound_AreRefused_SoAScoreStaysWithin0To100(double weight)
    {
        // 1e308 used to give a score of +∞ colored Green.
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Scorecard.CreateBuilder("w").AddFactor(Identity("fa", A), weight).AddFactor(Identity("fb", B), 1));
        Assert.Contains("weights are 0 or from 1E-12 to 1000000000000", ex.Message, StringComparison.Ordinal);

        // The bound's extremes side by side still score within 0-100.
        var extreme = Scorecard.CreateBuilder("x").AddFactor(Identity("fa", A), Scorecard.MaxWeight).AddFactor(Identity("fb", B), Scorecard.MinPositiveWeight).Build();
        Assert.Equal(100, new HealthScorer(extreme, _clock).Score(Account(new Signal(A, 100), new Signal(B, 100))).Value);
        Assert.InRange(new HealthScorer(extreme, _clock).Score(Account(new Signal(A, 0), new Signal(B, 100))).Value!.Value, 0, 1e-20);
    }

    [Fact]
    public void Score_HierarchicalWeights_AreNormalisedPerGroup()
    {
        var scorer = new HealthScorer(Nested(), _clock);
        var score = scorer.Score(Account(new Signal(A, 80), new Signal(B, 40), new Signal(C, 20)));
        // g1 = (80 + 40) / 2 = 60; root = (3 * 60 + 1 * 20) / 4 = 50
        Assert.Equal(50, score.Value!.Value, 12);
        Assert.Equal(1, score.Confidence, 12);
        Assert.Equal(HealthColor.Yellow, score.Color);
        Assert.Equal("nested", score.ScorecardId);
        Assert.Equal(1, score.ScorecardVersion);
    }

    [Fact]
    public void Score_MissingFactor_IsDroppedAndItsWeightStaysInItsGroup()
    {
        var scorer = new HealthScorer(Nested(), _clock);
        var score = scorer.Score(Account(new Signal(A, 80), new Signal(C, 20)));
        // g1 = 80 (b dropped within the group); root = (3 * 80 + 20) / 4 = 65; confidence = 1 - 3/8
        Assert.Equal(65, score.Value!.Value, 12);
        Assert.Equal(0.625, score.Confidence, 12);
    }

    [Fact]
    public void Score_NoData_IsNotApplicableRatherThanZero()
    {
        var score = new HealthScorer(Nested(), _clock).Score(Account());
        Assert.False(score.IsApplicable);
        Assert.Null(score.Value);
        Assert.Null(score.Color);
        Assert.Equal(0, score.Confidence);
    }

    [Fact]
    public void Score_NeutralAndZeroPolicies_ImputeWithoutConfidence()
    {
        var scorecard = Scorecard.CreateBuilder("p")
            .AddFactor(Identity("fa", A), 1)
            .AddFactor(Identity("fb", B), 1, missingData: MissingData.Neutral(50))
            .AddFactor(Identity("fc", C), 2, missingData: MissingData.Zero)
            .Build();
        var score = new HealthScorer(scorecard, _clock).Score(Account(new Signal(A, 90)));
        // (90 + 50 + 2 * 0) / 4
        Assert.Equal(35, score.Value!.Value, 12);
        Assert.Equal(0.25, score.Confidence, 12);
    }

    [Fact]
    public void Score_LastKnownPolicy_DecaysTowardsNeutralWithAgeAndIsDroppedPastMaxAge()
    {
        var scorecard = Scorecard.CreateBuilder("lk")
            .AddFactor(Identity("fa", A), 1)
            .AddFactor(Identity("fb", B), 1, missingData: MissingData.LastKnown(Duration.FromDays(10), Duration.FromDays(30)))
            .Build();
        var scorer = new HealthScorer(scorecard, _clock);
        var first = scorer.Explain(Account(new Signal(A, 50), new Signal(B, 90)));

        _clock.AdvanceDays(10);
        var second = scorer.Explain(Account(new Signal(A, 50)), first);
        var b = second.Find("fb")!;
        Assert.Equal(FactorStatus.LastKnown, b.Status);
        Assert.Equal(70, b.Points!.Value, 12);            // 50 + (90 - 50) * 0.5
        Assert.Equal(60, second.Score.Value!.Value, 12);
        Assert.Equal(0.75, second.Score.Confidence, 12);  // 0.5 + 0.5 * 0.5

        _clock.AdvanceDays(10);                            // 20 days after the measurement: decays from the original, not twice
        var third = scorer.Explain(Account(new Signal(A, 50)), second);
        Assert.Equal(60, third.Find("fb")!.Points!.Value, 12); // 50 + 40 * 0.25

        _clock.AdvanceDays(11);                            // 31 days: past the maximum age
        var fourth = scorer.Explain(Account(new Signal(A, 50)), third);
        Assert.Equal(FactorStatus.NotApplicable, fourth.Find("fb")!.Status);
        Assert.Equal(50, fourth.Score.Value!.Value, 12);
    }

    [Fact]
    public async Task AStoredHealthRecord_GivesTheScorerWhatTheExplanationGave_HysteresisAndLastKnown()
    {
        var scorecard = Scorecard.CreateBuilder("lk")
            .AddFactor(Identity("fa", A), 1)
            .AddFactor(Identity("fb", B), 1, missingData: MissingData.LastKnown(Duration.FromDays(10), Duration.FromDays(30)))
            .Build();
        var scorer = new HealthScorer(scorecard, _clock);
        var store = new InMemoryHealthHistoryStore();
        var day = new LocalDate(2026, 12, 1);
        var first = scorer.Explain(Account(new Signal(A, 52), new Signal(B, 90))); // 71: Green
        await store.WriteAsync([HealthRecord.From(day, first)]);

        _clock.AdvanceDays(10);
        var stored = (await store.LatestAsync(day.PlusDays(9)))[new AccountId("acme")].ToPrevious();
        var account = Account(new Signal(A, 48)); // fb last known at half weight: 48 + (90 - 50) / 2 = 68 points; (48 + 68) / 2 = 58 → Yellow
        var fromStore = scorer.Explain(account, stored);
        var fromMemory = scorer.Explain(account, first);
        Assert.Equal(FactorStatus.LastKnown, fromStore.Find("fb")!.Status);
        Assert.Equal(fromMemory.Score, fromStore.Score);
        Assert.Equal(fromMemory.Find("fb"), fromStore.Find("fb")! with { Group = fromMemory.Find("fb")!.Group, Description = fromMemory.Find("fb")!.Description });
        Assert.Equal(fromMemory.Delta, fromStore.Delta);
        Assert.True(scorecard.UsesLastKnown);
        Assert.False(Scorecard.CreateBuilder("plain").AddFactor(Identity("fa", A), 1).Build().UsesLastKnown);

        // Hysteresis: 69 is Yellow by the bands, but within the 2-point margin of Green, so a Green yesterday stays Green.
        var green = scorer.Explain(Account(new Signal(A, 75), new Signal(B, 75)));
        await store.WriteAsync([HealthRecord.From(day.PlusDays(10), green)]);
        var yesterday = (await store.LatestAsync(day.PlusDays(10)))[new AccountId("acme")].ToPrevious();
        var edge = Account(new Signal(A, 69), new Signal(B, 69));
        Assert.Equal(HealthColor.Yellow, scorer.Score(edge).Color);
        Assert.Equal(HealthColor.Green, scorer.Score(edge, yesterday).Color);
        Assert.Equal(scorer.Score(edge, green), scorer.Score(edge, yesterday));
    }

    [Fact]
    public void FactorReadings_RoundTripThroughTheirTextForm_AndBadTextIsAFormatException()
    {
        var gen = Gen.ListOf(
            from name in Gen.Elements("engagement", "support \"tickets\"", "é\\u2028", "x")
            from raw in Gen.Elements<double?>(null, 0.1 + 0.2, -0.0, double.MaxValue, double.Epsilon, -1e-300, 42)
            from points in Gen.Elements<double?>(null, 0, 100, 71.25, 1 / 3.0)
            from contribution in Gen.Elements(0, 1 / 7.0, 17.8125)
            from observed in Gen.Elements<Instant?>(null, Instant.MinValue, Instant.FromUtc(2026, 12, 2, 6, 0), Instant.FromUnixTimeTicks(Instant.MaxValue.ToUnixTimeTicks())) // kept to the tick (100 ns)
            select new FactorReading(name, raw, points, contribution, observed));
        var property = Prop.ForAll(gen.ToArbitrary(), readings =>
        {
            var back = HealthRecord.DecodeFactors(HealthRecord.EncodeFactors([.. readings]));
            Assert.Equal(readings.Count, back.Count);
            foreach (var (expected, actual) in readings.Zip(back))
            {
                Assert.Equal(expected.Factor, actual.Factor);
                Assert.Equal(expected.RawValue, actual.RawValue);
                Assert.Equal(expected.Points, actual.Points);
                Assert.Equal(expected.Contribution, actual.Contribution);
                Assert.Equal(expected.ObservedAt, actual.ObservedAt);
            }

            Assert.All(back.Zip(readings), p => Assert.Equal(BitConverter.DoubleToInt64Bits(p.Second.RawValue ?? 1), BitConverter.DoubleToInt64Bits(p.First.RawValue ?? 1))); // -0.0 stays -0.0
        });
        Assert.Null(Record.Exception(() => property.Check(Config.QuickThrowOnFailure.WithMaxTest(300))));
        Assert.Throws<FormatException>(() => HealthRecord.DecodeFactors("[[\"a\", 1]]"));
        Assert.Throws<FormatException>(() => HealthRecord.DecodeFactors("{"));
    }

    [Fact]
    public void CriticalRule_ForcesRedWhateverTheAverage()
    {
        var account = Account(
            new Signal(WellKnownSignals.Logins30Days, 400), new Signal(WellKnownSignals.ActiveSeats, 20), new Signal(WellKnownSignals.LicensedSeats, 20),
            new Signal(WellKnownSignals.Nps, 10), new Signal(WellKnownSignals.HighSeverityTickets, 3));
        var explanation = new HealthScorer(Scorecard.Default, _clock).Explain(account);
        Assert.True(explanation.Score.Value > 70);
        Assert.Equal(HealthColor.Red, explanation.Score.Color);
        Assert.True(explanation.Score.IsForcedByRule);
        Assert.Equal("two or more open high-severity tickets", Assert.Single(explanation.FiredRules).Name);
    }

    [Fact]
    public void Explain_ContributionsAddUpToTheScore_AndNameTheDetractors()
    {
        var account = Account(new Signal(A, 80), new Signal(B, 10), new Signal(C, 20));
        var explanation = new HealthScorer(Nested(), _clock).Explain(account);
        Assert.Equal(explanation.Score.Value!.Value, explanation.Factors.Sum(f => f.Contribution), 10);
        Assert.Equal(1, explanation.Factors.Sum(f => f.Weight), 10);
        Assert.Equal(["fb", "fc"], explanation.Detractors(2).Select(f => f.Factor));
        Assert.Equal("g1", explanation.Find("fa")!.Group);
    }

    [Fact]
    public void Explain_WithPrevious_ReportsWhatMovedAndIgnoresAConfigurationChange()
    {
        var scorer = new HealthScorer(Nested(), _clock);
        var before = scorer.Explain(Account(new Signal(A, 80), new Signal(B, 40), new Signal(C, 20)));
        _clock.AdvanceDays(7);
        var after = scorer.Explain(Account(new Signal(A, 80), new Signal(B, 0), new Signal(C, 20)), before);
        Assert.Equal(-15, after.Delta!.Value, 10);
        Assert.Equal("fb", after.ChangesSincePrevious[0].Factor);

        var v2 = Scorecard.CreateBuilder("nested", 2).AddFactor(Identity("fa", A), 1).Build();
        var underV2 = scorer.Explain(Account(new Signal(A, 10)), after, v2);
        Assert.False(underV2.IsComparableWithPrevious);
        Assert.Null(underV2.Delta);
        Assert.Empty(underV2.ChangesSincePrevious);
    }

    [Fact]
    public void Hysteresis_KeepsTheColorWhileTheScoreHoversAtAThreshold()
    {
        var scorer = new HealthScorer(new ScorecardResolver(Scorecard.CreateBuilder("h").AddFactor(Identity("fa", A), 1).Build()), _clock, hysteresisMargin: 3);
        var green = scorer.Explain(Account(new Signal(A, 72)));
        Assert.Equal(HealthColor.Green, green.Score.Color);
        var dip = scorer.Explain(Account(new Signal(A, 68)), green);
        Assert.Equal(HealthColor.Green, dip.Score.Color);          // 68 is within 3 points of 70
        var drop = scorer.Explain(Account(new Signal(A, 66)), dip);
        Assert.Equal(HealthColor.Yellow, drop.Score.Color);        // 66 is not
        Assert.Equal(HealthColor.Yellow, scorer.Explain(Account(new Signal(A, 68))).Score.Color); // no previous: plain bands
    }

    [Fact]
    public void Override_SetsTheColorUntilItExpires_AndRecalculationKeepsIt()
    {
        var overrides = new HealthOverrideRegistry(_clock);
        var scorer = new HealthScorer(new ScorecardResolver(Nested()), _clock, overrides);
        var account = Account(new Signal(A, 90), new Signal(B, 90), new Signal(C, 90));
        overrides.Set(account.Id, HealthColor.Red, "dana", "exec sponsor resigned; not in the data yet", Duration.FromDays(14));

        var score = scorer.Score(account);
        Assert.Equal(HealthColor.Red, score.Color);
        Assert.Equal(HealthColor.Green, score.CalculatedColor);
        Assert.True(score.IsOverridden);
        Assert.Equal("dana", scorer.Explain(account).Override!.Author);
        Assert.Equal(HealthColor.Red, scorer.Score(account).Color);  // scoring again keeps it

        _clock.AdvanceDays(14);
        Assert.Equal(HealthColor.Green, scorer.Score(account).Color);
        Assert.False(scorer.Score(account).IsOverridden);
    }

    [Fact]
    public void Override_BadInput_IsRefused()
    {
        var overrides = new HealthOverrideRegistry(_clock);
        Assert.Throws<ArgumentException>(() => overrides.Set(new AccountId("a"), HealthColor.Red, "dana", " ", Duration.FromDays(1)));
        Assert.Throws<ArgumentException>(() => overrides.Set(new AccountId("a"), HealthColor.Red, "", "why", Duration.FromDays(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => overrides.Set(new AccountId("a"), HealthColor.Red, "dana", "why", Duration.Zero));
        Assert.Equal(0, overrides.Count);
    }

    [Fact]
    public async Task Overrides_RestoredFromAStore_ReplaceTheRegistrys_AndABadOneChangesNothing()
    {
        var store = new InMemoryHealthOverrideStore();
        var setter = new HealthOverrideRegistry(_clock);
        await store.SetAsync(setter.Set(new AccountId("acme"), HealthColor.Red, "dana", "sponsor left", Duration.FromDays(14)));
        var overrides = new HealthOverrideRegistry(_clock);
        overrides.Set(new AccountId("stale"), HealthColor.Yellow, "lee", "set before a restart elsewhere", Duration.FromDays(14));

        overrides.Restore(await store.AllAsync());
        Assert.True(overrides.TryGetActive(new AccountId("acme"), out var active) && active!.Author == "dana");
        Assert.False(overrides.TryGetActive(new AccountId("stale"), out _));

        var bad = new HealthOverride(new AccountId("b"), HealthColor.Red, "dana", "why", _clock.GetCurrentInstant(), _clock.GetCurrentInstant());
        Assert.Contains("ExpiresAt", Assert.Throws<ArgumentException>(() => overrides.Restore([bad])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => overrides.Restore([active!, active!]));
        Assert.Equal(1, overrides.Count);
        Assert.True(overrides.TryGetActive(new AccountId("acme"), out _));
    }

    [Fact]
    public void Resolver_ChoosesByPriorityThenDefault()
    {
        var enterprise = Scorecard.CreateBuilder("enterprise").AddFactor(Identity("fa", A), 1).Build();
        var resolver = new ScorecardResolver(Scorecard.Default, [Scorecard.Onboarding, enterprise], [
            new ScorecardSelector("enterprise", 10, Tier: "Enterprise"),
            new ScorecardSelector("onboarding", 20, Stage: DefaultLifecycleStages.Onboarding)]);
        var account = Account();
        Assert.Same(Scorecard.Default, resolver.Resolve(account));
        Assert.Same(enterprise, resolver.Resolve(account with { Tier = "enterprise" }));
        Assert.Same(Scorecard.Onboarding, resolver.Resolve(account with { Tier = "Enterprise", Stage = DefaultLifecycleStages.Onboarding }));
        Assert.Throws<ArgumentException>(() => new ScorecardResolver(Scorecard.Default, null, [new ScorecardSelector("missing")]));
    }

    [Fact]
    public void WhatIf_ShowsTheDifferenceOfChangedSignals()
    {
        var scorer = new HealthScorer(Nested(), _clock);
        var account = Account(new Signal(A, 80), new Signal(B, 40), new Signal(C, 20));
        var result = scorer.WhatIf(account, signals: account.Signals.With(C, 100));
        Assert.Equal(20, result.Delta!.Value, 10);                // (100 - 20) / 4
        Assert.True(result.ColorChanged);
        Assert.Equal("fc", Assert.Single(result.FactorChanges).Factor);
    }

    [Fact]
    public void MatrixBatch_TreatsNaNAndInfinityAsMissingAndCountsThem()
    {
        var scorer = new HealthScorer(Nested(), _clock);
        var matrix = new SignalMatrix(3, [A, B, C]);
        matrix[0, A] = 80; matrix[0, B] = 40; matrix[0, C] = 20;
        matrix[1, A] = 80; matrix[1, B] = double.NaN; matrix[1, C] = 20;
        matrix[2, A] = double.PositiveInfinity; matrix[2, C] = 20;  // b never written: missing, not invalid
        var results = new HealthScore[3];
        scorer.ScoreBatch(matrix, results);

        Assert.Equal(50, results[0].Value!.Value, 12);
        Assert.Equal(0, results[0].InvalidSignals);
        Assert.Equal(65, results[1].Value!.Value, 12);
        Assert.Equal(1, results[1].InvalidSignals);
        Assert.Equal(20, results[2].Value!.Value, 12);
        Assert.Equal(1, results[2].InvalidSignals);
    }

    [Fact]
    public void AccountBatches_RefuseANullAccount_NamingItsPosition_BeforeWritingAnything()
    {
        // More than one block of accounts, the null one in the second: no block may be scored before the refusal.
        var accounts = Enumerable.Range(0, 600).Select(i => new Account
        {
            Id = new AccountId("a" + i),
            Name = "A" + i,
            Signals = SignalSet.Create([new(WellKnownSignals.Nps, i % 11)]),
        }).ToArray();
        accounts[300] = null!;
        var scorer = new HealthScorer(ScorecardResolver.BuiltIn, _clock);
        var untouched = new HealthScore { ScorecardId = "untouched" };
        var results = Enumerable.Repeat(untouched, accounts.Length).ToArray();
        var sequential = Assert.Throws<ArgumentException>(() => scorer.ScoreBatch(accounts, results));
        Assert.Equal("accounts", sequential.ParamName);
        Assert.Contains("position 300 is null", sequential.Message, StringComparison.Ordinal);
        Assert.All(results, r => Assert.Equal(untouched, r));

        // On all cores too: the null is in another thread's chunk than the first accounts, and still nothing is written.
        var many = Enumerable.Range(0, 5000).Select(i => accounts[i % 300]).ToArray();
        many[4321] = null!;
        var manyResults = Enumerable.Repeat(untouched, many.Length).ToArray();
        var parallel = Assert.Throws<ArgumentException>(() => scorer.ScoreBatchParallel(many, manyResults, maxDegreeOfParallelism: 4));
        Assert.Equal("accounts", parallel.ParamName);
        Assert.Contains("position 4321 is null", parallel.Message, StringComparison.Ordinal);
        Assert.All(manyResults, r => Assert.Equal(untouched, r));
    }

    /// <summary>A custom factor that fails on one account, as a host's buggy factor would.</summary>
    private sealed class FailingFactor : IHealthFactor
    {
        public string Name => "failing";

        public string Description => "throws on an NPS of 7";

        public IReadOnlyList<SignalKey> Inputs { get; } = [WellKnownSignals.Nps];

        public PointMapping DefaultMapping { get; } = PointMapping.Identity;

        public double Measure(ReadOnlySpan<double> inputs) => inputs[0] == 7 ? throw new InvalidOperationException("factor failed") : inputs[0];
    }

    [Fact]
    public void Batches_PassOnACustomFactorsException_TheParallelOneInsideAnAggregateException()
    {
        var scorecard = Scorecard.CreateBuilder("failing").AddFactor(new FailingFactor(), 1).Build();
        var scorer = new HealthScorer(scorecard, _clock);
        var accounts = Enumerable.Range(0, 3000).Select(i => new Account
        {
            Id = new AccountId("a" + i),
            Name = "A" + i,
            Signals = SignalSet.Create([new(WellKnownSignals.Nps, i == 2500 ? 7 : 8)]),
        }).ToArray();
        var results = new HealthScore[accounts.Length];

        var sequential = Assert.Throws<InvalidOperationException>(() => scorer.ScoreBatch(accounts, results));
        Assert.Equal("factor failed", sequential.Message);
        var parallel = Assert.Throws<AggregateException>(() => scorer.ScoreBatchParallel(accounts, results, maxDegreeOfParallelism: 2));
        Assert.Equal("factor failed", Assert.IsType<InvalidOperationException>(Assert.Single(parallel.InnerExceptions)).Message);
    }

    [Fact]
    public void Batches_AgreeWithSingleScoring_SequentialAndParallel()
    {
        var accounts = Enumerable.Range(0, 5000).Select(i => new Account
        {
            Id = new AccountId("a" + i),
            Name = "A" + i,
            Stage = i % 3 == 0 ? DefaultLifecycleStages.Onboarding : DefaultLifecycleStages.Adoption,

            // Licensed seats come from the contract when it licenses any, else from the signal (Account.LicensedSeats):
            // the batch gathers them as scoring one account does.
            Contract = (i % 8) switch
            {
                0 => new Contract(new NodaTime.LocalDate(2026, 1, 1), new NodaTime.LocalDate(2027, 1, 1), new Money(1000m, "USD"), 10 + (i % 50)),
                4 => new Contract(new NodaTime.LocalDate(2026, 1, 1), new NodaTime.LocalDate(2027, 1, 1), new Money(1000m, "USD"), 0),
                _ => null,
            },
            Signals = SignalSet.Create([
                new(WellKnownSignals.Nps, i % 11), new(WellKnownSignals.OnboardingCompletion, (i % 7) / 6.0), new(WellKnownSignals.UnresolvedTickets, i % 6),
                .. i % 5 == 0 ? [] : new Signal[] { new(WellKnownSignals.ActiveSeats, i % 40), new(WellKnownSignals.LicensedSeats, 1 + (i % 30)) },
                .. i % 7 == 0 ? new Signal[] { new(new SignalKey("unread_" + (i % 3)), i) } : []]),
        }).ToArray();
        var scorer = new HealthScorer(ScorecardResolver.BuiltIn, _clock);
        var sequential = new HealthScore[accounts.Length];
        var parallel = new HealthScore[accounts.Length];
        scorer.ScoreBatch(accounts, sequential);
        scorer.ScoreBatchParallel(accounts, parallel, maxDegreeOfParallelism: 4);
        for (var i = 0; i < accounts.Length; i++)
        {
            Assert.Equal(scorer.Score(accounts[i]), sequential[i]);
            Assert.Equal(sequential[i], parallel[i]);
        }

        var matrix = SignalMatrix.FromAccounts(accounts, Scorecard.Default.Signals);
        var fromMatrix = new HealthScore[accounts.Length];
        scorer.ScoreBatchParallel(matrix, fromMatrix);
        for (var i = 0; i < accounts.Length; i++)
        {
            Assert.Equal(scorer.Score(accounts[i], Scorecard.Default), fromMatrix[i]);
        }
    }

    [Fact]
    public void Batch_ShortBuffer_IsRefused()
    {
        var scorer = new HealthScorer(Nested(), _clock);
        Assert.Throws<ArgumentException>(() => scorer.ScoreBatch([Account()], Span<HealthScore>.Empty));
    }
}
