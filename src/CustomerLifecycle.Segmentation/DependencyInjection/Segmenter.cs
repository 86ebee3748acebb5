namespace CustomerLifecycle.Segmentation;

/// <summary>
/// The configured segments, evaluated on the business calendar's today. Registered by <c>AddSegmentation</c> as a
/// singleton; thread-safe.
/// </summary>
public sealed class Segmenter
{
    private readonly BusinessClock _clock;

    /// <summary>Creates a segmenter.</summary>
    /// <param name="catalog">The segments.</param>
    /// <param name="clock">Gives today's date.</param>
    public Segmenter(SegmentCatalog catalog, BusinessClock clock)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(clock);
        Catalog = catalog;
        _clock = clock;
    }

    /// <summary>The segments.</summary>
    public SegmentCatalog Catalog { get; }

    /// <summary>Evaluates a portfolio today.</summary>
    /// <param name="subjects">The accounts and their health.</param>
    /// <returns>The membership of every account.</returns>
    public SegmentEvaluation Evaluate(IEnumerable<SegmentSubject> subjects) => Catalog.Evaluate(subjects, _clock.Today);

    /// <summary>The segments an account belongs to today.</summary>
    /// <param name="subject">The account and its health.</param>
    /// <returns>The segments.</returns>
    public IReadOnlyList<Segment> SegmentsOf(in SegmentSubject subject) => Catalog.SegmentsOf(subject, _clock.Today);
}
