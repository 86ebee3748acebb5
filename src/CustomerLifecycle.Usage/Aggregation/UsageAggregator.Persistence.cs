using System.Text;
using NodaTime;

namespace CustomerLifecycle.Usage;

public sealed partial class UsageAggregator
{
    /// <summary>The state format version written by <see cref="SaveState"/>: 2 records the business time zone (1, read too, did not).</summary>
    public const int StateFormatVersion = 2;

    // Strict UTF-8 for reading: a state is written from well-formed text only (ingestion refuses the rest), so bytes
    // that do not decode are damage, not text to replace.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static ReadOnlySpan<byte> Magic => "CLUSAGE\n"u8;

    /// <summary>
    /// Writes the whole state (rollups, tables, remembered ids, milestones found) to a stream, in the versioned binary
    /// format of docs/usage.md, so that <see cref="LoadState"/> after a restart continues where this one stopped.
    /// </summary>
    /// <param name="stream">Where to write; left open.</param>
    /// <param name="cancellationToken">Stops the write between accounts; what was written is then incomplete and will be refused on load.</param>
    public void SaveState(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Enter(cancellationToken);
        try
        {
            using var hashing = new ChecksumStream(stream, leaveOpen: true);
            using (var w = new BinaryWriter(hashing, Encoding.UTF8, leaveOpen: true))
            {
                var s = _s;
                w.Write(Magic);
                w.Write(StateFormatVersion);
                w.Write(_model.Fingerprint);
                w.Write(_clock.Zone.Id);
                w.Write(s.Top);
                WriteStrings(w, s.EventNames);
                w.Write(s.UserNames.Count);
                for (var u = 0; u < s.UserNames.Count; u++)
                {
                    w.Write(s.SavedUser(u));
                }

                w.Write(s.Accounts.Count);
                for (var a = 0; a < s.Accounts.Count; a++)
                {
                    if ((a & 1023) == 0)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                    }

                    w.Write(s.Accounts[a].Value);
                    var st = s.Usage[a];
                    w.Write(st is not null);
                    if (st is not null)
                    {
                        WriteAccount(w, st);
                    }
                }

                // Each id as BinaryWriter writes a string (its stored form), then its day.
                w.Write(s.Ids.Count);
                var first = s.Top - _model.RingDays + 1;
                foreach (var (slot, ids) in s.Ids.BySlot())
                {
                    var day = first + ((slot - Slot(first) + _model.RingDays) % _model.RingDays);
                    var bytes = ids.Span;
                    for (var p = 0; p < bytes.Length;)
                    {
                        var length = EventIdSet.Measure(bytes, p);
                        w.Write(bytes.Slice(p, length));
                        w.Write(day);
                        p += length;
                    }
                }

                w.Flush();
            }

            var sum = hashing.Checksum;
            Span<byte> tail = stackalloc byte[8];
            BitConverter.TryWriteBytes(tail, sum);
            stream.Write(tail);
            stream.Flush();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Replaces the state with one written by <see cref="SaveState"/>. The stream is read and checked whole first; a
    /// stream that is not a usage state, was written by a newer format, under other definitions, lateness or business
    /// time zone, or is damaged is refused with an <see cref="InvalidDataException"/> saying which, and the current
    /// state is kept. Reads may return any number of bytes (network and blob streams); a stream that cannot seek is
    /// checked for the signature before anything else is read, then copied as it is read (never more than it holds).
    /// Memory is bounded by the bytes the stream holds: a count is checked against the bytes left before anything is
    /// allocated for it.
    /// </summary>
    /// <param name="stream">Where to read.</param>
    /// <param name="cancellationToken">Stops the read; the current state is kept.</param>
    /// <exception cref="InvalidDataException">The stream is not a usable state.</exception>
    public void LoadState(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Enter(cancellationToken);
        try
        {
            var loaded = ReadState(stream, cancellationToken);
            _s = loaded;
        }
        finally
        {
            _gate.Release();
        }
    }

    private State ReadState(Stream stream, CancellationToken cancellationToken)
    {
        var m = _model;
        var source = stream;
        try
        {
            // The header first, so that a foreign or newer file is named as such (before a stream that cannot seek is
            // copied); then the checksum over everything, so that damage is found before a damaged count is trusted;
            // then the contents.
            Span<byte> header = stackalloc byte[12];
            var start = stream.CanSeek ? stream.Position : 0;
            if (stream.ReadAtLeast(header[..8], 8, throwOnEndOfStream: false) < 8 || !header[..8].SequenceEqual(Magic))
            {
                throw new InvalidDataException("This is not a CustomerLifecycle usage state: it does not start with the usage state signature.");
            }

            stream.ReadExactly(header[8..]);
            var version = BitConverter.ToInt32(header[8..]);
            if (version is not (1 or StateFormatVersion))
            {
                throw new InvalidDataException(version > StateFormatVersion
                    ? $"The usage state is format {version}, written by a newer version of CustomerLifecycle.Usage; this one reads formats 1 and {StateFormatVersion}."
                    : $"The usage state format {version} is unknown; this version reads formats 1 and {StateFormatVersion}.");
            }

            if (!stream.CanSeek)
            {
                source = CopyWithHeader(stream, header, cancellationToken);
                start = 0;
            }

            VerifyChecksum(source, start, cancellationToken);
            source.Position = start + 12;
            using var r = new BinaryReader(source, StrictUtf8, leaveOpen: true);
            return ReadContents(r, m, version, cancellationToken);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The usage state is truncated: the stream ended before the state did.", e);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException("The usage state is damaged: a text is not valid UTF-8.", e);
        }
        finally
        {
            if (!ReferenceEquals(source, stream))
            {
                source.Dispose();
            }
        }
    }

    /// <summary>A stream that cannot seek, copied as it is read (the header already read), honouring the token between blocks.</summary>
    private static MemoryStream CopyWithHeader(Stream stream, ReadOnlySpan<byte> header, CancellationToken cancellationToken)
    {
        var copy = new MemoryStream();
        copy.Write(header);
        var buffer = new byte[1 << 16];
        int n;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            copy.Write(buffer, 0, n);
        }

        copy.Position = 0;
        return copy;
    }

    private static void VerifyChecksum(Stream source, long start, CancellationToken cancellationToken)
    {
        var end = source.Length - 8;
        if (end < start + 12)
        {
            throw new InvalidDataException("The usage state is truncated: the stream ended before the state did.");
        }

        source.Position = start;
        var hash = new ChecksumStream(Stream.Null, leaveOpen: true);
        var buffer = new byte[1 << 16];
        for (var left = end - start; left > 0;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var n = source.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (n == 0)
            {
                throw new EndOfStreamException();
            }

            hash.Write(buffer, 0, n);
            left -= n;
        }

        Span<byte> tail = stackalloc byte[8];
        source.ReadExactly(tail);
        if (BitConverter.ToUInt64(tail) != hash.Checksum)
        {
            throw new InvalidDataException("The usage state is damaged: its checksum does not match its contents.");
        }
    }

    private State ReadContents(BinaryReader r, UsageModel m, int version, CancellationToken cancellationToken)
    {
        var fingerprint = ReadText(r);
        if (!string.Equals(fingerprint, m.Fingerprint, StringComparison.Ordinal))
        {
            throw new InvalidDataException(
                $"The usage state was written under other usage definitions or lateness, so its rollups do not fit these. Saved: {fingerprint} Now: {m.Fingerprint}");
        }

        // Local dates are the zone's: a state counted in another zone would give other windows (format 1 did not
        // record its zone and is taken as written in this one).
        if (version >= 2 && ReadText(r) is var zone && !string.Equals(zone, _clock.Zone.Id, StringComparison.Ordinal))
        {
            throw new InvalidDataException(
                $"The usage state was written in the business time zone '{zone}', and this aggregator's is '{_clock.Zone.Id}' (CustomerLifecycle:TimeZone): its days are other local dates. Keep the zone, or start a state in the new one.");
        }

        var s = new State(m) { Top = r.ReadInt32() };
        foreach (var name in ReadStrings(r, "event name"))
        {
            if (!SignalKey.IsValidName(name))
            {
                throw new InvalidDataException($"The usage state is damaged: event name '{name}' is invalid.");
            }

            s.NameIndex(name, m);
        }

        foreach (var user in ReadStrings(r, "user"))
        {
            s.LoadedUser(user);
        }

        var accounts = ReadCount(r, "account", 2);
        for (var a = 0; a < accounts; a++)
        {
            if ((a & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var id = ReadText(r);
            if (!TryAccount(id, out var account) || s.AccountRows.ContainsKey(account))
            {
                throw new InvalidDataException($"The usage state is damaged: account '{id}' is invalid or repeated.");
            }

            s.AccountIndex(account, m);
            if (r.ReadBoolean())
            {
                s.Usage[a] = ReadAccount(r, s);
            }
        }

        var ids = ReadCount(r, "id", 5);
        for (var i = 0; i < ids; i++)
        {
            var id = ReadText(r);
            var day = r.ReadInt32();
            if (day < s.Top - m.RingDays + 1 || day > s.Top || !s.Ids.TryAdd(id, Slot(day)))
            {
                throw new InvalidDataException($"The usage state is damaged: id '{id}' is repeated or its day is outside the kept days.");
            }
        }

        return s;
    }

    private static void WriteAccount(BinaryWriter w, AccountUsage st)
    {
        WriteArray<ulong>(w, st.FilterDays);
        WriteArray<int>(w, st.Counts);
        WriteArray<double>(w, st.Sums);
        WriteArray<int>(w, st.LastBefore);
        w.Write(st.UserCount);
        WriteArray<int>(w, st.Users.AsSpan(0, st.UserCount));
        WriteArray<ulong>(w, st.UserDays.AsSpan(0, st.UserCount * st.UserStride));
        w.Write(st.NameCount);
        WriteArray<int>(w, st.Names.AsSpan(0, st.NameCount));
        WriteArray<ulong>(w, st.NameDays.AsSpan(0, st.NameCount * (st.NameDays.Length / st.Names.Length)));
        var adopted = st.Adopted ?? [];
        w.Write(adopted.Count);
        WriteArray<int>(w, adopted.ToArray());
        var pending = st.PendingAdoptions ?? [];
        w.Write(pending.Count);
        foreach (var (name, at) in pending)
        {
            w.Write(name);
            w.Write(at.ToUnixTimeTicks());
        }

        w.Write(st.MilestonesReached);
        w.Write(st.DropsActive);
    }

    private AccountUsage ReadAccount(BinaryReader r, State s)
    {
        var m = _model;
        var st = new AccountUsage(m, s.Slabs, s.EventNames.Count);
        ReadArray(r, st.FilterDays, "filter days");
        ReadArray(r, st.Counts, "counts");
        ReadArray(r, st.Sums, "sums");
        ReadArray(r, st.LastBefore, "latest days");
        foreach (var c in st.Counts)
        {
            Check(c >= 0, "a count is negative");
        }

        foreach (var v in st.Sums)
        {
            Check(v >= 0 && v <= double.MaxValue, "a sum is not a finite number, 0 or more");
        }

        var users = ReadCount(r, "user", 4 + (8 * st.UserStride));
        Check(users <= s.UserNames.Count, "an account has more users than the user table");
        Check(st.UserStride > 0 || users == 0, "users are kept although no signal counts them");
        st.Users = new int[Math.Max(4, users)];
        st.UserDays = new ulong[st.Users.Length * st.UserStride];
        ReadArray(r, st.Users.AsSpan(0, ReadLength(r, users)), "users");
        ReadArray(r, st.UserDays.AsSpan(0, ReadLength(r, users * st.UserStride)), "user days");
        CheckIndexes(st.Users.AsSpan(0, users), s.UserNames.Count, "a user is unknown or repeated");
        st.UserCount = users;
        st.RebuildUserMap();
        var names = ReadCount(r, "name", 4 + (8 * m.Words));
        Check(names <= s.EventNames.Count, "an account has more event names than the name table");
        st.Names = new int[Math.Max(4, names)];
        st.NameDays = new ulong[st.Names.Length * m.Words];
        ReadArray(r, st.Names.AsSpan(0, ReadLength(r, names)), "names");
        ReadArray(r, st.NameDays.AsSpan(0, ReadLength(r, names * m.Words)), "name days");
        CheckIndexes(st.Names.AsSpan(0, names), s.EventNames.Count, "an event name is unknown or repeated");

        st.NameCount = names;
        var adopted = new int[ReadLength(r, ReadCount(r, "adopted feature", 4))];
        ReadArray(r, adopted.AsSpan(), "adopted features");
        foreach (var name in adopted)
        {
            Check((uint)name < (uint)s.EventNames.Count, "an adopted feature is unknown");
        }

        st.Adopted = adopted.Length == 0 ? null : [.. adopted];
        var pending = ReadCount(r, "pending adoption", 12);
        if (pending > 0)
        {
            st.PendingAdoptions = new(pending);
            for (var i = 0; i < pending; i++)
            {
                var name = r.ReadInt32();
                Check((uint)name < (uint)s.EventNames.Count, "a pending adoption names an unknown feature");
                var ticks = r.ReadInt64();
                Check(ticks >= Instant.MinValue.ToUnixTimeTicks() && ticks <= Instant.MaxValue.ToUnixTimeTicks(), "a pending adoption's instant is out of range");
                st.PendingAdoptions.Add((name, Instant.FromUnixTimeTicks(ticks)));
            }
        }

        st.MilestonesReached = r.ReadUInt64();
        st.DropsActive = r.ReadUInt64();
        return st;
    }

    private static bool TryAccount(string id, out AccountId account)
    {
        try
        {
            account = new AccountId(id);
            return true;
        }
        catch (ArgumentException)
        {
            // Reported by the caller as a damaged state, naming the id.
            account = default;
            return false;
        }
    }

    /// <summary>Checks that table indexes are in range and distinct (a set, not a scan per entry: accounts may have thousands of users).</summary>
    private static void CheckIndexes(ReadOnlySpan<int> indexes, int tableSize, string what)
    {
        var seen = new HashSet<int>(indexes.Length);
        foreach (var index in indexes)
        {
            Check((uint)index < (uint)tableSize && seen.Add(index), what);
        }
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidDataException($"The usage state is damaged: {what}.");
        }
    }

    /// <summary>
    /// Reads a count of entries that take at least <paramref name="bytesEach"/> bytes each, and checks that the bytes
    /// left (before the checksum) can hold them, so that nothing is allocated for entries a crafted count only claims.
    /// </summary>
    private static int ReadCount(BinaryReader r, string what, int bytesEach = 1)
    {
        var n = r.ReadInt32();
        var left = r.BaseStream.Length - 8 - r.BaseStream.Position;
        return n >= 0 && (long)n * bytesEach <= left
            ? n
            : throw new InvalidDataException($"The usage state is damaged: {n} is not a {what} count (the {left} bytes left hold at most {left / bytesEach}).");
    }

    /// <summary>A length-prefixed UTF-8 text, its length checked against the bytes left before anything is allocated.</summary>
    private static string ReadText(BinaryReader r)
    {
        int length;
        try
        {
            length = r.Read7BitEncodedInt();
        }
        catch (FormatException e)
        {
            throw new InvalidDataException("The usage state is damaged: a text's length is not a valid number.", e);
        }

        var left = r.BaseStream.Length - 8 - r.BaseStream.Position;
        if (length < 0 || length > left)
        {
            throw new InvalidDataException($"The usage state is damaged: a text of {length} bytes where {left} are left.");
        }

        var bytes = length <= 256 ? stackalloc byte[length] : new byte[length];
        r.BaseStream.ReadExactly(bytes);
        return StrictUtf8.GetString(bytes);
    }

    /// <summary>Reads the length written before an array and checks it is the one expected.</summary>
    private static int ReadLength(BinaryReader r, int expected)
    {
        var n = r.ReadInt32();
        return n == expected ? n : throw new InvalidDataException($"The usage state is damaged: an array of {n} entries where {expected} were expected.");
    }

    private static void WriteStrings(BinaryWriter w, List<string> strings)
    {
        w.Write(strings.Count);
        foreach (var s in strings)
        {
            w.Write(s);
        }
    }

    private static List<string> ReadStrings(BinaryReader r, string what)
    {
        var n = ReadCount(r, what);
        var list = new List<string>(n);
        var seen = new HashSet<string>(n, StringComparer.Ordinal);
        for (var i = 0; i < n; i++)
        {
            var s = ReadText(r);
            if (!seen.Add(s))
            {
                throw new InvalidDataException($"The usage state is damaged: {what} '{s}' is repeated.");
            }

            list.Add(s);
        }

        return list;
    }

    private static void WriteArray<T>(BinaryWriter w, ReadOnlySpan<T> values)
        where T : unmanaged
    {
        w.Write(values.Length);
        w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
    }

    private static void ReadArray<T>(BinaryReader r, ArraySegment<T> array, string what)
        where T : unmanaged
    {
        var n = r.ReadInt32();
        if (n != array.Count)
        {
            throw new InvalidDataException($"The usage state is damaged: {n} {what} where {array.Count} were expected.");
        }

        ReadArray(r, array.AsSpan(), what);
    }

    private static void ReadArray<T>(BinaryReader r, Span<T> span, string what)
        where T : unmanaged
    {
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(span);
        try
        {
            // Exactly: a stream may return fewer bytes than asked for by one read.
            r.BaseStream.ReadExactly(bytes);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"The usage state is truncated in the {what}.", e);
        }
    }

    /// <summary>Passes bytes through and keeps an FNV-1a checksum of them, to find a damaged state file.</summary>
    private sealed class ChecksumStream(Stream inner, bool leaveOpen) : Stream
    {
        private ulong _hash = 14695981039346656037UL;

        public ulong Checksum => _hash;

        public override bool CanRead => inner.CanRead;

        public override bool CanSeek => false;

        public override bool CanWrite => inner.CanWrite;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var total = 0;
            while (total < buffer.Length)
            {
                var n = inner.Read(buffer[total..]);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }

            Hash(buffer[..total]);
            return total;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Hash(buffer);
            inner.Write(buffer);
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && !leaveOpen)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private void Hash(ReadOnlySpan<byte> bytes)
        {
            var h = _hash;
            foreach (var b in bytes)
            {
                h = (h ^ b) * 1099511628211UL;
            }

            _hash = h;
        }
    }
}
