using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace CustomerLifecycle;

/// <summary>
/// The signals of an account: named numeric facts. A key that is absent is <em>missing</em>, which is not the
/// same as zero: a health factor whose signal is missing says "not applicable" instead of scoring zero.
/// </summary>
/// <remarks>
/// Values are always finite: a NaN or infinite value is refused when the set is built, naming the key.
/// Keys are kept sorted, so a lookup is a binary search over a flat array and allocates nothing.
/// This type is immutable and thread-safe.
/// </remarks>
[System.Text.Json.Serialization.JsonConverter(typeof(Serialization.SignalSetJsonConverter))]
public sealed class SignalSet : IReadOnlyCollection<Signal>, IEquatable<SignalSet>
{
    private readonly SignalKey[] _keys;
    private readonly double[] _values;

    // The keys' hash codes, in key order: a lookup is a vectorised scan of these ints, then one name check.
    private readonly int[] _hashes;

    // The number of the shared layout, −1 when the keys are not shared.
    private readonly int _layout;

    private SignalSet(SignalKey[] keys, double[] values)
    {
        (_keys, _hashes, _layout) = KeyLayouts.Share(keys);
        _values = values;
    }

    /// <summary>The set with no signals.</summary>
    public static SignalSet Empty { get; } = new([], []);

    /// <summary>How many signals are present.</summary>
    public int Count => _keys.Length;

    /// <summary>How many key layouts a process numbers (see <see cref="LayoutId"/>).</summary>
    public const int SharedLayoutCapacity = 4096;

    /// <summary>
    /// A number that every set with the same keys has in this process, from 0 to <see cref="SharedLayoutCapacity"/> − 1;
    /// −1 for the empty set and for a set whose keys were first seen after the process had numbered that many layouts.
    /// Code that reads many sets, such as a batch scorer, can work out once per layout where each key goes instead of once
    /// per set. Numbers are given in the order layouts are first seen, so they differ between processes: never store them.
    /// </summary>
    public int LayoutId => _layout;

    /// <summary>The keys present, in ordinal order.</summary>
    public ReadOnlySpan<SignalKey> Keys => _keys;

    /// <summary>The values, in the order of <see cref="Keys"/>: <c>Values[i]</c> is the value of <c>Keys[i]</c>. Reading both spans is the fastest way to visit every signal.</summary>
    public ReadOnlySpan<double> Values => _values;

    /// <summary>The value of <paramref name="key"/>, or null when it is missing.</summary>
    /// <param name="key">The signal's key.</param>
    public double? this[SignalKey key] => TryGetValue(key, out var value) ? value : null;

    /// <summary>Creates a set from key/value pairs.</summary>
    /// <param name="signals">The signals; each key at most once.</param>
    /// <exception cref="ArgumentNullException"><paramref name="signals"/> is null.</exception>
    /// <exception cref="ArgumentException">A key is default or appears twice.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value is NaN or infinite.</exception>
    public static SignalSet FromPairs(IEnumerable<KeyValuePair<SignalKey, double>> signals)
    {
        ArgumentNullException.ThrowIfNull(signals);
        var builder = new Builder();
        foreach (var (key, value) in signals)
        {
            builder.Add(key, value);
        }

        return builder.ToSignalSet();
    }

    /// <summary>Creates a set from signals, for example <c>SignalSet.Create([new(WellKnownSignals.Nps, 9)])</c>.</summary>
    /// <param name="signals">The signals; each key at most once.</param>
    /// <exception cref="ArgumentException">A key is default or appears twice.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value is NaN or infinite.</exception>
    public static SignalSet Create(params ReadOnlySpan<Signal> signals)
    {
        var builder = new Builder();
        foreach (var signal in signals)
        {
            builder.Add(signal.Key, signal.Value);
        }

        return builder.ToSignalSet();
    }

    /// <summary>Creates a set from a sequence of signals (a query, a mapped CRM record).</summary>
    /// <param name="signals">The signals; each key at most once.</param>
    /// <returns>The set.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="signals"/> is null.</exception>
    /// <exception cref="ArgumentException">A key is default or appears twice.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A value is NaN or infinite.</exception>
    public static SignalSet Create(IEnumerable<Signal> signals)
    {
        ArgumentNullException.ThrowIfNull(signals);
        var builder = new Builder();
        foreach (var signal in signals)
        {
            builder.Add(signal.Key, signal.Value);
        }

        return builder.ToSignalSet();
    }

        /// <summary>Starts an empty builder.</summary>
    public static Builder CreateBuilder() => new();

    /// <summary>Gets the value of a signal without allocating.</summary>
    /// <param name="key">The signal's key.</param>
    /// <param name="value">The value, or 0 when missing.</param>
    /// <returns>True when the signal is present; false when it is missing.</returns>
    public bool TryGetValue(SignalKey key, out double value)
    {
        var index = Find(key);
        if (index >= 0)
        {
            value = _values[index];
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>True when <paramref name="key"/> is present.</summary>
    /// <param name="key">The signal's key.</param>
    public bool Contains(SignalKey key) => Find(key) >= 0;

    /// <summary>Returns a set with <paramref name="key"/> set to <paramref name="value"/>, added or replaced.</summary>
    /// <param name="key">The signal's key.</param>
    /// <param name="value">A finite value.</param>
    /// <exception cref="ArgumentException"><paramref name="key"/> is default.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is NaN or infinite.</exception>
    public SignalSet With(SignalKey key, double value)
    {
        Builder.Validate(key, value);
        var index = IndexOf(key);
        if (index >= 0)
        {
            var values = (double[])_values.Clone();
            values[index] = value;
            return new SignalSet(_keys, values);
        }

        var insertAt = ~index;
        var newKeys = new SignalKey[_keys.Length + 1];
        var newValues = new double[_keys.Length + 1];
        Array.Copy(_keys, newKeys, insertAt);
        Array.Copy(_values, newValues, insertAt);
        newKeys[insertAt] = key;
        newValues[insertAt] = value;
        Array.Copy(_keys, insertAt, newKeys, insertAt + 1, _keys.Length - insertAt);
        Array.Copy(_values, insertAt, newValues, insertAt + 1, _values.Length - insertAt);
        return new SignalSet(newKeys, newValues);
    }

    /// <summary>Returns a set in which <paramref name="key"/> is missing.</summary>
    /// <param name="key">The signal's key.</param>
    public SignalSet Without(SignalKey key)
    {
        var index = IndexOf(key);
        if (index < 0)
        {
            return this;
        }

        if (_keys.Length == 1)
        {
            return Empty;
        }

        var newKeys = new SignalKey[_keys.Length - 1];
        var newValues = new double[_keys.Length - 1];
        Array.Copy(_keys, newKeys, index);
        Array.Copy(_values, newValues, index);
        Array.Copy(_keys, index + 1, newKeys, index, _keys.Length - index - 1);
        Array.Copy(_values, index + 1, newValues, index, _values.Length - index - 1);
        return new SignalSet(newKeys, newValues);
    }

    /// <summary>Returns a struct enumerator over the signals in key order.</summary>
    public Enumerator GetEnumerator() => new(this);

    IEnumerator<Signal> IEnumerable<Signal>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public bool Equals([NotNullWhen(true)] SignalSet? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        // Sets with the same keys usually share one key array (KeyLayouts), which is then not compared key by key.
        return other is not null
            && (ReferenceEquals(_keys, other._keys) || _keys.AsSpan().SequenceEqual(other._keys))
            && _values.AsSpan().SequenceEqual(other._values);
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as SignalSet);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        for (var i = 0; i < _keys.Length; i++)
        {
            hash.Add(_keys[i]);
            hash.Add(_values[i]);
        }

        return hash.ToHashCode();
    }

    /// <summary>Formats as <c>{key=value, ...}</c> with the invariant culture.</summary>
    public override string ToString()
    {
        var parts = new string[_keys.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = string.Create(CultureInfo.InvariantCulture, $"{_keys[i].Name}={_values[i]}");
        }

        return "{" + string.Join(", ", parts) + "}";
    }

    /// <summary>The index of a key, or -1; allocation-free and without string ordering.</summary>
    private int Find(SignalKey key)
    {
        var hash = key.GetHashCode();
        var hashes = _hashes.AsSpan();
        var offset = 0;
        while (true)
        {
            var found = hashes[offset..].IndexOf(hash);
            if (found < 0)
            {
                return -1;
            }

            var index = offset + found;
            if (_keys[index].Equals(key))
            {
                return index;
            }

            offset = index + 1;
        }
    }

    /// <summary>The index of a key, or the bitwise complement of where it would be inserted (binary search by name).</summary>
    private int IndexOf(SignalKey key)
    {
        var keys = _keys;
        var lo = 0;
        var hi = keys.Length - 1;
        var name = key.Name;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            var c = string.CompareOrdinal(keys[mid].Name, name);
            if (c == 0)
            {
                return mid;
            }

            if (c < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return ~lo;
    }

    /// <summary>Enumerates the signals of a <see cref="SignalSet"/> in key order without allocating.</summary>
    public struct Enumerator : IEnumerator<Signal>
    {
        private readonly SignalSet _set;
        private int _index;

        internal Enumerator(SignalSet set)
        {
            _set = set;
            _index = -1;
        }

        /// <inheritdoc />
        public readonly Signal Current => new(_set._keys[_index], _set._values[_index]);

        readonly object IEnumerator.Current => Current;

        /// <inheritdoc />
        public bool MoveNext() => ++_index < _set._keys.Length;

        /// <inheritdoc />
        public void Reset() => _index = -1;

        /// <inheritdoc />
        public readonly void Dispose()
        {
        }
    }

    /// <summary>
    /// Sets with the same keys share one key array and one hash array instead of a pair each (about 250 bytes an
    /// account with ten signals), and a batch that reads many accounts finds those arrays in cache instead of fetching
    /// a pair per account. Both arrays are never written after a set is made, so sharing them across threads is safe.
    /// The table holds the first <see cref="SharedLayoutCapacity"/> layouts seen in the process, numbered in that order
    /// (<see cref="LayoutId"/>); sets with a layout beyond those keep arrays of their own and no number, so the table
    /// stays small whatever keys a feed carries.
    /// </summary>
    private static class KeyLayouts
    {
        private static readonly ConcurrentDictionary<Layout, (SignalKey[] Keys, int[] Hashes, int Id)> Shared = new();
        private static readonly object Gate = new();
        private static int _count;

        public static (SignalKey[] Keys, int[] Hashes, int Id) Share(SignalKey[] keys)
        {
            if (keys.Length == 0)
            {
                return (keys, [], -1);
            }

            var layout = new Layout(keys);
            if (Shared.TryGetValue(layout, out var known))
            {
                return known;
            }

            var hashes = new int[keys.Length];
            for (var i = 0; i < keys.Length; i++)
            {
                hashes[i] = keys[i].GetHashCode();
            }

            if (Volatile.Read(ref _count) < SharedLayoutCapacity)
            {
                // Numbers are handed out under the lock, so each layout gets one and no two get the same.
                lock (Gate)
                {
                    if (Shared.TryGetValue(layout, out known))
                    {
                        return known;
                    }

                    if (_count < SharedLayoutCapacity)
                    {
                        var entry = (keys, hashes, _count);
                        Shared[layout] = entry;
                        Volatile.Write(ref _count, _count + 1);
                        return entry;
                    }
                }
            }

            return (keys, hashes, -1);
        }

        /// <summary>A sequence of keys as a dictionary key: equal when the keys are, in order.</summary>
        private readonly struct Layout(SignalKey[] keys) : IEquatable<Layout>
        {
            private readonly SignalKey[] _keys = keys;

            public bool Equals(Layout other) => ReferenceEquals(_keys, other._keys) || _keys.AsSpan().SequenceEqual(other._keys);

            public override bool Equals(object? obj) => obj is Layout other && Equals(other);

            public override int GetHashCode()
            {
                var hash = new HashCode();
                foreach (var key in _keys)
                {
                    hash.Add(key.GetHashCode());
                }

                return hash.ToHashCode();
            }
        }
    }

    /// <summary>Collects signals and builds an immutable <see cref="SignalSet"/>.</summary>
    /// <remarks>A builder is not thread-safe.</remarks>
    public sealed class Builder
    {
        private readonly SortedDictionary<SignalKey, double> _signals = [];

        /// <summary>How many signals have been added.</summary>
        public int Count => _signals.Count;

        /// <summary>Adds a signal.</summary>
        /// <param name="key">The signal's key; not yet added.</param>
        /// <param name="value">A finite value.</param>
        /// <returns>This builder.</returns>
        /// <exception cref="ArgumentException"><paramref name="key"/> is default or was added already.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is NaN or infinite.</exception>
        public Builder Add(SignalKey key, double value)
        {
            Validate(key, value);
            if (!_signals.TryAdd(key, value))
            {
                throw new ArgumentException($"Signal '{key.Name}' was given twice; each signal appears once per account.", nameof(key));
            }

            return this;
        }

        /// <summary>Adds a signal when <paramref name="value"/> has a value; a null value leaves the signal missing.</summary>
        /// <param name="key">The signal's key; not yet added.</param>
        /// <param name="value">A finite value, or null for missing.</param>
        /// <returns>This builder.</returns>
        /// <exception cref="ArgumentException"><paramref name="key"/> is default or was added already.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is NaN or infinite.</exception>
        public Builder Add(SignalKey key, double? value) => value is { } v ? Add(key, v) : this;

        /// <summary>Builds the immutable set.</summary>
        public SignalSet ToSignalSet()
        {
            if (_signals.Count == 0)
            {
                return Empty;
            }

            var keys = new SignalKey[_signals.Count];
            var values = new double[_signals.Count];
            var i = 0;
            foreach (var (key, value) in _signals)
            {
                keys[i] = key;
                values[i] = value;
                i++;
            }

            return new SignalSet(keys, values);
        }

        internal static void Validate(SignalKey key, double value)
        {
            if (key.IsEmpty)
            {
                throw new ArgumentException("A signal needs a key; default(SignalKey) names none.", nameof(key));
            }

            if (!double.IsFinite(value))
            {
                throw new ArgumentOutOfRangeException(
                    nameof(value),
                    value,
                    $"Signal '{key.Name}' has value {value.ToString(CultureInfo.InvariantCulture)}; a signal value must be finite. Leave the signal out to say it is missing.");
            }
        }
    }
}
