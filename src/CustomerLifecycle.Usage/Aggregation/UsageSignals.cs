using CustomerLifecycle.Events;
using NodaTime;

namespace CustomerLifecycle.Usage;

/// <summary>
/// The usage signals of a portfolio as of a date: a <see cref="SignalMatrix"/> with one row per account and one column
/// per definition (the fast path into batch health scoring), a <see cref="SignalSet"/> per account to merge with the
/// host's other signals, and the milestone events found by this evaluation.
/// </summary>
public sealed class UsageSignals
{
    private readonly Dictionary<AccountId, int> _rows;

    internal UsageSignals(LocalDate asOf, IReadOnlyList<AccountId> accounts, Dictionary<AccountId, int> rows, SignalMatrix matrix, IReadOnlyList<LifecycleEvent> milestones)
    {
        AsOf = asOf;
        Accounts = accounts;
        _rows = rows;
        Matrix = matrix;
        Milestones = milestones;
    }

    /// <summary>Each account's row, refusing a default account or one given twice (the rows an evaluation is asked for).</summary>
    internal static Dictionary<AccountId, int> RowIndex(IReadOnlyList<AccountId> accounts, string parameter)
    {
        var rows = new Dictionary<AccountId, int>(accounts.Count);
        for (var r = 0; r < accounts.Count; r++)
        {
            if (accounts[r].IsEmpty)
            {
                throw new ArgumentException($"Account at row {r} is default.", parameter);
            }

            if (!rows.TryAdd(accounts[r], r))
            {
                throw new ArgumentException($"Account '{accounts[r]}' is given twice, at rows {rows[accounts[r]]} and {r}.", parameter);
            }
        }

        return rows;
    }

    /// <summary>The signals of the rows from one column of values per signal, a NaN being a missing value.</summary>
    internal static UsageSignals Create(LocalDate asOf, IReadOnlyList<AccountId> accounts, Dictionary<AccountId, int> rows, IReadOnlyList<SignalKey> signals, double[][] columns, IReadOnlyList<LifecycleEvent> milestones)
    {
        var matrix = new SignalMatrix(accounts.Count, signals);
        for (var i = 0; i < signals.Count; i++)
        {
            var column = columns[i];
            matrix.SetColumn(signals[i], column);
            for (var r = 0; r < column.Length; r++)
            {
                if (double.IsNaN(column[r]))
                {
                    matrix.SetMissing(r, signals[i]);
                }
            }
        }

        return new UsageSignals(asOf, accounts, rows, matrix, milestones);
    }

    /// <summary>The evaluation date: windows end on it, inclusive.</summary>
    public LocalDate AsOf { get; }

    /// <summary>The accounts, in row order.</summary>
    public IReadOnlyList<AccountId> Accounts { get; }

    /// <summary>The signals, one row per account in <see cref="Accounts"/> order, one column per definition; a missing value is a missing cell.</summary>
    public SignalMatrix Matrix { get; }

    /// <summary>
    /// The milestone events this evaluation found (<see cref="LifecycleEventType.FeatureAdopted"/>,
    /// <see cref="LifecycleEventType.UsageMilestone"/>, <see cref="LifecycleEventType.UsageDropped"/>), each found
    /// once: a later evaluation, after a restore included, does not find it again.
    /// </summary>
    public IReadOnlyList<LifecycleEvent> Milestones { get; }

    /// <summary>The row of an account, or -1.</summary>
    /// <param name="account">The account.</param>
    public int RowOf(AccountId account) => _rows.TryGetValue(account, out var row) ? row : -1;

    /// <summary>An account's usage signals (missing values left out), to merge with its other signals.</summary>
    /// <param name="account">The account.</param>
    /// <exception cref="KeyNotFoundException">The account is not a row.</exception>
    public SignalSet SignalsOf(AccountId account)
    {
        if (!_rows.TryGetValue(account, out var row))
        {
            throw new KeyNotFoundException($"Account '{account}' is not in these usage signals.");
        }

        var signals = new List<Signal>(Matrix.Columns.Count);
        foreach (var key in Matrix.Columns)
        {
            if (Matrix.IsWritten(row, key))
            {
                signals.Add(new Signal(key, Matrix[row, key]));
            }
        }

        return SignalSet.Create(signals);
    }
}
