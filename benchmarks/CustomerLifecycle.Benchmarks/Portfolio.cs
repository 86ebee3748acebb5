using System.Numerics;
using System.Runtime.InteropServices;
using CustomerLifecycle.HealthScoring;

namespace CustomerLifecycle.Benchmarks;

/// <summary>A seeded synthetic portfolio: realistic signal ranges, about 10 % of each signal missing.</summary>
internal static class Portfolio
{
    public static readonly SignalKey[] Keys =
    [
        WellKnownSignals.Logins30Days, WellKnownSignals.ActiveSeats, WellKnownSignals.LicensedSeats, WellKnownSignals.FeaturesUsed,
        WellKnownSignals.FeaturesAvailable, WellKnownSignals.Nps, WellKnownSignals.Csat, WellKnownSignals.UnresolvedTickets,
        WellKnownSignals.HighSeverityTickets, WellKnownSignals.DaysLateOnPayment,
    ];

    /// <summary>Eight factors with bands and linear mappings, in two groups, with missing data and colors.</summary>
    public static Scorecard EightFactors() => Scorecard.CreateBuilder("bench8")
        .AddGroup("usage", 40, g => g
            .AddFactor(HealthFactors.UsageFrequency, 1)
            .AddFactor(HealthFactors.SeatUtilization, 1)
            .AddFactor(HealthFactors.FeatureDepth, 1))
        .AddGroup("support", 25, g => g
            .AddFactor(HealthFactors.UnresolvedTickets, 1)
            .AddFactor(HealthFactors.HighSeverityTickets, 1))
        .AddFactor(HealthFactors.Nps, 15)
        .AddFactor(HealthFactors.Csat, 10)
        .AddFactor(HealthFactors.LatePayment, 10)
        .Build();

    /// <summary>
    /// The memory floor: every value of the signal columns read once and added into four independent vector sums, so
    /// that the additions keep up with memory. (A plain <c>sum += column[i]</c> waits for each addition before the
    /// next and is bound by the adder's latency, not by memory: 8.4 ms against 2.9 ms at 1,000,000 accounts on the
    /// machine of docs/benchmarks.md; figures before 2026-12-02 used that slower floor.)
    /// </summary>
    public static double SumColumns(double[][] columns)
    {
        Vector<double> a = default, b = default, c = default, d = default;
        var tail = 0.0;
        foreach (var column in columns)
        {
            var vectors = MemoryMarshal.Cast<double, Vector<double>>(column);
            var i = 0;
            for (; i + 3 < vectors.Length; i += 4)
            {
                a += vectors[i];
                b += vectors[i + 1];
                c += vectors[i + 2];
                d += vectors[i + 3];
            }

            for (; i < vectors.Length; i++)
            {
                a += vectors[i];
            }

            for (var k = vectors.Length * Vector<double>.Count; k < column.Length; k++)
            {
                tail += column[k];
            }
        }

        return Vector.Sum(a + b + c + d) + tail;
    }

    public static double[][] Values(int count, int seed = 42)
    {
        var random = new Random(seed);
        var rows = new double[count][];
        for (var i = 0; i < count; i++)
        {
            rows[i] = new double[Keys.Length];
            Row(random, rows[i]);
        }

        return rows;
    }

    /// <summary>Fills one account's values of <see cref="Keys"/>, in order; NaN where missing (about 10 % of each).</summary>
    /// <param name="random">The seeded source.</param>
    /// <param name="row">Receives the values; <see cref="Keys"/> long.</param>
    /// <returns>The licensed seats drawn, also when the row's licensed_seats value is then made missing.</returns>
    public static int Row(Random random, Span<double> row)
    {
        var licensed = random.Next(5, 500);
        ReadOnlySpan<double> values =
        [
            random.Next(0, 40 * licensed), random.Next(0, licensed + 1), licensed, random.Next(0, 30), 30, random.Next(0, 11),
            random.Next(1, 6), random.Next(0, 6), random.Next(0, 3), random.Next(0, 90),
        ];
        values.CopyTo(row);
        for (var k = 0; k < row.Length; k++)
        {
            if (random.NextDouble() < 0.1)
            {
                row[k] = double.NaN; // missing
            }
        }

        return licensed;
    }

    /// <summary>The signal set of a row: its values that are not missing.</summary>
    public static SignalSet Signals(ReadOnlySpan<double> row)
    {
        var builder = SignalSet.CreateBuilder();
        for (var k = 0; k < Keys.Length; k++)
        {
            if (!double.IsNaN(row[k]))
            {
                builder.Add(Keys[k], row[k]);
            }
        }

        return builder.ToSignalSet();
    }

    /// <summary>The account of row <paramref name="i"/>.</summary>
    public static Account Account(int i, ReadOnlySpan<double> row) =>
        new() { Id = new AccountId("acct-" + i), Name = "Account " + i, Signals = Signals(row) };

    public static Account[] Accounts(double[][] values)
    {
        var accounts = new Account[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            accounts[i] = Account(i, values[i]);
        }

        return accounts;
    }

    public static SignalMatrix Matrix(double[][] values)
    {
        var matrix = new SignalMatrix(values.Length, Keys);
        for (var i = 0; i < values.Length; i++)
        {
            for (var k = 0; k < Keys.Length; k++)
            {
                if (!double.IsNaN(values[i][k]))
                {
                    matrix[i, Keys[k]] = values[i][k];
                }
            }
        }

        return matrix;
    }
}
