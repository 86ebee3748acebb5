using NodaTime;

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

    /// <summary>
    /// Evaluates a portfolio as of today: the business date of the injected clock (<see cref="BusinessClock.Today"/>,
    /// the <c>IClock</c> given to <c>AddCustomerLifecycle</c> in the configured time zone), never the machine's date.
    /// Relative rules (<c>tenure.days</c>, <c>renewal.days</c>, ...) count from it.
    /// </summary>
    /// <param name="subjects">The accounts and their health.</param>
    /// <returns>The membership of every account; <see cref="SegmentEvaluation.Date"/> says which date it was evaluated on.</returns>
    public SegmentEvaluation Evaluate(IEnumerable<SegmentSubject> subjects) => Catalog.Evaluate(subjects, _clock.Today);

    /// <summary>Evaluates a portfolio as of a given business date (a back-fill, a what-if, a report for another day).</summary>
    /// <param name="subjects">The accounts and their health.</param>
    /// <param name="asOf">The date relative rules count from.</param>
    /// <returns>The membership of every account on that date.</returns>
    public SegmentEvaluation Evaluate(IEnumerable<SegmentSubject> subjects, LocalDate asOf) => Catalog.Evaluate(subjects, asOf);

    /// <summary>Evaluates a portfolio held in columns, on its own date (<see cref="SegmentPortfolio.Date"/>).</summary>
    /// <param name="portfolio">The portfolio.</param>
    /// <returns>The membership of every account.</returns>
    /// <exception cref="ArgumentException">A rule reads a column the portfolio does not have.</exception>
    public SegmentEvaluation Evaluate(SegmentPortfolio portfolio) => Catalog.Evaluate(portfolio);

    /// <summary>The segments an account belongs to today (the injected clock's business date, as for <see cref="Evaluate(IEnumerable{SegmentSubject})"/>).</summary>
    /// <param name="subject">The account and its health.</param>
    /// <returns>The segments.</returns>
    public IReadOnlyList<Segment> SegmentsOf(in SegmentSubject subject) => Catalog.SegmentsOf(subject, _clock.Today);

    /// <summary>The segments an account belongs to on a given business date.</summary>
    /// <param name="subject">The account and its health.</param>
    /// <param name="asOf">The date relative rules count from.</param>
    /// <returns>The segments.</returns>
    public IReadOnlyList<Segment> SegmentsOf(in SegmentSubject subject, LocalDate asOf) => Catalog.SegmentsOf(subject, asOf);
}
