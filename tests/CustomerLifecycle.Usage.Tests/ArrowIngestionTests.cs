using Apache.Arrow;
using Apache.Arrow.Types;
using CustomerLifecycle.Testing;
using FsCheck;
using FsCheck.Fluent;
using NodaTime;

namespace CustomerLifecycle.Usage.Tests;

/// <summary>
/// Issue 31, Arrow in: a record batch of events computes exactly what the same events give one by one, whether its text
/// columns are plain or dictionary-encoded and whatever its timestamp unit; a batch that does not fit is refused whole,
/// naming the column.
/// </summary>
public sealed class ArrowIngestionTests
{
    private static readonly DateTimeZone Zone = DateTimeZoneProviders.Tzdb["America/New_York"];
    private static readonly LocalDate End = new(2026, 11, 3); // the DST change of 2026-11-01 inside the windows

    private static BusinessClock Clock() => new(new FakeClock(Zone.AtStartOfDay(End.PlusDays(1)).ToInstant() - Duration.FromSeconds(1)), Zone);

    [Fact]
    public void ABatch_EqualsTheSameEventsOneByOne_PlainOrDictionaryEncoded_AtEveryTimestampUnit()
    {
        string[] names = ["login", "report.exported", "report.viewed", "reports", "admin.setting", "Bad Name"];
        var gen = from dictionary in Gen.Elements(true, false)
                  from unit in Gen.Elements(TimeUnit.Second, TimeUnit.Millisecond, TimeUnit.Microsecond, TimeUnit.Nanosecond)
                  from quantities in Gen.Elements(0, 1, 2) // none, doubles, integers
                  from n in Gen.Choose(0, 300)
                  from events in Gen.ArrayOf(
                      from a in Gen.Choose(0, 6)
                      from u in Gen.Choose(0, 7)
                      from name in Gen.Choose(0, names.Length - 1)
                      from back in Gen.Choose(-1, 40) // -1: tomorrow (in the future); 40: older than the kept days
                      from second in Gen.Choose(0, 86_399)
                      from q in Gen.Choose(0, 100)
                      select (a, u, name, back, second, q),
                      n)
                  select (dictionary, unit, quantities, events);
        Assert.Null(Record.Exception(() => Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (dictionary, unit, quantities, events) = t;
            string[] accounts = ["a0", "a1", "a2", "a3", "a4", " padded", "a6"]; // " padded" is not an AccountId: refused
            string[] users = ["u0", "u1", "u2", "u3", "u4", "u5", "", "u\uD83D\uDE00"]; // "" is blank: refused
            Instant At((int a, int u, int name, int back, int second, int q) e)
            {
                var at = Zone.AtStartOfDay(End.PlusDays(-e.back)).ToInstant() + Duration.FromSeconds(e.second);
                return unit == TimeUnit.Second ? at : at + Duration.FromNanoseconds(unit switch { TimeUnit.Millisecond => 7_000_000, TimeUnit.Microsecond => 7_000, _ => 7 });
            }

            var oneByOne = new UsageAggregator(UsagePropertyTests.Options(), Clock());
            var expected = oneByOne.Ingest(events.Select((e, i) => new UsageEvent("e" + i, accounts[e.a] == " padded" ? default : new AccountId(accounts[e.a]), users[e.u], names[e.name], At(e), quantities == 0 ? 1 : e.q / (quantities == 1 ? 10d : 1d))));

            var batch = Batch(
                Text("account", events.Select(e => accounts[e.a]), dictionary),
                Text("user", events.Select(e => users[e.u]), dictionary),
                Text("name", events.Select(e => names[e.name]), dictionary),
                Timestamps("at", events.Select(At), unit),
                quantities switch
                {
                    0 => null,
                    1 => ("quantity", (IArrowArray)new DoubleArray.Builder().AppendRange(events.Select(e => e.q / 10d)).Build()),
                    _ => ("quantity", new Int64Array.Builder().AppendRange(events.Select(e => (long)e.q)).Build()),
                });
            var arrow = new UsageAggregator(UsagePropertyTests.Options(), Clock());
            var report = arrow.Ingest(batch);

            var (a, b) = (oneByOne.Evaluate([.. accounts.Where(x => x != " padded").Select(x => new AccountId(x))]), arrow.Evaluate([.. accounts.Where(x => x != " padded").Select(x => new AccountId(x))]));
            var same = oneByOne.Signals.All(k => a.Matrix.GetColumn(k).ToArray().SequenceEqual(b.Matrix.GetColumn(k).ToArray()));
            return (same && report.Accepted == expected.Accepted && report.Processed == events.Length
                && report.Refused.Select(r => r.Index).SequenceEqual(expected.Refused.Select(r => r.Index)))
                .Label($"signals equal: {same}; accepted {report.Accepted} against {expected.Accepted}; refused rows [{string.Join(",", report.Refused.Select(r => r.Index))}] against [{string.Join(",", expected.Refused.Select(r => r.Index))}]");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200))));
    }

    [Fact]
    public void UsersAsIntegerKeys_CountAsUsersByName_InEveryIntegerType()
    {
        var gen = from type in Gen.Elements("int64", "uint64", "int32", "uint8")
                  from n in Gen.Choose(0, 200)
                  from events in Gen.ArrayOf(
                      from a in Gen.Choose(0, 3)
                      from u in Gen.Choose(0, 5)
                      from back in Gen.Choose(0, 20)
                      from second in Gen.Choose(0, 86_399)
                      select (a, u, back, second),
                      n)
                  select (type, events);
        Assert.Null(Record.Exception(() => Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (type, events) = t;
            string[] accounts = ["a0", "a1", "a2", "a3"];
            ulong[] keys = type switch { "int64" => [0, 1, unchecked((ulong)-1), long.MaxValue, unchecked((ulong)long.MinValue), 7], "uint64" => [0, 1, ulong.MaxValue, 1UL << 63, 5, 6], _ => [0, 1, 2, 3, 200, 255] };
            Instant At((int a, int u, int back, int second) e) => Zone.AtStartOfDay(End.PlusDays(-e.back)).ToInstant() + Duration.FromSeconds(e.second);
            IArrowArray users = type switch
            {
                "int64" => new Int64Array.Builder().AppendRange(events.Select(e => unchecked((long)keys[e.u]))).Build(),
                "uint64" => new UInt64Array.Builder().AppendRange(events.Select(e => keys[e.u])).Build(),
                "int32" => new Int32Array.Builder().AppendRange(events.Select(e => (int)keys[e.u])).Build(),
                _ => new UInt8Array.Builder().AppendRange(events.Select(e => (byte)keys[e.u])).Build(),
            };
            RecordBatch Of((string, IArrowArray) user) => Batch(
                Text("account", events.Select(e => accounts[e.a]), dictionary: false),
                user,
                Text("name", events.Select(_ => "login"), dictionary: true),
                Timestamps("at", events.Select(At), TimeUnit.Microsecond),
                null);

            var byName = new UsageAggregator(UsagePropertyTests.Options(), Clock());
            var byKey = new UsageAggregator(UsagePropertyTests.Options(), Clock());
            var a = byName.Ingest(Of(Text("user", events.Select(e => "k" + keys[e.u]), dictionary: false)));
            var b = byKey.Ingest(Of(("user", users)));
            AccountId[] rows = [.. accounts.Select(x => new AccountId(x))];
            var (x, y) = (byName.Evaluate(rows), byKey.Evaluate(rows));
            return (a.Accepted == b.Accepted && byName.Signals.All(k => x.Matrix.GetColumn(k).ToArray().SequenceEqual(y.Matrix.GetColumn(k).ToArray())))
                .Label($"accepted {a.Accepted} and {b.Accepted}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(100))));
    }

    [Fact]
    public void ABatchThatDoesNotFit_IsRefusedWhole_NamingTheColumn()
    {
        var usage = new UsageAggregator(UsagePropertyTests.Options(), Clock());
        var at = Zone.AtStartOfDay(End).ToInstant();
        var good = new (string, IArrowArray)?[] { Text("account", ["a0", "a1"], false), Text("user", ["u0", "u1"], false), Text("name", ["login", "login"], false), Timestamps("at", [at, at], TimeUnit.Microsecond), null };

        var e = Assert.Throws<ArgumentException>(() => usage.Ingest(Batch(good[0], good[1], good[3], null)));
        Assert.Contains("The Arrow batch has no column 'name' (it has 'account', 'user', 'at')", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<ArgumentException>(() => usage.Ingest(Batch(good[0], good[1], good[2], ("at", new Int64Array.Builder().Append(1).Append(2).Build()))));
        Assert.Contains("Arrow column 'at' is int64; usage events take it as a timestamp", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<ArgumentException>(() => usage.Ingest(Batch(good[0], ("user", new StringArray.Builder().Append("u0").AppendNull().Build()), good[2], good[3])));
        Assert.Contains("Arrow column 'user' has a null at row 1 (1 in all)", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<ArgumentException>(() => usage.Ingest(Batch(good[0], good[1], good[2], good[3], ("quantity", new StringArray.Builder().Append("1").Append("2").Build()))));
        Assert.Contains("Arrow column 'quantity' is utf8; usage events take the quantity as a floating-point or integer number", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, usage.AccountCount); // nothing applied

        // Other names, through UsageArrowColumns; no quantity column: one each.
        var renamed = Batch(("crm_id", good[0]!.Value.Item2), ("login", good[1]!.Value.Item2), ("event", good[2]!.Value.Item2), ("ts", good[3]!.Value.Item2));
        var report = usage.Ingest(renamed, new UsageArrowColumns { Account = "crm_id", User = "login", Name = "event", At = "ts" });
        Assert.Equal(2, report.Accepted);
    }

    private static (string, IArrowArray) Text(string column, IEnumerable<string> values, bool dictionary)
    {
        var all = values.ToArray();
        if (!dictionary)
        {
            return (column, new StringArray.Builder().AppendRange(all).Build());
        }

        var distinct = all.Distinct(StringComparer.Ordinal).ToArray();
        var indices = new Int16Array.Builder().AppendRange(all.Select(v => (short)System.Array.IndexOf(distinct, v))).Build();
        return (column, new DictionaryArray(new DictionaryType(Int16Type.Default, StringType.Default, false), indices, new StringArray.Builder().AppendRange(distinct).Build()));
    }

    private static (string, IArrowArray) Timestamps(string column, IEnumerable<Instant> values, TimeUnit unit)
    {
        var type = new TimestampType(unit, "UTC");
        var builder = new TimestampArray.Builder(type);
        foreach (var at in values)
        {
            builder.Append(at.ToDateTimeOffset());
        }

        // The builder keeps at most ticks; nanoseconds are written into the values directly.
        if (unit != TimeUnit.Nanosecond)
        {
            return (column, builder.Build());
        }

        var nanos = values.Select(at => (at - NodaConstants.UnixEpoch).ToInt64Nanoseconds()).ToArray();
        var data = new ArrayData(type, nanos.Length, 0, 0, [ArrowBuffer.Empty, new ArrowBuffer.Builder<long>().AppendRange(nanos).Build()]);
        return (column, new TimestampArray(data));
    }

    private static RecordBatch Batch(params (string Name, IArrowArray Array)?[] columns)
    {
        var present = columns.Where(c => c is not null).Select(c => c!.Value).ToArray();
        var schema = new Schema.Builder();
        foreach (var (name, array) in present)
        {
            schema.Field(f => f.Name(name).DataType(array.Data.DataType).Nullable(true));
        }

        return new RecordBatch(schema.Build(), present.Select(c => c.Array), present.Length == 0 ? 0 : present[0].Array.Length);
    }
}
