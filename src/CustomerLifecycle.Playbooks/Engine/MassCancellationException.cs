using System.Globalization;
using NodaTime;

namespace CustomerLifecycle.Playbooks;

/// <summary>
/// An evaluation would have cancelled more open runs than <see cref="PlaybookEngineOptions.MaxCancellationShare"/>
/// allows; it was refused before changing anything. Usually the snapshot is incomplete (an empty or truncated export);
/// when it is complete and the cancellations are intended, evaluate again with <c>allowMassCancellation: true</c>.
/// </summary>
public sealed class MassCancellationException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="date">The date evaluated.</param>
    /// <param name="wouldCancel">How many open runs the evaluation would cancel.</param>
    /// <param name="openRuns">How many runs were open.</param>
    /// <param name="maxShare">The share allowed.</param>
    public MassCancellationException(LocalDate date, int wouldCancel, int openRuns, double maxShare)
        : base(string.Create(
            CultureInfo.InvariantCulture,
            $"The evaluation of {date:uuuu-MM-dd} would cancel {wouldCancel:N0} of {openRuns:N0} open playbook runs ({(double)wouldCancel / openRuns:P1}), more than the {maxShare:P0} allowed; nothing was changed. Check that the snapshot is complete; if it is and the cancellations are intended, evaluate again with allowMassCancellation: true."))
    {
        Date = date;
        WouldCancel = wouldCancel;
        OpenRuns = openRuns;
        MaxShare = maxShare;
    }

    /// <summary>The date evaluated.</summary>
    public LocalDate Date { get; }

    /// <summary>How many open runs the evaluation would cancel.</summary>
    public int WouldCancel { get; }

    /// <summary>How many runs were open.</summary>
    public int OpenRuns { get; }

    /// <summary>The share allowed.</summary>
    public double MaxShare { get; }
}
