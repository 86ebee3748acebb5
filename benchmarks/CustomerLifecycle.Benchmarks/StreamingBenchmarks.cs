using System.Numerics;
using BenchmarkDotNet.Attributes;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Segmentation;
using CustomerLifecycle.Stages;
using NodaTime;

namespace CustomerLifecycle.Benchmarks;

/// <summary>
/// A portfolio read as a stream, as from a file or a database cursor, at 1,000,000 and 10,000,000 accounts: scored
/// with the eight-factor scorecard and segmented with the 14 default segments, 4,096 accounts at a time, into per-segment
/// counts. The baseline reads the same stream and does nothing else. The <c>Peak WS</c> column is the benchmark
/// process's peak working set: it must not grow with the number of accounts.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PeakWorkingSetColumn.Config))]
public class StreamingBenchmarks
{
    private const int ChunkSize = 4_096;
    private HealthScorer _scorer = null!;
    private SegmentCatalog _catalog = null!;

    /// <summary>1,000,000 accounts (with --large also 10,000,000); 100,000 for CI's dry run.</summary>
    public static IEnumerable<int> Sizes => BenchmarkSizes.Small ? [100_000] : BenchmarkSizes.Large ? [1_000_000, 10_000_000] : [1_000_000];

    [ParamsSource(nameof(Sizes))]
    public int Accounts { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _scorer = new HealthScorer(Portfolio.EightFactors(), SystemClock.Instance);
        _catalog = SegmentCatalog.Default;
    }

    [GlobalCleanup(Target = nameof(ReadOnly))]
    public void CleanupReadOnly() => PeakWorkingSetColumn.Record(nameof(ReadOnly), Accounts);

    [GlobalCleanup(Target = nameof(ScoreAndSegment))]
    public void CleanupScoreAndSegment() => PeakWorkingSetColumn.Record(nameof(ScoreAndSegment), Accounts);

    [Benchmark(Baseline = true, Description = "read the stream only")]
    public double ReadOnly()
    {
        var sum = 0.0;
        foreach (var account in Read(Accounts))
        {
            sum += account.Contract?.AnnualRecurringRevenue.Amount is { } arr ? (double)arr : 0;
        }

        return sum;
    }

    [Benchmark(Description = "read, score and segment, 4,096 accounts at a time")]
    public long[] ScoreAndSegment()
    {
        var chunk = new Account[ChunkSize];
        var scores = new HealthScore[ChunkSize];
        var membership = new ulong[_catalog.WordsPerAccount];
        var counts = new long[_catalog.Segments.Count];
        var n = 0;
        foreach (var account in Read(Accounts))
        {
            chunk[n++] = account;
            if (n == ChunkSize)
            {
                Process(n);
                n = 0;
            }
        }

        Process(n);
        return counts;

        void Process(int count)
        {
            _scorer.ScoreBatch(chunk.AsSpan(0, count), scores);
            for (var i = 0; i < count; i++)
            {
                _catalog.Evaluate(new SegmentSubject(chunk[i], scores[i]), SegmentationPortfolio.Today, membership);
                for (var w = 0; w < membership.Length; w++)
                {
                    for (var bits = membership[w]; bits != 0; bits &= bits - 1)
                    {
                        counts[(w * 64) + BitOperations.TrailingZeroCount(bits)]++;
                    }
                }
            }

            // Nothing of a chunk outlives it.
            Array.Clear(chunk, 0, count);
        }
    }

    /// <summary>The stream: seeded accounts made one at a time, with the signals of the eight factors and the fields the default segments read.</summary>
    private static IEnumerable<Account> Read(int count)
    {
        var random = new Random(3);
        var stages = LifecycleStageModel.Default.Stages.Select(s => s.Id).ToArray();
        var today = SegmentationPortfolio.Today;
        var row = new double[Portfolio.Keys.Length];
        for (var i = 0; i < count; i++)
        {
            var licensed = Portfolio.Row(random, row);
            var renewal = today.PlusDays(random.Next(1, 365));
            yield return new Account
            {
                Id = new AccountId("acct-" + i),
                Name = "Account " + i,
                Owner = "csm-" + (i % 40),
                CustomerSince = today.PlusDays(-random.Next(0, 1500)),
                Contract = new Contract(renewal.PlusYears(-1), renewal, new Money(random.Next(1_000, 150_000), i % 5 == 0 ? "EUR" : "USD"), licensed),
                Stage = stages[random.Next(stages.Length)],
                Signals = Portfolio.Signals(row),
            };
        }
    }
}
