using System.Buffers;
using System.Collections.Concurrent;

namespace CustomerLifecycle.HealthScoring;

public sealed partial class HealthScorer
{
    /// <summary>
    /// Scores a batch of accounts into a caller-provided buffer, each with the scorecard chosen for it. Each score is
    /// the one <see cref="Score(Account, HealthScoreExplanation?)"/> gives without a previous explanation, bit for bit;
    /// the accounts' signals are gathered a block at a time into columns and scored as a <see cref="SignalMatrix"/> is.
    /// Allocates nothing once the shared array pools hold its working memory.
    /// </summary>
    /// <param name="accounts">The accounts.</param>
    /// <param name="results">Receives one score per account, in order; at least as long as <paramref name="accounts"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="results"/> is shorter than <paramref name="accounts"/>, or an account is null (nothing is written then).</exception>
    public void ScoreBatch(ReadOnlySpan<Account> accounts, Span<HealthScore> results)
    {
        CheckAccountBatch(accounts, results);
        ScoreAccounts(accounts, results);
    }

    /// <summary>
    /// Refuses an account batch before anything is written: a results buffer too short, more scorecards than a batch
    /// indexes, or a null account (named by its position).
    /// </summary>
    private void CheckAccountBatch(ReadOnlySpan<Account> accounts, ReadOnlySpan<HealthScore> results)
    {
        if (results.Length < accounts.Length)
        {
            throw new ArgumentException($"The results buffer holds {results.Length} scores but {accounts.Length} accounts were given.", nameof(results));
        }

        if (_resolver.Indexed.Length > byte.MaxValue)
        {
            throw new NotSupportedException($"A batch scores with at most {byte.MaxValue} scorecards; the resolver has {_resolver.Indexed.Length}. Score the accounts one at a time.");
        }

        for (var a = 0; a < accounts.Length; a++)
        {
            if (accounts[a] is null)
            {
                throw new ArgumentException($"The account at position {a} is null.", nameof(accounts));
            }
        }
    }

    /// <summary>Scores a checked batch of accounts (<see cref="CheckAccountBatch"/>), overrides applied.</summary>
    private void ScoreAccounts(ReadOnlySpan<Account> accounts, Span<HealthScore> results)
    {
        var resolver = _resolver;
        var scorecards = resolver.Indexed;
        if (!resolver.HasSelectors)
        {
            // Every account takes the default scorecard: nothing to choose.
            ColumnKernel.Score(scorecards[0].Compiled, resolver: null, accounts, cards: default, used: default, results, HysteresisMargin);
        }
        else
        {
            // The default scorecard's pass chooses each account's scorecard as it gathers the account's signals (a pass
            // that only chose them read a million accounts from memory a second time); the other scorecards then score
            // their accounts.
            var cards = ArrayPool<byte>.Shared.Rent(accounts.Length);
            try
            {
                Span<bool> used = stackalloc bool[scorecards.Length];
                ColumnKernel.Score(scorecards[0].Compiled, resolver, accounts, cards.AsSpan(0, accounts.Length), used, results, HysteresisMargin);
                for (var k = 1; k < scorecards.Length; k++)
                {
                    if (used[k])
                    {
                        ColumnKernel.Score(scorecards[k].Compiled, accounts, cards.AsSpan(0, accounts.Length), (byte)k, results, HysteresisMargin);
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(cards);
            }
        }

        if (_overrides is { Count: > 0 })
        {
            for (var a = 0; a < accounts.Length; a++)
            {
                results[a] = ApplyOverride(results[a], accounts[a].Id);
            }
        }

        Metrics.Count(results[..accounts.Length]);
    }

    /// <summary>Scores a batch of accounts on all cores. Allocates only a few objects per call, none per account.</summary>
    /// <param name="accounts">The accounts.</param>
    /// <param name="results">Receives one score per account, in order.</param>
    /// <param name="maxDegreeOfParallelism">The most threads to use; all cores when null.</param>
    /// <exception cref="ArgumentException"><paramref name="results"/> is shorter than <paramref name="accounts"/>, or an account is null (nothing is written then).</exception>
    /// <exception cref="AggregateException">A custom factor threw: its exception is inside, one for each chunk it failed in (the sequential batch throws it as it is).</exception>
    public void ScoreBatchParallel(Account[] accounts, HealthScore[] results, int? maxDegreeOfParallelism = null)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentNullException.ThrowIfNull(results);

        // Checked once, before any thread writes, as the sequential batch does.
        CheckAccountBatch(accounts, results);
        RunInChunks(accounts.Length, maxDegreeOfParallelism, (from, to) => ScoreAccounts(accounts.AsSpan(from, to - from), results.AsSpan(from, to - from)));
    }

    /// <summary>
    /// Scores every row of a signal matrix with one scorecard (the default when none is given) into a caller-provided
    /// buffer. Allocates nothing per row. NaN or infinite cells are treated as missing and counted in each score.
    /// </summary>
    /// <param name="matrix">The signals, one row per account.</param>
    /// <param name="results">Receives one score per row; at least <see cref="SignalMatrix.RowCount"/> long.</param>
    /// <param name="scorecard">The scorecard; the resolver's default when null.</param>
    /// <exception cref="ArgumentException"><paramref name="results"/> is too short.</exception>
    public void ScoreBatch(SignalMatrix matrix, Span<HealthScore> results, Scorecard? scorecard = null)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ScoreRows(matrix, 0, matrix.RowCount, results, (scorecard ?? _resolver.Default).Compiled);
        Metrics.Count(results[..matrix.RowCount]);
    }

    /// <summary>Scores every row of a signal matrix on all cores.</summary>
    /// <param name="matrix">The signals, one row per account.</param>
    /// <param name="results">Receives one score per row.</param>
    /// <param name="scorecard">The scorecard; the resolver's default when null.</param>
    /// <param name="maxDegreeOfParallelism">The most threads to use; all cores when null.</param>
    /// <exception cref="ArgumentException"><paramref name="results"/> is too short.</exception>
    /// <exception cref="AggregateException">A custom factor threw: its exception is inside, one for each chunk it failed in (the sequential batch throws it as it is).</exception>
    public void ScoreBatchParallel(SignalMatrix matrix, HealthScore[] results, Scorecard? scorecard = null, int? maxDegreeOfParallelism = null)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(results);
        if (results.Length < matrix.RowCount)
        {
            throw new ArgumentException($"The results buffer holds {results.Length} scores but the matrix has {matrix.RowCount} rows.", nameof(results));
        }

        var c = (scorecard ?? _resolver.Default).Compiled;
        RunInChunks(matrix.RowCount, maxDegreeOfParallelism, (from, to) => ScoreRows(matrix, from, to, results.AsSpan(from, to - from), c));
        Metrics.Count(results.AsSpan(0, matrix.RowCount));
    }

    /// <summary>
    /// Scores every row of a signal matrix with one scorecard into a score column and a color column: the fastest
    /// batch, which writes 16 bytes per row instead of a whole <see cref="HealthScore"/>. Each score and color is the
    /// one <see cref="ScoreBatch(SignalMatrix, Span{HealthScore}, Scorecard?)"/> gives for the row, critical rules
    /// included. Allocates nothing per row.
    /// </summary>
    /// <param name="matrix">The signals, one row per account. NaN or infinite cells are treated as missing.</param>
    /// <param name="scores">Receives one score per row, NaN where no factor applies; at least <see cref="SignalMatrix.RowCount"/> long.</param>
    /// <param name="colors">Receives one color per row, null where none applies; at least <see cref="SignalMatrix.RowCount"/> long.</param>
    /// <param name="scorecard">The scorecard; the resolver's default when null.</param>
    /// <exception cref="ArgumentException">A buffer is too short.</exception>
    public void ScoreBatch(SignalMatrix matrix, Span<double> scores, Span<HealthColor?> colors, Scorecard? scorecard = null)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        CheckLength(scores.Length, matrix.RowCount, nameof(scores));
        CheckLength(colors.Length, matrix.RowCount, nameof(colors));
        ColumnKernel.Score((scorecard ?? _resolver.Default).Compiled, matrix, 0, matrix.RowCount, scores, colors);
        Metrics.Count(colors[..matrix.RowCount]);
    }

    /// <summary>Scores every row of a signal matrix into a score column and a color column on all cores.</summary>
    /// <param name="matrix">The signals, one row per account.</param>
    /// <param name="scores">Receives one score per row, NaN where no factor applies.</param>
    /// <param name="colors">Receives one color per row, null where none applies.</param>
    /// <param name="scorecard">The scorecard; the resolver's default when null.</param>
    /// <param name="maxDegreeOfParallelism">The most threads to use; all cores when null.</param>
    /// <exception cref="ArgumentException">A buffer is too short.</exception>
    /// <exception cref="AggregateException">A custom factor threw: its exception is inside, one for each chunk it failed in (the sequential batch throws it as it is).</exception>
    public void ScoreBatchParallel(SignalMatrix matrix, double[] scores, HealthColor?[] colors, Scorecard? scorecard = null, int? maxDegreeOfParallelism = null)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(colors);
        CheckLength(scores.Length, matrix.RowCount, nameof(scores));
        CheckLength(colors.Length, matrix.RowCount, nameof(colors));
        var c = (scorecard ?? _resolver.Default).Compiled;
        RunInChunks(matrix.RowCount, maxDegreeOfParallelism, (from, to) => ColumnKernel.Score(c, matrix, from, to, scores.AsSpan(from, to - from), colors.AsSpan(from, to - from)));
        Metrics.Count(colors.AsSpan(0, matrix.RowCount));
    }

    private static void CheckLength(int length, int rows, string name)
    {
        if (length < rows)
        {
            throw new ArgumentException($"The buffer '{name}' holds {length} values but the matrix has {rows} rows.", name);
        }
    }

    private void ScoreRows(SignalMatrix matrix, int from, int to, Span<HealthScore> results, CompiledScorecard c)
    {
        if (results.Length < to - from)
        {
            throw new ArgumentException($"The results buffer holds {results.Length} scores but {to - from} rows were given.", nameof(results));
        }

        ColumnKernel.Score(c, matrix, from, to, results, HysteresisMargin);
    }

    private static void RunInChunks(int count, int? maxDegreeOfParallelism, Action<int, int> body)
    {
        if (maxDegreeOfParallelism is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDegreeOfParallelism), maxDegreeOfParallelism, "The degree of parallelism is 1 or more.");
        }

        if (count == 0)
        {
            return;
        }

        var workers = maxDegreeOfParallelism ?? Environment.ProcessorCount;

        // A few large chunks per worker: enough to balance, few enough that scheduling costs nothing per account.
        var chunk = Math.Max(1024, count / (workers * 4));
        var options = new ParallelOptions { MaxDegreeOfParallelism = workers };
        Parallel.ForEach(Partitioner.Create(0, count, chunk), options, range => body(range.Item1, range.Item2));
    }
}
