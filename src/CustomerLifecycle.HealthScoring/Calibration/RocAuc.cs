namespace CustomerLifecycle.HealthScoring;

/// <summary>The area under the ROC curve: the probability that a random positive case scores above a random negative one.</summary>
/// <remarks>Computed exactly as the Mann–Whitney U statistic with mid-ranks for ties (a tie counts one half). Thread-safe.</remarks>
public static class RocAuc
{
    /// <summary>Computes the AUC.</summary>
    /// <param name="scores">The scores; finite.</param>
    /// <param name="positive">Whether each case is positive (for health: the account renewed).</param>
    /// <returns>The AUC from 0 to 1.</returns>
    /// <exception cref="ArgumentException">The lengths differ, a score is not finite, or there is no positive or no negative case.</exception>
    public static double Compute(ReadOnlySpan<double> scores, ReadOnlySpan<bool> positive)
    {
        if (scores.Length != positive.Length)
        {
            throw new ArgumentException($"There are {scores.Length} scores but {positive.Length} outcomes.", nameof(positive));
        }

        var order = new int[scores.Length];
        long positives = 0;
        for (var i = 0; i < order.Length; i++)
        {
            if (!double.IsFinite(scores[i]))
            {
                throw new ArgumentException($"Score {i} is {scores[i]}; scores must be finite.", nameof(scores));
            }

            order[i] = i;
            positives += positive[i] ? 1 : 0;
        }

        var negatives = scores.Length - positives;
        if (positives == 0 || negatives == 0)
        {
            throw new ArgumentException($"The AUC needs both outcomes; got {positives} positive and {negatives} negative cases.", nameof(positive));
        }

        var values = scores.ToArray();
        Array.Sort(values, order);

        // Sum of the positives' mid-ranks.
        double rankSum = 0;
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end + 1 < order.Length && values[end + 1] == values[start])
            {
                end++;
            }

            var midRank = ((start + end) / 2.0) + 1;
            for (var k = start; k <= end; k++)
            {
                if (positive[order[k]])
                {
                    rankSum += midRank;
                }
            }

            start = end + 1;
        }

        var u = rankSum - (positives * (positives + 1) / 2.0);
        return u / ((double)positives * negatives);
    }
}
