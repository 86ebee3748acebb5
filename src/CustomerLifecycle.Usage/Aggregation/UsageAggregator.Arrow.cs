using System.Buffers;
using Apache.Arrow;
using Apache.Arrow.Types;
using NodaTime;

namespace CustomerLifecycle.Usage;

public sealed partial class UsageAggregator
{
    /// <summary>
    /// Applies events given as an Apache Arrow record batch (what DuckDB, Polars, Spark and the warehouses export), with
    /// no object per event: the text columns become tables of their distinct values and the rest is read from the
    /// batch's buffers. Each event is applied whole or refused with its reason, as with
    /// <see cref="Ingest(UsageEventColumns, CancellationToken)"/>; like those columns, a batch carries no ids and is not
    /// de-duplicated.
    /// </summary>
    /// <remarks>
    /// The columns, by the names <paramref name="columns"/> gives: account, user and name as UTF-8 strings, plain or
    /// dictionary-encoded (any integer indices); at as a timestamp of any unit (with a time zone, or without one: read
    /// as UTC); quantity, optional, as a double, float or integer (1 each without it). A batch whose columns are missing,
    /// of another type or hold nulls is refused whole, naming the column, before anything is applied.
    /// </remarks>
    /// <param name="batch">The events.</param>
    /// <param name="columns">The column names; <see cref="UsageArrowColumns.Default"/> when null.</param>
    /// <param name="cancellationToken">Stops the ingestion between chunks, as the column ingestion does.</param>
    /// <returns>What was accepted and refused; indexes are the batch's rows.</returns>
    /// <exception cref="ArgumentException">The batch's schema does not fit, or a required value is null; nothing was applied.</exception>
    public UsageIngestionReport Ingest(RecordBatch batch, UsageArrowColumns? columns = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var names = columns ?? UsageArrowColumns.Default;
        var n = batch.Length;
        var account = ArrayPool<int>.Shared.Rent(n);
        var keyed = ArrowValues.IsInteger(batch, names.User);
        var user = ArrayPool<int>.Shared.Rent(keyed ? 0 : n);
        var userKey = ArrayPool<long>.Shared.Rent(keyed ? n : 0);
        var name = ArrayPool<int>.Shared.Rent(n);
        var at = ArrayPool<Instant>.Shared.Rent(n);
        var quantity = names.Quantity is null || FieldIndex(batch, names.Quantity) < 0 ? null : ArrayPool<double>.Shared.Rent(n);
        try
        {
            var accounts = ArrowText.Read(batch, names.Account, account.AsSpan(0, n));
            var users = keyed ? [] : ArrowText.Read(batch, names.User, user.AsSpan(0, n));
            if (keyed)
            {
                ArrowValues.ReadKeys(batch, names.User, userKey.AsSpan(0, n));
            }

            var eventNames = ArrowText.Read(batch, names.Name, name.AsSpan(0, n));
            ArrowValues.ReadInstants(batch, names.At, at.AsSpan(0, n));
            if (quantity is not null)
            {
                ArrowValues.ReadQuantities(batch, names.Quantity!, quantity.AsSpan(0, n));
            }

            // Account ids the AccountId rule refuses stay in the table as default: their events are refused one by one.
            var accountTable = new AccountId[accounts.Count];
            for (var k = 0; k < accountTable.Length; k++)
            {
                accountTable[k] = IsAccountId(accounts[k]) ? new AccountId(accounts[k]) : default;
            }

            var q = quantity is null ? default : quantity.AsSpan(0, n);
            return Ingest(
                keyed
                    ? new UsageEventColumns(accountTable, eventNames, account.AsSpan(0, n), userKey.AsSpan(0, n), name.AsSpan(0, n), at.AsSpan(0, n), q)
                    : new UsageEventColumns(accountTable, users, eventNames, account.AsSpan(0, n), user.AsSpan(0, n), name.AsSpan(0, n), at.AsSpan(0, n), q),
                cancellationToken);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(account);
            ArrayPool<int>.Shared.Return(user);
            ArrayPool<long>.Shared.Return(userKey);
            ArrayPool<int>.Shared.Return(name);
            ArrayPool<Instant>.Shared.Return(at);
            if (quantity is not null)
            {
                ArrayPool<double>.Shared.Return(quantity);
            }
        }
    }

    private static bool IsAccountId(string value) =>
        value.Length is > 0 and <= AccountId.MaxLength && !char.IsWhiteSpace(value[0]) && !char.IsWhiteSpace(value[^1]) && StoredText.IndexOfProblem(value) < 0;

    /// <summary>Reads Arrow text columns into a table of distinct values and an index per row, allocating a string per distinct value only.</summary>
    private static class ArrowText
    {
        public static List<string> Read(RecordBatch batch, string column, Span<int> index)
        {
            var array = Column(batch, column);
            switch (array)
            {
                case StringArray strings:
                    return Intern(strings, column, index);
                case DictionaryArray { Dictionary: StringArray dictionary } encoded:
                    NoNulls(encoded, column);
                    var table = new List<string>(dictionary.Length);
                    for (var k = 0; k < dictionary.Length; k++)
                    {
                        table.Add(dictionary.IsNull(k) ? string.Empty : dictionary.GetString(k));
                    }

                    ReadIndices(encoded.Indices, column, index, dictionary.Length);
                    return table;
                default:
                    throw new ArgumentException($"Arrow column '{column}' is {array.Data.DataType.Name}; usage events take it as UTF-8 strings, plain or dictionary-encoded.", nameof(batch));
            }
        }

        private static List<string> Intern(StringArray strings, string column, Span<int> index)
        {
            NoNulls(strings, column);

            // An open-addressing table over the batch's own bytes: a value is made a string the first time it is met.
            var table = new List<string>();
            var capacity = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, Math.Min(strings.Length, 1 << 20) * 2));
            var slots = new int[capacity];
            var first = new List<int>();
            var mask = capacity - 1;
            for (var i = 0; i < strings.Length; i++)
            {
                var bytes = strings.GetBytes(i);
                var slot = (int)((uint)Hash(bytes) & (uint)mask);
                while (true)
                {
                    var entry = slots[slot] - 1;
                    if (entry < 0)
                    {
                        entry = table.Count;
                        table.Add(System.Text.Encoding.UTF8.GetString(bytes));
                        first.Add(i);
                        slots[slot] = entry + 1;
                        if (table.Count * 2 > capacity)
                        {
                            (slots, capacity, mask) = Grow(strings, first, capacity * 2);
                        }

                        index[i] = entry;
                        break;
                    }

                    if (strings.GetBytes(first[entry]).SequenceEqual(bytes))
                    {
                        index[i] = entry;
                        break;
                    }

                    slot = (slot + 1) & mask;
                }
            }

            return table;
        }

        private static (int[] Slots, int Capacity, int Mask) Grow(StringArray strings, List<int> first, int capacity)
        {
            var slots = new int[capacity];
            var mask = capacity - 1;
            for (var entry = 0; entry < first.Count; entry++)
            {
                var slot = (int)((uint)Hash(strings.GetBytes(first[entry])) & (uint)mask);
                while (slots[slot] != 0)
                {
                    slot = (slot + 1) & mask;
                }

                slots[slot] = entry + 1;
            }

            return (slots, capacity, mask);
        }

        private static int Hash(ReadOnlySpan<byte> bytes)
        {
            var hash = default(HashCode);
            hash.AddBytes(bytes);
            return hash.ToHashCode();
        }

        private static void ReadIndices(IArrowArray indices, string column, Span<int> index, int size)
        {
            switch (indices)
            {
                case Int32Array a: Copy(a.Values, index); break;
                case Int16Array a: Copy(a.Values, index); break;
                case Int8Array a: Copy(a.Values, index); break;
                case UInt8Array a: Copy(a.Values, index); break;
                case UInt16Array a: Copy(a.Values, index); break;
                case UInt32Array a: Copy(a.Values, index); break;
                case Int64Array a: Copy(a.Values, index); break;
                default: throw new ArgumentException($"Arrow column '{column}' is dictionary-encoded with {indices.Data.DataType.Name} indices; integer indices are read.");
            }

            foreach (var k in index)
            {
                if ((uint)k >= (uint)size)
                {
                    throw new ArgumentException($"Arrow column '{column}' has a dictionary index {k} outside its dictionary of {size} values.");
                }
            }
        }

        private static void Copy<T>(ReadOnlySpan<T> values, Span<int> index)
            where T : struct, System.Numerics.IBinaryInteger<T>
        {
            // Saturated, so that an index past int's range is caught by the range check, not wrapped into it.
            for (var i = 0; i < index.Length; i++)
            {
                index[i] = int.CreateSaturating(values[i]);
            }
        }
    }

    /// <summary>Reads the instants and quantities of an Arrow batch from its buffers.</summary>
    private static class ArrowValues
    {
        public static void ReadInstants(RecordBatch batch, string column, Span<Instant> at)
        {
            var array = Column(batch, column);
            if (array is not TimestampArray timestamps)
            {
                throw new ArgumentException($"Arrow column '{column}' is {array.Data.DataType.Name}; usage events take it as a timestamp.", nameof(batch));
            }

            NoNulls(timestamps, column);
            var unit = ((TimestampType)timestamps.Data.DataType).Unit;
            var values = timestamps.Values;
            for (var i = 0; i < at.Length; i++)
            {
                var v = values[i];
                at[i] = unit switch
                {
                    TimeUnit.Second => Instant.FromUnixTimeSeconds(Clamp(v, 1)),
                    TimeUnit.Millisecond => Instant.FromUnixTimeMilliseconds(Clamp(v, 1_000)),
                    TimeUnit.Microsecond => Instant.FromUnixTimeTicks(Clamp(v, 1_000_000) * 10),
                    _ => NodaConstants.UnixEpoch.PlusNanoseconds(v), // exact: sub-tick nanoseconds fall on the right day
                };
            }
        }

        // An instant outside NodaTime's range (years -9998 to 9999) is read as its edge, and then refused by the lateness
        // or future rule like any far-off instant: a per-event reason, not an exception.
        private static long Clamp(long value, long perSecond)
        {
            var limit = Instant.MaxValue.ToUnixTimeSeconds() * perSecond;
            var low = Instant.MinValue.ToUnixTimeSeconds() * perSecond;
            return Math.Clamp(value, low, limit);
        }

        public static void ReadQuantities(RecordBatch batch, string column, Span<double> quantity)
        {
            var array = Column(batch, column);
            NoNulls(array, column);
            switch (array)
            {
                case DoubleArray a: a.Values.CopyTo(quantity); break;
                case FloatArray a: Widen(a.Values, quantity); break;
                case Int64Array a: Widen(a.Values, quantity); break;
                case Int32Array a: Widen(a.Values, quantity); break;
                case Int16Array a: Widen(a.Values, quantity); break;
                case Int8Array a: Widen(a.Values, quantity); break;
                case UInt64Array a: Widen(a.Values, quantity); break;
                case UInt32Array a: Widen(a.Values, quantity); break;
                case UInt16Array a: Widen(a.Values, quantity); break;
                case UInt8Array a: Widen(a.Values, quantity); break;
                default: throw new ArgumentException($"Arrow column '{column}' is {array.Data.DataType.Name}; usage events take the quantity as a floating-point or integer number.", nameof(batch));
            }
        }

        /// <summary>Whether a column holds integers: users given by key.</summary>
        public static bool IsInteger(RecordBatch batch, string column) =>
            FieldIndex(batch, column) >= 0 && Column(batch, column) is Int64Array or Int32Array or Int16Array or Int8Array or UInt64Array or UInt32Array or UInt16Array or UInt8Array;

        /// <summary>Reads an integer column as keys (an unsigned 64-bit key keeps its bits).</summary>
        public static void ReadKeys(RecordBatch batch, string column, Span<long> keys)
        {
            var array = Column(batch, column);
            NoNulls(array, column);
            switch (array)
            {
                case Int64Array a: a.Values.CopyTo(keys); break;
                case UInt64Array a: System.Runtime.InteropServices.MemoryMarshal.Cast<ulong, long>(a.Values).CopyTo(keys); break;
                case Int32Array a: Keys(a.Values, keys); break;
                case Int16Array a: Keys(a.Values, keys); break;
                case Int8Array a: Keys(a.Values, keys); break;
                case UInt32Array a: Keys(a.Values, keys); break;
                case UInt16Array a: Keys(a.Values, keys); break;
                case UInt8Array a: Keys(a.Values, keys); break;
                default: throw new ArgumentException($"Arrow column '{column}' is {array.Data.DataType.Name}; user keys are integers.", nameof(batch));
            }
        }

        private static void Keys<T>(ReadOnlySpan<T> values, Span<long> keys)
            where T : struct, System.Numerics.INumberBase<T>
        {
            for (var i = 0; i < keys.Length; i++)
            {
                keys[i] = long.CreateTruncating(values[i]);
            }
        }

        private static void Widen<T>(ReadOnlySpan<T> values, Span<double> quantity)
            where T : struct, System.Numerics.INumberBase<T>
        {
            for (var i = 0; i < quantity.Length; i++)
            {
                quantity[i] = double.CreateChecked(values[i]);
            }
        }
    }

    private static IArrowArray Column(RecordBatch batch, string column)
    {
        var at = FieldIndex(batch, column);
        return at < 0
            ? throw new ArgumentException($"The Arrow batch has no column '{column}' (it has {string.Join(", ", batch.Schema.FieldsList.Select(f => $"'{f.Name}'"))}); name the columns with UsageArrowColumns.", nameof(batch))
            : batch.Column(at);
    }

    // By ordinal name (Schema.GetFieldIndex throws on a missing name in some Arrow versions).
    private static int FieldIndex(RecordBatch batch, string column)
    {
        var fields = batch.Schema.FieldsList;
        for (var i = 0; i < fields.Count; i++)
        {
            if (string.Equals(fields[i].Name, column, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private static void NoNulls(IArrowArray array, string column)
    {
        if (array.NullCount > 0)
        {
            var row = 0;
            while (!array.IsNull(row))
            {
                row++;
            }

            throw new ArgumentException($"Arrow column '{column}' has a null at row {row} ({array.NullCount} in all); usage events need every account, user, name, instant and quantity. Nothing was applied.", "batch");
        }
    }
}
