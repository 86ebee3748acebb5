using CustomerLifecycle.Testing;
using FsCheck;
using FsCheck.Fluent;
using NodaTime;

namespace CustomerLifecycle.Usage.Tests;

/// <summary>
/// A bulk load in columns computes what the same events give one by one: with few accounts (applied in order) and
/// with many (sorted by account a chunk at a time, chunks small here so that events of one account span several).
/// </summary>
public sealed class ColumnIngestionTests
{
    private static readonly DateTimeZone Zone = DateTimeZoneProviders.Tzdb["Europe/Berlin"];
    private static readonly LocalDate End = new(2026, 4, 2);

    [Fact]
    public void Columns_EqualEventsOneByOne_WithFewAndManyAccounts()
    {
        // With and without definitions that count users: a load of few accounts without them is applied in order.
        var gen = from withUsers in Gen.Elements(true, false)
                  from accounts in Gen.Elements(3, 5_000)
                  from chunk in Gen.Elements(7, 1_000, 1 << 22)
                  from n in Gen.Choose(0, 400)
                  from events in Gen.ArrayOf(
                      from a in Gen.Choose(0, accounts - 1)
                      from u in Gen.Choose(0, 5)
                      from name in Gen.Choose(0, 4)
                      from back in Gen.Choose(0, 15)
                      from second in Gen.Choose(0, 86_399)
                      from q in Gen.Choose(0, 100)
                      select (a, u, name, back, second, q),
                      n)
                  select (withUsers, accounts, chunk, events);
        Assert.Null(Record.Exception(() => Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (withUsers, accounts, chunk, events) = t;
            UsageOptions Options()
            {
                var options = UsagePropertyTests.Options();
                if (!withUsers)
                {
                    foreach (var signal in new[] { "users_7", "stick_7", "stick_rep_4", "users_7_change" })
                    {
                        options.Signals.Remove(signal);
                    }
                }

                return options;
            }

            string[] names = ["login", "report.exported", "report.viewed", "reports", "admin.setting"];
            var accountIds = Enumerable.Range(0, accounts).Select(a => new AccountId("a" + a)).ToArray();
            var users = Enumerable.Range(0, 6).Select(u => "u" + u).ToArray();
            Instant At((int a, int u, int name, int back, int second, int q) e) => Zone.AtStartOfDay(End.PlusDays(-e.back)).ToInstant() + Duration.FromSeconds(e.second);

            var clock = new BusinessClock(new FakeClock(Zone.AtStartOfDay(End.PlusDays(1)).ToInstant() - Duration.FromSeconds(1)), Zone);
            var oneByOne = new UsageAggregator(Options(), clock);
            Assert.Empty(oneByOne.Ingest(events.Select((e, i) => new UsageEvent("e" + i, accountIds[e.a], users[e.u], names[e.name], At(e), e.q / 10d))).Refused);
            var columns = new UsageAggregator(UsageModel.Create(Options(), string.Empty), clock) { ColumnChunk = chunk };
            var report = columns.Ingest(new UsageEventColumns(
                accountIds, users, names,
                [.. events.Select(e => e.a)], [.. events.Select(e => e.u)], [.. events.Select(e => e.name)],
                [.. events.Select(At)], [.. events.Select(e => e.q / 10d)]));
            Assert.Equal(events.Length, report.Accepted);

            var rows = accountIds.Where((_, i) => events.Any(e => e.a == i)).ToArray();
            var a = oneByOne.Evaluate(rows);
            var b = columns.Evaluate(rows);
            foreach (var key in a.Matrix.Columns)
            {
                for (var r = 0; r < rows.Length; r++)
                {
                    var (x, y) = (a.Matrix[r, key], b.Matrix[r, key]);
                    Assert.True(x.Equals(y) || Math.Abs(x - y) <= 1e-9 * Math.Abs(x), $"{key} of {rows[r]}: {x} one by one, {y} in columns");
                }
            }

            Assert.Equal(a.Milestones.Select(m => m.Id).Order(), b.Milestones.Select(m => m.Id).Order());
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(60))));
    }
}

/// <summary>A large portfolio (40,000 accounts, loaded through the sorted path) evaluated at once equals it evaluated in parts.</summary>
public sealed class LargeEvaluationTests
{
    [Fact]
    public void APortfolioEvaluatedAtOnce_EqualsItEvaluatedInParts_MilestonesInRowOrder()
    {
        var zone = DateTimeZone.Utc;
        var end = new LocalDate(2026, 4, 2);
        var clock = new BusinessClock(new FakeClock(zone.AtStartOfDay(end.PlusDays(1)).ToInstant() - Duration.FromSeconds(1)), zone);
        const int Accounts = 40_000;
        var accountIds = Enumerable.Range(0, Accounts).Select(a => new AccountId("a" + a)).ToArray();
        string[] users = ["u0", "u1", "u2"];
        string[] names = ["login", "report.exported", "report.viewed"];
        var n = 3 * Accounts;
        var random = new Random(7);
        var account = new int[n];
        var user = new int[n];
        var name = new int[n];
        var at = new Instant[n];
        for (var i = 0; i < n; i++)
        {
            account[i] = i % Accounts;
            user[i] = random.Next(3);
            name[i] = random.Next(3);
            at[i] = zone.AtStartOfDay(end.PlusDays(-random.Next(14))).ToInstant() + Duration.FromSeconds(random.Next(86_400));
        }

        UsageAggregator Loaded()
        {
            var options = UsagePropertyTests.Options();
            options.Milestones["users_7"] = [2, 3];
            var usage = new UsageAggregator(options, clock);
            Assert.Equal(n, usage.Ingest(new UsageEventColumns(accountIds, users, names, account, user, name, at)).Accepted);
            return usage;
        }

        var whole = Loaded().Evaluate(accountIds);
        var inParts = Loaded();
        var parts = accountIds.Chunk(1_000).Select(part => inParts.Evaluate(part)).ToList();
        Assert.Equal(parts.SelectMany(p => p.Milestones).Select(m => m.Id), whole.Milestones.Select(m => m.Id));
        Assert.NotEmpty(whole.Milestones);
        foreach (var key in whole.Matrix.Columns)
        {
            var expected = parts.SelectMany(p => p.Matrix.GetColumn(key).ToArray()).ToArray();
            Assert.Equal(expected, whole.Matrix.GetColumn(key).ToArray());
        }
    }
}
