using CustomerLifecycle.Testing;
using FsCheck;
using FsCheck.Fluent;

namespace CustomerLifecycle.Core.Tests.Accounts;

public sealed class SignalSetTests
{
    [Fact]
    public void TryGetValue_MissingSignal_IsDistinctFromZero()
    {
        var signals = SignalSet.Create([new(WellKnownSignals.OpenTickets, 0)]);
        Assert.True(signals.TryGetValue(WellKnownSignals.OpenTickets, out var zero));
        Assert.Equal(0, zero);
        Assert.False(signals.TryGetValue(WellKnownSignals.Nps, out _));
        Assert.Null(signals[WellKnownSignals.Nps]);
        Assert.Equal(0.0, signals[WellKnownSignals.OpenTickets]);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Create_NonFiniteValue_ThrowsNamingTheSignal(double value)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => SignalSet.Create([new(WellKnownSignals.Nps, value)]));
        Assert.Contains("'nps'", ex.Message, StringComparison.Ordinal);
        Assert.Equal("value", ex.ParamName);
    }

    [Fact]
    public void Create_DuplicateKey_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => SignalSet.Create([new(WellKnownSignals.Nps, 1), new(new SignalKey("nps"), 2)]));
        Assert.Contains("'nps'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Logins")]
    [InlineData("1st_value")]
    [InlineData("has space")]
    [InlineData("")]
    public void SignalKey_InvalidName_Throws(string name) => Assert.Throws<ArgumentException>(() => new SignalKey(name));

    [Fact]
    public void HostDefinedSignals_WorkBesideWellKnownOnes()
    {
        var custom = new SignalKey("api_calls_7d");
        var signals = SignalSet.CreateBuilder().Add(custom, 12_000).Add(WellKnownSignals.Nps, 9).ToSignalSet();
        Assert.Equal(12_000, signals[custom]);
        Assert.Equal(2, signals.Count);
    }

    [Fact]
    public void WithAndWithout_ReturnNewSetsAndLeaveTheOriginal()
    {
        var original = SignalSet.Create([new(WellKnownSignals.Nps, 7)]);
        var changed = original.With(WellKnownSignals.Nps, 10).With(WellKnownSignals.Csat, 4);
        var removed = changed.Without(WellKnownSignals.Nps);
        Assert.Equal(7, original[WellKnownSignals.Nps]);
        Assert.Equal(10, changed[WellKnownSignals.Nps]);
        Assert.Null(removed[WellKnownSignals.Nps]);
        Assert.Equal(4, removed[WellKnownSignals.Csat]);
    }

    [Fact]
    public void Lookup_AgreesWithADictionary_ForAnySequenceOfEdits()
    {
        var edit = Gen.Zip(DomainGenerators.SignalKeys(), Gen.OneOf(DomainGenerators.SignalValue().Select(v => (double?)v), Gen.Constant<double?>(null)));
        Prop.ForAll(Gen.ListOf(edit).ToArbitrary(), edits =>
        {
            var set = SignalSet.Empty;
            var reference = new Dictionary<SignalKey, double>();
            foreach (var (key, value) in edits)
            {
                if (value is { } v)
                {
                    set = set.With(key, v);
                    reference[key] = v;
                }
                else
                {
                    set = set.Without(key);
                    reference.Remove(key);
                }
            }

            return set.Count == reference.Count
                && WellKnownSignals.All.Concat(reference.Keys).All(k => set[k] == (reference.TryGetValue(k, out var r) ? r : null))
                && set.Equals(SignalSet.FromPairs(reference));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public void SetsBuiltOneAfterAnother_WithManyKeyLayouts_EachKeepTheirOwnSignals()
    {
        // Sets with the same keys share their key arrays (a process-wide table of layouts); twelve layouts interleaved,
        // and every set must still answer for its own keys only.
        var keys = Enumerable.Range(0, 12).Select(i => new SignalKey("s" + i)).ToArray();
        var sets = new List<(SignalSet Set, int Layout, double Value)>();
        for (var n = 0; n < 60; n++)
        {
            var layout = (n * 7) % 12;
            var builder = SignalSet.CreateBuilder();
            for (var k = 0; k <= layout; k++)
            {
                builder.Add(keys[k], n + (k / 100.0));
            }

            sets.Add((builder.ToSignalSet(), layout, n));
        }

        foreach (var (set, layout, value) in sets)
        {
            Assert.Equal(layout + 1, set.Count);
            for (var k = 0; k < keys.Length; k++)
            {
                Assert.Equal(k <= layout ? value + (k / 100.0) : null, set[keys[k]]);
            }
        }

        Assert.Equal(sets[0].Set, SignalSet.CreateBuilder().Add(keys[0], 0).ToSignalSet());
        Assert.NotEqual(sets[1].Set, sets[13].Set);
    }

    [Fact]
    public void SetsBuiltOnManyThreads_WithMoreLayoutsThanAreShared_EachKeepTheirOwnSignals()
    {
        // 8,192 layouts (every subset of thirteen keys), more than the table of shared layouts holds, built on four
        // threads at once in different orders: the sets that share a layout and those past the table's capacity must
        // all answer for their own keys and values.
        // First, four threads meet the same 255 new layouts at the same moment: each layout gets one number.
        var raced = Enumerable.Range(0, 8).Select(i => new SignalKey("raced_" + i)).ToArray();
        var racedNumbers = new int[4, 256];
        using (var barrier = new Barrier(4))
        {
            Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, thread =>
            {
                for (var subset = 1; subset < 256; subset++)
                {
                    barrier.SignalAndWait();
                    var builder = SignalSet.CreateBuilder();
                    foreach (var k in Enumerable.Range(0, 8).Where(k => (subset & (1 << k)) != 0))
                    {
                        builder.Add(raced[k], k);
                    }

                    racedNumbers[thread, subset] = builder.ToSignalSet().LayoutId;
                }
            });
        }

        for (var subset = 1; subset < 256; subset++)
        {
            Assert.InRange(racedNumbers[0, subset], 0, SignalSet.SharedLayoutCapacity - 1);
            Assert.All(Enumerable.Range(1, 3), thread => Assert.Equal(racedNumbers[0, subset], racedNumbers[thread, subset]));
        }

        // Each layout has one number on every thread, no two layouts share one, and past the table's capacity a
        // layout has none.
        var keys = Enumerable.Range(0, 13).Select(i => new SignalKey("layout_" + i)).ToArray();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var numbers = new int[4, 8192];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, thread =>
        {
            for (var n = 0; n < 8192; n++)
            {
                var subset = ((n * ((2 * thread) + 1)) + thread) & 8191;
                var builder = SignalSet.CreateBuilder();
                for (var k = 0; k < keys.Length; k++)
                {
                    if ((subset & (1 << k)) != 0)
                    {
                        builder.Add(keys[k], subset + (k / 100.0));
                    }
                }

                var set = builder.ToSignalSet();
                numbers[thread, subset] = set.LayoutId;
                for (var k = 0; k < keys.Length; k++)
                {
                    double? expected = (subset & (1 << k)) != 0 ? subset + (k / 100.0) : null;
                    if (set[keys[k]] != expected || set.Count != System.Numerics.BitOperations.PopCount((uint)subset))
                    {
                        failures.Add($"subset {subset}, key {k}: {set[keys[k]]} instead of {expected}");
                    }
                }
            }
        });
        Assert.Empty(failures);

        Assert.Equal(-1, numbers[0, 0]);
        var numbered = new Dictionary<int, int>();
        for (var subset = 1; subset < 8192; subset++)
        {
            var number = numbers[0, subset];
            Assert.All(Enumerable.Range(1, 3), thread => Assert.Equal(number, numbers[thread, subset]));
            Assert.InRange(number, -1, SignalSet.SharedLayoutCapacity - 1);
            if (number >= 0)
            {
                Assert.True(numbered.TryAdd(number, subset), $"Subsets {numbered.GetValueOrDefault(number)} and {subset} have the same layout number {number}.");
            }
        }

        // At most the table's capacity are numbered, so at least the rest are not.
        Assert.InRange(numbered.Count, 0, SignalSet.SharedLayoutCapacity);
        Assert.Equal(-1, SignalSet.Empty.LayoutId);
    }

    // Made when the class is first used, before any of its tests can fill the table of layouts.
    private static readonly SignalKey NumberedA = new("numbered_a");
    private static readonly SignalKey NumberedB = new("numbered_b");
    private static readonly SignalSet Ab = SignalSet.CreateBuilder().Add(NumberedA, 1).Add(NumberedB, 2).ToSignalSet();
    private static readonly SignalSet OnlyA = SignalSet.CreateBuilder().Add(NumberedA, 1).ToSignalSet();

    [Fact]
    public void SetsWithTheSameKeys_HaveTheSameLayoutNumber_AndSetsWithOtherKeysAnother()
    {
        Assert.InRange(Ab.LayoutId, 0, SignalSet.SharedLayoutCapacity - 1);
        Assert.InRange(OnlyA.LayoutId, 0, SignalSet.SharedLayoutCapacity - 1);
        Assert.NotEqual(Ab.LayoutId, OnlyA.LayoutId);

        // However a set with the same keys is made, and even once the table is full, it has the layout's number.
        Assert.Equal(Ab.LayoutId, SignalSet.CreateBuilder().Add(NumberedB, 7).Add(NumberedA, 0).ToSignalSet().LayoutId);
        Assert.Equal(Ab.LayoutId, OnlyA.With(NumberedB, 3).LayoutId);
        Assert.Equal(Ab.LayoutId, Ab.With(NumberedA, 5).LayoutId);
        Assert.Equal(OnlyA.LayoutId, Ab.Without(NumberedB).LayoutId);
    }

    [Fact]
    public void Create_FromASequence_IsTheSameAsFromSignals()
    {
        var mapped = new Dictionary<string, double> { ["logins_30d"] = 12, ["nps"] = 9 }.Select(p => new Signal(new SignalKey(p.Key), p.Value));
        var set = SignalSet.Create(mapped);
        Assert.Equal(SignalSet.Create([new(new SignalKey("nps"), 9), new(new SignalKey("logins_30d"), 12)]), set);
        Assert.Same(SignalSet.Empty, SignalSet.Create(Enumerable.Empty<Signal>()));
        Assert.Throws<ArgumentException>(() => SignalSet.Create(Enumerable.Repeat(new Signal(new SignalKey("nps"), 1), 2)));
        Assert.Throws<ArgumentNullException>(() => SignalSet.Create((IEnumerable<Signal>)null!));
    }
}
