namespace CustomerLifecycle;

/// <summary>
/// A portfolio's signals in columns, the columnar twin of <see cref="SignalSet"/>: one <see cref="double"/> array per
/// signal, one row per account, for batch scoring at memory speed. A cell never written is missing; a written NaN or
/// infinity is invalid (health scoring treats it as missing and counts it as an invalid signal).
/// </summary>
/// <remarks>Not thread-safe for writes; concurrent reads (such as a parallel scoring) are safe once it is filled.</remarks>
public sealed class SignalMatrix
{
    private readonly Dictionary<SignalKey, int> _columnIndex = [];
    private readonly List<double[]> _columns = [];
    private readonly List<ulong[]> _written = [];

    // Per column, how many written cells are NaN or infinite, kept as cells are written.
    private readonly List<int> _invalid = [];

    /// <summary>Creates an empty matrix of <paramref name="rowCount"/> rows and the given columns, every cell missing.</summary>
    /// <param name="rowCount">The number of accounts; zero or more.</param>
    /// <param name="columns">The signals; each once.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rowCount"/> is negative.</exception>
    /// <exception cref="ArgumentException">A column is default or repeated.</exception>
    public SignalMatrix(int rowCount, IEnumerable<SignalKey> columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        ArgumentNullException.ThrowIfNull(columns);
        RowCount = rowCount;
        foreach (var key in columns)
        {
            AddColumn(key);
        }
    }

    /// <summary>The number of rows (accounts).</summary>
    public int RowCount { get; }

    /// <summary>The signals held, in column order.</summary>
    public IReadOnlyCollection<SignalKey> Columns => _columnIndex.Keys;

    /// <summary>
    /// Builds a matrix from accounts: one row per account, one column per key, a cell written where the account has
    /// the signal. <c>licensed_seats</c> is <see cref="Account.LicensedSeats"/>, as when scoring accounts.
    /// </summary>
    /// <param name="accounts">The accounts.</param>
    /// <param name="columns">The signals to copy.</param>
    public static SignalMatrix FromAccounts(IReadOnlyList<Account> accounts, IEnumerable<SignalKey> columns)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        var matrix = new SignalMatrix(accounts.Count, columns);
        var keys = matrix._columnIndex.Keys.ToArray();
        for (var row = 0; row < accounts.Count; row++)
        {
            var account = accounts[row] ?? throw new ArgumentException($"Account at row {row} is null.", nameof(accounts));
            foreach (var key in keys)
            {
                var value = key == WellKnownSignals.LicensedSeats
                    ? account.LicensedSeats ?? double.NaN
                    : account.Signals.TryGetValue(key, out var v) ? v : double.NaN;
                if (!double.IsNaN(value))
                {
                    matrix[row, key] = value;
                }
            }
        }

        return matrix;
    }

    /// <summary>Gets or sets a cell. Getting a missing cell returns NaN; setting records the value as given (NaN and infinities count as invalid).</summary>
    /// <param name="row">The row.</param>
    /// <param name="signal">The column.</param>
    /// <exception cref="ArgumentOutOfRangeException">The row is out of range.</exception>
    /// <exception cref="KeyNotFoundException">The matrix has no such column.</exception>
    public double this[int row, SignalKey signal]
    {
        get
        {
            CheckRow(row);
            return _columns[Column(signal)][row];
        }

        set
        {
            CheckRow(row);
            var c = Column(signal);
            _invalid[c] += (double.IsFinite(value) ? 0 : 1) - (WasInvalid(c, row) ? 1 : 0);
            _columns[c][row] = value;
            _written[c][row >> 6] |= 1UL << (row & 63);
        }
    }

    /// <summary>Makes a cell missing.</summary>
    /// <param name="row">The row.</param>
    /// <param name="signal">The column.</param>
    public void SetMissing(int row, SignalKey signal)
    {
        CheckRow(row);
        var c = Column(signal);
        _invalid[c] -= WasInvalid(c, row) ? 1 : 0;
        _columns[c][row] = double.NaN;
        _written[c][row >> 6] &= ~(1UL << (row & 63));
    }

    /// <summary>Copies values into a whole column; every cell counts as written (NaN and infinities as invalid).</summary>
    /// <param name="signal">The column.</param>
    /// <param name="values">One value per row.</param>
    /// <exception cref="ArgumentException">The length is not <see cref="RowCount"/>.</exception>
    public void SetColumn(SignalKey signal, ReadOnlySpan<double> values)
    {
        if (values.Length != RowCount)
        {
            throw new ArgumentException($"Column '{signal}' needs {RowCount} values, one per row; got {values.Length}.", nameof(values));
        }

        var c = Column(signal);
        values.CopyTo(_columns[c]);
        Array.Fill(_written[c], ulong.MaxValue);
        var invalid = 0;
        foreach (var value in values)
        {
            invalid += double.IsFinite(value) ? 0 : 1;
        }

        _invalid[c] = invalid;
    }

    /// <summary>A column's values, NaN where missing.</summary>
    /// <param name="signal">The column.</param>
    public ReadOnlySpan<double> GetColumn(SignalKey signal) => _columns[Column(signal)];

    /// <summary>
    /// Gets a column without copying: its values (NaN where missing) and which cells are written, bit <c>row % 64</c>
    /// of word <c>row / 64</c> set for a written row.
    /// </summary>
    /// <param name="signal">The column.</param>
    /// <param name="values">The values, one per row.</param>
    /// <param name="written">The written bits, <c>(RowCount + 63) / 64</c> words.</param>
    /// <returns>False when the matrix has no such column.</returns>
    public bool TryGetColumn(SignalKey signal, out ReadOnlyMemory<double> values, out ReadOnlyMemory<ulong> written)
    {
        if (_columnIndex.TryGetValue(signal, out var c))
        {
            values = _columns[c];
            written = _written[c];
            return true;
        }

        values = default;
        written = default;
        return false;
    }

    /// <summary>True when the cell has been written (NaN and infinities included) and not made missing since.</summary>
    /// <param name="row">The row.</param>
    /// <param name="signal">The column.</param>
    public bool IsWritten(int row, SignalKey signal)
    {
        CheckRow(row);
        return IsWrittenAt(Column(signal), row);
    }

    /// <summary>
    /// How many cells of a column are written but NaN or infinite: the cells health scoring treats as missing and counts
    /// as invalid signals. Kept as cells are written, so asking costs nothing.
    /// </summary>
    /// <param name="signal">The column.</param>
    /// <returns>The count; 0 for a column whose written cells are all finite.</returns>
    /// <exception cref="KeyNotFoundException">The matrix has no such column.</exception>
    public int InvalidCount(SignalKey signal) => _invalid[Column(signal)];

    private bool IsWrittenAt(int c, int row) => (_written[c][row >> 6] & (1UL << (row & 63))) != 0;

    private bool WasInvalid(int c, int row) => IsWrittenAt(c, row) && !double.IsFinite(_columns[c][row]);

    private void AddColumn(SignalKey key)
    {
        if (key.IsEmpty)
        {
            throw new ArgumentException("A matrix column needs a signal key.", nameof(key));
        }

        if (!_columnIndex.TryAdd(key, _columns.Count))
        {
            throw new ArgumentException($"Signal '{key}' is given twice as a matrix column.", nameof(key));
        }

        var column = new double[RowCount];
        Array.Fill(column, double.NaN);
        _columns.Add(column);
        _written.Add(new ulong[(RowCount + 63) >> 6]);
        _invalid.Add(0);
    }

    private int Column(SignalKey signal) =>
        _columnIndex.TryGetValue(signal, out var c) ? c : throw new KeyNotFoundException($"The matrix has no column '{signal}'.");

    private void CheckRow(int row)
    {
        if ((uint)row >= (uint)RowCount)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, $"Row must be from 0 to {RowCount - 1}.");
        }
    }
}
