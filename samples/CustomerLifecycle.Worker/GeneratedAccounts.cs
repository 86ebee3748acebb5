using System.Runtime.CompilerServices;
using NodaTime;

namespace CustomerLifecycle.Worker;

/// <summary>
/// A deterministic portfolio standing in for a CRM: about a third of the accounts in trouble. In shards it reads one
/// shard where the accounts are, as a SQL source would with a WHERE: only the shard's accounts are made.
/// </summary>
internal sealed class GeneratedAccounts(int count) : Hosting.IShardedAccountSource
{
    public IAsyncEnumerable<Account> ReadAsync(LocalDate date, CancellationToken cancellationToken) => ReadAsync(date, AccountShard.All, cancellationToken);

    public async IAsyncEnumerable<Account> ReadAsync(LocalDate date, AccountShard shard, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        for (var i = 0; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var id = new AccountId($"acct-{i:D5}");
            if (!shard.Contains(id))
            {
                continue;
            }

            var troubled = i % 3 == 0;
            yield return new Account
            {
                Id = id,
                Name = $"Account {i}",
                Owner = $"csm-{i % 12}",
                CustomerSince = new LocalDate(2023, 1, 1).PlusDays(i % 700),
                Contract = new Contract(new LocalDate(2026, 1, 1).PlusDays(i % 300), new LocalDate(2027, 1, 1).PlusDays(i % 300), new Money(5_000 + (i % 50 * 2_000), "USD"), 10 + (i % 40)),
                Signals = SignalSet.Create([
                    new(WellKnownSignals.Logins30Days, troubled ? i % 5 : 200 + (i % 300)),
                    new(WellKnownSignals.ActiveSeats, troubled ? 1 : 8 + (i % 30)),
                    new(WellKnownSignals.Nps, troubled ? i % 4 : 8 + (i % 3)),
                    new(WellKnownSignals.UnresolvedTickets, troubled ? 6 : i % 2),
                    new(WellKnownSignals.HighSeverityTickets, troubled ? 2 : 0)]),
            };
        }
    }
}
