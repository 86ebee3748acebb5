using Apache.Arrow;
using Apache.Arrow.Types;
using BenchmarkDotNet.Attributes;
using CustomerLifecycle.Usage;

namespace CustomerLifecycle.Benchmarks;

/// <summary>
/// One day of events (10 million; 100,000 with CUSTOMERLIFECYCLE_BENCH_SMALL) into a new aggregator with the ten
/// definitions, at 1,000 / 100,000 / 1,000,000 accounts: from the columns the aggregator takes (the baseline), from
/// an Arrow record batch with dictionary-encoded text (what DuckDB and Polars export for categorical columns), from one
/// with plain strings (each distinct value interned from the batch's bytes), and as objects (a <see cref="UsageEvent"/>
/// each, with its id: the path the pipeline's event source takes today). The batches and objects are built in the setup.
/// </summary>
[MemoryDiagnoser]
[MonitoringJob(warmupCount: 1, iterationCount: 3)]
public class UsageArrowBenchmarks
{
    private UsageEvents _events = null!;
    private RecordBatch _dictionary = null!;
    private RecordBatch _plain = null!;
    private UsageEvent[] _objects = null!;

    public static IEnumerable<int> AccountSizes => BenchmarkSizes.Accounts;

    [ParamsSource(nameof(AccountSizes))]
    public int Accounts { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var perDay = BenchmarkSizes.Events / BenchmarkSizes.Days;
        _events = new UsageEvents(Accounts, perDay, 1);
        var n = _events.Account.Length;
        var accounts = _events.AccountIds.Select(a => a.Value).ToArray();
        var at = new TimestampArray.Builder(new TimestampType(TimeUnit.Microsecond, "UTC"));
        foreach (var instant in _events.At)
        {
            at.Append(instant.ToDateTimeOffset());
        }

        var atArray = at.Build();
        var quantity = new DoubleArray.Builder().AppendRange(_events.Quantity).Build();
        _dictionary = Batch(
            Encoded(_events.Account, accounts),
            Encoded(_events.User, _events.Users),
            Encoded(_events.Name, UsageEvents.Names),
            atArray,
            quantity);
        _plain = Batch(
            new StringArray.Builder().AppendRange(_events.Account.Select(i => accounts[i])).Build(),
            new StringArray.Builder().AppendRange(_events.User.Select(i => _events.Users[i])).Build(),
            new StringArray.Builder().AppendRange(_events.Name.Select(i => UsageEvents.Names[i])).Build(),
            atArray,
            quantity);
        _objects = new UsageEvent[n];
        for (var i = 0; i < n; i++)
        {
            _objects[i] = new UsageEvent($"e{i}", _events.AccountIds[_events.Account[i]], _events.Users[_events.User[i]], UsageEvents.Names[_events.Name[i]], _events.At[i], _events.Quantity[i]);
        }

        // The four paths apply the same events.
        var expected = Columns();
        if (Dictionary() != expected || Plain() != expected || Objects() != expected)
        {
            throw new InvalidOperationException("The Arrow, object and column paths did not accept the same events.");
        }
    }

    [Benchmark(Baseline = true, Description = "columns")]
    public long Columns() => Fresh().Ingest(_events.Columns).Accepted;

    [Benchmark(Description = "Arrow, dictionary-encoded")]
    public long Dictionary() => Fresh().Ingest(_dictionary).Accepted;

    [Benchmark(Description = "Arrow, plain strings")]
    public long Plain() => Fresh().Ingest(_plain).Accepted;

    [Benchmark(Description = "objects")]
    public long Objects() => Fresh().Ingest(_objects).Accepted;

    private static UsageAggregator Fresh() => new(UsageEvents.Definitions(), BenchmarkSizes.ClockOn(UsageEvents.FirstDay));

    private static DictionaryArray Encoded(int[] indices, string[] values) =>
        new(new DictionaryType(Int32Type.Default, StringType.Default, false), new Int32Array.Builder().AppendRange(indices).Build(), new StringArray.Builder().AppendRange(values).Build());

    private static RecordBatch Batch(IArrowArray account, IArrowArray user, IArrowArray name, IArrowArray at, IArrowArray quantity)
    {
        IArrowArray[] arrays = [account, user, name, at, quantity];
        string[] names = ["account", "user", "name", "at", "quantity"];
        var schema = new Schema.Builder();
        for (var i = 0; i < arrays.Length; i++)
        {
            var (column, type) = (names[i], arrays[i].Data.DataType);
            schema.Field(f => f.Name(column).DataType(type).Nullable(false));
        }

        return new RecordBatch(schema.Build(), arrays, arrays[0].Length);
    }
}
