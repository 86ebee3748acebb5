namespace CustomerLifecycle.Forecasting;

/// <summary>
/// Net Promoter Score from 0–10 answers: promoters answer 9–10, passives 7–8, detractors 0–6; the score is the share of
/// promoters minus the share of detractors, from −100 to 100.
/// </summary>
/// <param name="Promoters">Answers of 9 or 10.</param>
/// <param name="Passives">Answers of 7 or 8.</param>
/// <param name="Detractors">Answers of 0 to 6.</param>
public sealed record NetPromoterScore(int Promoters, int Passives, int Detractors)
{
    /// <summary>All answers.</summary>
    public int Responses => Promoters + Passives + Detractors;

    /// <summary>The score, −100 to 100.</summary>
    public double Score => 100.0 * (Promoters - Detractors) / Responses;

    /// <summary>Counts the answers.</summary>
    /// <param name="responses">One or more whole answers from 0 to 10.</param>
    /// <returns>The score.</returns>
    /// <exception cref="ArgumentException">There are no answers, or an answer is outside 0–10 (the message gives its position and value).</exception>
    public static NetPromoterScore FromResponses(IEnumerable<int> responses)
    {
        ArgumentNullException.ThrowIfNull(responses);
        int promoters = 0, passives = 0, detractors = 0, index = 0;
        foreach (var response in responses)
        {
            switch (response)
            {
                case >= 9 and <= 10: promoters++; break;
                case >= 7 and <= 8: passives++; break;
                case >= 0 and <= 6: detractors++; break;
                default: throw new ArgumentException($"responses[{index}] = {response}: an NPS answer is a whole number from 0 to 10.", nameof(responses));
            }

            index++;
        }

        return index == 0
            ? throw new ArgumentException("NPS needs at least one answer; with none there is no score.", nameof(responses))
            : new NetPromoterScore(promoters, passives, detractors);
    }
}

/// <summary>Customer satisfaction (CSAT): the share of answers at or above a threshold on a rating scale, 0 to 100.</summary>
/// <param name="Satisfied">Answers at or above the threshold.</param>
/// <param name="Responses">All answers.</param>
public sealed record CustomerSatisfaction(int Satisfied, int Responses)
{
    /// <summary>The score, 0 to 100.</summary>
    public double Score => 100.0 * Satisfied / Responses;

    /// <summary>Counts ratings on a 1-to-<paramref name="scaleMaximum"/> scale.</summary>
    /// <param name="ratings">One or more whole ratings from 1 to <paramref name="scaleMaximum"/>.</param>
    /// <param name="scaleMaximum">The top of the scale; default 5.</param>
    /// <param name="satisfiedAtOrAbove">The lowest satisfied rating; default 4 (of 5).</param>
    /// <returns>The score.</returns>
    /// <exception cref="ArgumentException">No ratings, a rating off the scale, or a threshold off the scale.</exception>
    public static CustomerSatisfaction FromRatings(IEnumerable<int> ratings, int scaleMaximum = 5, int satisfiedAtOrAbove = 4)
    {
        ArgumentNullException.ThrowIfNull(ratings);
        if (scaleMaximum < 2 || satisfiedAtOrAbove < 1 || satisfiedAtOrAbove > scaleMaximum)
        {
            throw new ArgumentException($"A CSAT scale runs from 1 to at least 2 with the threshold on it; got 1–{scaleMaximum}, satisfied at {satisfiedAtOrAbove}.", nameof(satisfiedAtOrAbove));
        }

        int satisfied = 0, index = 0;
        foreach (var rating in ratings)
        {
            if (rating < 1 || rating > scaleMaximum)
            {
                throw new ArgumentException($"ratings[{index}] = {rating}: a rating is a whole number from 1 to {scaleMaximum}.", nameof(ratings));
            }

            satisfied += rating >= satisfiedAtOrAbove ? 1 : 0;
            index++;
        }

        return index == 0
            ? throw new ArgumentException("CSAT needs at least one rating; with none there is no score.", nameof(ratings))
            : new CustomerSatisfaction(satisfied, index);
    }
}
