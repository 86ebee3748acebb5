using CustomerLifecycle.HealthScoring;
using NodaTime;

namespace CustomerLifecycle.Storage.Conformance;

/// <summary>
/// The contract of <see cref="IHealthHistoryStore"/> as cases any test framework can run: derive a class that creates
/// your store over fresh storage, and run every name in <see cref="CaseNames"/>.
/// </summary>
public abstract class HealthHistoryStoreConformance : StoreConformance<IHealthHistoryStore>
{
    private static readonly LocalDate Day = new(2026, 12, 2);
    private static readonly Instant At = Instant.FromUtc(2026, 12, 2, 6, 0) + Duration.FromTicks(1_234_567); // sub-second, to the tick

    private static readonly (string Name, Func<HealthHistoryStoreConformance, string, CancellationToken, Task> Run)[] Cases =
    [
        ("reads_back_every_field", (c, n, t) => c.RoundTripsAsync(n, t)),
        ("replaces_the_record_of_the_same_account_and_date", (c, n, t) => c.ReplacesAsync(n, t)),
        ("gives_each_accounts_latest_record_on_or_before_a_date", (c, n, t) => c.LatestAsync(n, t)),
        ("refuses_a_batch_with_an_invalid_or_repeated_record_whole", (c, n, t) => c.RefusesWholeAsync(n, t)),
        ("deletes_the_records_before_a_date", (c, n, t) => c.DeletesAsync(n, t)),
        ("gives_the_latest_record_of_the_accounts_asked_for_only", (c, n, t) => c.LatestOfAccountsAsync(n, t)),
    ];

    /// <summary>The names of the cases, for a test framework's data-driven test.</summary>
    public static IReadOnlyList<string> CaseNames { get; } = [.. Cases.Select(c => c.Name)];

    /// <summary>Runs one case against a store over fresh storage, and disposes the stores it opened.</summary>
    /// <param name="caseName">One of <see cref="CaseNames"/>.</param>
    /// <param name="cancellationToken">Cancels the case.</param>
    /// <returns>A task that completes when the case passed.</returns>
    /// <exception cref="ConformanceException">The store broke the contract.</exception>
    /// <exception cref="ArgumentException">No case has the name.</exception>
    public Task RunAsync(string caseName, CancellationToken cancellationToken = default) => RunCaseAsync(this, Cases, caseName, cancellationToken);

    private static void Expect(bool condition, string caseName, string message) => ConformanceCases.Expect(condition, caseName, message);

    private static HealthRecord Record(string account, LocalDate date, double? score = 62.5) => new()
    {
        Account = new AccountId(account),
        Date = date,
        ScoredAt = At,
        Score = score,
        Color = score is null ? null : HealthColor.Yellow,
        CalculatedColor = score is null ? null : HealthColor.Red,
        Confidence = 0.875,
        ScorecardId = "default",
        ScorecardVersion = 3,
        Factors =
        [
            new FactorReading("engagement", 0.1 + 0.2, 71.25, 17.8125, At - Duration.FromDays(3)),
            new FactorReading("support \"tickets\"", null, null, 0, null),
        ],
    };

    private static string Show(HealthRecord? r) => r is null ? "none" :
        $"{r.Account} {r.Date:uuuu-MM-dd} {r.ScoredAt.ToUnixTimeTicks()} {r.Score:R} {r.Color} {r.CalculatedColor} {r.Confidence:R} {r.ScorecardId} v{r.ScorecardVersion} [{string.Join("; ", r.Factors.Select(f => $"{f.Factor} {f.RawValue:R} {f.Points:R} {f.Contribution:R} {f.ObservedAt?.ToUnixTimeTicks()}"))}]";

    private async Task RoundTripsAsync(string name, CancellationToken ct)
    {
        var (store, other) = await OpenAsync(ct).ConfigureAwait(false);
        var full = Record("acme", Day);
        var unscored = Record("globex", Day, score: null) with { Factors = [] };
        await store.WriteAsync([full, unscored], ct).ConfigureAwait(false);
        var read = await other.HistoryAsync(full.Account, Day, Day, ct).ConfigureAwait(false);
        Expect(read.Count == 1 && Show(read[0]) == Show(full), name, $"written {Show(full)}; read {string.Join(" | ", read.Select(Show))} (from another instance).");
        var none = await other.HistoryAsync(unscored.Account, Day, Day, ct).ConfigureAwait(false);
        Expect(none.Count == 1 && Show(none[0]) == Show(unscored), name, $"written {Show(unscored)}; read {string.Join(" | ", none.Select(Show))}.");
    }

    private async Task ReplacesAsync(string name, CancellationToken ct)
    {
        var (store, other) = await OpenAsync(ct).ConfigureAwait(false);
        await store.WriteAsync([Record("acme", Day, 40)], ct).ConfigureAwait(false);
        await other.WriteAsync([Record("acme", Day, 80) with { Factors = [] }], ct).ConfigureAwait(false);
        var read = await store.HistoryAsync(new AccountId("acme"), Day.PlusDays(-1), Day.PlusDays(1), ct).ConfigureAwait(false);
        Expect(read.Count == 1 && read[0].Score == 80 && read[0].Factors.Count == 0, name, $"a day written again must replace its record: read {string.Join(" | ", read.Select(Show))}.");
    }

    private async Task LatestAsync(string name, CancellationToken ct)
    {
        var (store, _) = await OpenAsync(ct).ConfigureAwait(false);
        await store.WriteAsync(
        [
            Record("a", Day.PlusDays(-30), 10), Record("a", Day.PlusDays(-1), 20), Record("a", Day, 30),
            Record("b", Day.PlusDays(-40), 50),
            Record("c", Day.PlusDays(1), 70),
        ], ct).ConfigureAwait(false);
        var yesterday = await store.LatestAsync(Day.PlusDays(-1), ct).ConfigureAwait(false);
        Expect(yesterday.Count == 2 && yesterday[new AccountId("a")].Score == 20 && yesterday[new AccountId("b")].Score == 50, name,
            $"latest on or before yesterday: expected a 20 and b 50 (c has only a later record); got {string.Join(", ", yesterday.Select(p => $"{p.Key} {p.Value.Score}"))}.");
        var monthAgo = await store.LatestAsync(Day.PlusDays(-30), ct).ConfigureAwait(false);
        Expect(monthAgo.Count == 2 && monthAgo[new AccountId("a")].Score == 10 && monthAgo[new AccountId("a")].Date == Day.PlusDays(-30), name, "latest on or before 30 days ago: a's record of that very day, and b's.");
        var history = await store.HistoryAsync(new AccountId("a"), Day.PlusDays(-30), Day.PlusDays(-1), ct).ConfigureAwait(false);
        Expect(string.Join(",", history.Select(r => r.Score)) == "10,20", name, $"a's history over a range, oldest first, both ends included: got {string.Join(",", history.Select(r => r.Score))}.");
    }

    private async Task LatestOfAccountsAsync(string name, CancellationToken ct)
    {
        // The accounts of one shard, as the pipeline asks: each one's latest on or before the date, every field; the
        // others' records, later records and accounts without any left out. Ids with quotes and accents, and many.
        var (store, other) = await OpenAsync(ct).ConfigureAwait(false);
        var records = Enumerable.Range(0, 300).SelectMany(i => new[] { Record($"a\"{i}é", Day.PlusDays(-1 - (i % 3)), i / 3.0), Record($"a\"{i}é", Day.PlusDays(1), 100) }).ToList();
        await store.WriteAsync(records, ct).ConfigureAwait(false);
        var asked = Enumerable.Range(0, 300).Where(i => i % 4 == 1).Select(i => new AccountId($"a\"{i}é")).Append(new AccountId("nobody")).ToArray();
        var read = await other.LatestAsync(Day, asked, ct).ConfigureAwait(false);
        var expected = records.Where(r => r.Date <= Day && asked.Contains(r.Account)).Select(Show).Order(StringComparer.Ordinal).ToArray();
        var got = read.Values.Select(Show).Order(StringComparer.Ordinal).ToArray();
        Expect(read.Count == 75 && expected.SequenceEqual(got) && read.All(p => p.Key == p.Value.Account), name,
            $"the latest records of 75 accounts asked for (and one with none): read {read.Count}, first difference {expected.Except(got).Concat(got.Except(expected)).FirstOrDefault()}.");
    }

    private async Task RefusesWholeAsync(string name, CancellationToken ct)
    {
        var (store, _) = await OpenAsync(ct).ConfigureAwait(false);
        foreach (var batch in new[]
        {
            new[] { Record("a", Day), Record("b", Day, 101) },
            [Record("a", Day), Record("a", Day, 50)],
            [Record("a", Day), Record("b", Day) with { Confidence = double.NaN }],
            [Record("a", Day), Record("b", Day) with { ScorecardId = " " }],
        })
        {
            var refused = false;
            try
            {
                await store.WriteAsync(batch, ct).ConfigureAwait(false);
            }
            catch (ArgumentException)
            {
                refused = true;
            }

            Expect(refused, name, $"a batch with an invalid or repeated record was accepted: {string.Join(" | ", batch.Select(Show))}.");
            var written = await store.LatestAsync(Day, ct).ConfigureAwait(false);
            Expect(written.Count == 0, name, "a refused batch wrote some of its records; nothing may be written.");
        }
    }

    private async Task DeletesAsync(string name, CancellationToken ct)
    {
        var (store, _) = await OpenAsync(ct).ConfigureAwait(false);
        await store.WriteAsync([Record("a", Day.PlusDays(-400)), Record("a", Day.PlusDays(-366)), Record("a", Day.PlusDays(-365)), Record("b", Day)], ct).ConfigureAwait(false);
        var deleted = await store.DeleteBeforeAsync(Day.PlusDays(-365), ct).ConfigureAwait(false);
        var left = await store.HistoryAsync(new AccountId("a"), Day.PlusDays(-1000), Day, ct).ConfigureAwait(false);
        Expect(deleted == 2 && left.Count == 1 && left[0].Date == Day.PlusDays(-365), name, $"deleting before a year ago: expected 2 deleted and that day's record kept; deleted {deleted}, kept {string.Join(",", left.Select(r => r.Date))}.");
    }
}
