using System.Buffers;
using System.Text;

namespace CustomerLifecycle.Usage;

/// <summary>
/// The event ids remembered for de-duplication, exactly and compactly: each id's UTF-8 bytes, length-prefixed as a
/// <see cref="BinaryWriter"/> writes a string, packed into 64 KiB chunks that belong to the id's ring slot (day), and
/// an open-addressing table of 12-byte entries (hash, chunk, offset) over them, filled to between 3/8 and 3/4. An id
/// costs its UTF-8 length plus 17 to 33 bytes (about 45 to 60 for a 24-character id, where a dictionary of strings and
/// a list per day cost about 105), and holds no object per id for the collector to trace; the chunks are allocated
/// pinned, so that the collector never copies them. A slot's ids are forgotten at once when its day leaves the ring: its chunks are reused
/// and the table is rebuilt from the stored hashes.
/// </summary>
/// <remarks>Comparison is ordinal: ingestion refuses ids that are not well-formed UTF-16, so their UTF-8 is lossless.</remarks>
internal sealed class EventIdSet
{
    private const int ChunkSize = 1 << 16;
    private const int MaxPooled = 64;
    private const int StackBytes = 512;

    private readonly List<byte[]> _chunks = [];
    private readonly List<int> _chunkUsed = [];
    private readonly List<int> _chunkSlot = [];
    private readonly Stack<int> _freeChunks = new();
    private readonly Stack<int> _emptyIndices = new();
    private readonly List<int>?[] _slotChunks;
    private Entry[] _table = new Entry[16];
    private readonly int _hashMask;
    private long _chunkBytes;

    public EventIdSet(int slots)
        : this(slots, hashBits: 32)
    {
    }

    /// <summary>A set that keeps only <paramref name="hashBits"/> bits of each hash: tests make ids collide with it.</summary>
    internal EventIdSet(int slots, int hashBits)
    {
        _slotChunks = new List<int>?[slots];
        _hashMask = hashBits >= 32 ? -1 : (1 << hashBits) - 1;
    }

    /// <summary>How many ids are remembered.</summary>
    public int Count { get; private set; }

    /// <summary>The bytes held: the table and the chunks.</summary>
    public long Bytes => (_table.LongLength * 12) + _chunkBytes + (_chunks.Count * 40L);

    /// <summary>Remembers <paramref name="id"/> under <paramref name="slot"/>; false, and nothing changed, when it is already remembered.</summary>
    public bool TryAdd(string id, int slot)
    {
        // At most three bytes a UTF-16 unit: an id of up to StackBytes / 3 units is encoded on the stack without counting first.
        var length = id.Length <= StackBytes / 3 ? StackBytes : Encoding.UTF8.GetByteCount(id);
        byte[]? rented = null;
        var bytes = length <= StackBytes ? stackalloc byte[StackBytes] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            bytes = bytes[..Encoding.UTF8.GetBytes(id, bytes)];
            var hash = id.GetHashCode() & _hashMask;
            var mask = _table.Length - 1;
            var i = hash & mask;
            for (; _table[i].Chunk != 0; i = (i + 1) & mask)
            {
                if (_table[i].Hash == hash && Stored(_table[i]).SequenceEqual(bytes))
                {
                    return false;
                }
            }

            var (chunk, offset) = Append(bytes, slot);
            _table[i] = new Entry(hash, chunk + 1, offset);
            if (++Count * 4 > _table.Length * 3)
            {
                Rebuild(_table.Length * 2, forget: -1);
            }

            return true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Forgets every id remembered under <paramref name="slot"/>.</summary>
    public void Forget(int slot)
    {
        if (_slotChunks[slot] is not { } chunks)
        {
            return;
        }

        var capacity = _table.Length;
        Rebuild(capacity, slot);
        while (capacity > 16 && Count * 4 < capacity)
        {
            capacity /= 2;
        }

        if (capacity != _table.Length)
        {
            Rebuild(capacity, forget: -1);
        }

        foreach (var c in chunks)
        {
            _chunkSlot[c] = -1;
            _chunkUsed[c] = 0;
            if (_chunks[c].Length == ChunkSize && _freeChunks.Count < MaxPooled)
            {
                _freeChunks.Push(c);
            }
            else
            {
                _chunkBytes -= _chunks[c].Length;
                _chunks[c] = [];
                _emptyIndices.Push(c);
            }
        }

        _slotChunks[slot] = null;
    }

    /// <summary>Each slot's ids as stored: the length-prefixed UTF-8 of each, in the order they were added.</summary>
    public IEnumerable<(int Slot, ReadOnlyMemory<byte> Ids)> BySlot()
    {
        for (var slot = 0; slot < _slotChunks.Length; slot++)
        {
            foreach (var c in _slotChunks[slot] ?? [])
            {
                yield return (slot, _chunks[c].AsMemory(0, _chunkUsed[c]));
            }
        }
    }

    /// <summary>The length of the length-prefixed id at <paramref name="offset"/>, prefix included.</summary>
    public static int Measure(ReadOnlySpan<byte> chunk, int offset) => ReadPrefix(chunk, offset, out var start) + start - offset;

    private ReadOnlySpan<byte> Stored(in Entry e)
    {
        var chunk = _chunks[e.Chunk - 1];
        var length = ReadPrefix(chunk, e.Offset, out var start);
        return chunk.AsSpan(start, length);
    }

    /// <summary>The byte length written at <paramref name="offset"/> (7 bits a byte, as <see cref="BinaryWriter"/> writes it), and where the bytes start.</summary>
    private static int ReadPrefix(ReadOnlySpan<byte> chunk, int offset, out int start)
    {
        var length = 0;
        var shift = 0;
        byte b;
        do
        {
            b = chunk[offset++];
            length |= (b & 0x7F) << shift;
            shift += 7;
        }
        while ((b & 0x80) != 0);

        start = offset;
        return length;
    }

    private (int Chunk, int Offset) Append(ReadOnlySpan<byte> bytes, int slot)
    {
        var prefix = 1;
        for (var n = (uint)bytes.Length; n >= 0x80; n >>= 7)
        {
            prefix++;
        }

        var needed = prefix + bytes.Length;
        var chunks = _slotChunks[slot] ??= [];
        var c = chunks.Count > 0 ? chunks[^1] : -1;
        if (c < 0 || _chunkUsed[c] + needed > _chunks[c].Length)
        {
            c = NewChunk(needed);
            _chunkSlot[c] = slot;
            chunks.Add(c);
        }

        var chunk = _chunks[c];
        var offset = _chunkUsed[c];
        var p = offset;
        for (var n = (uint)bytes.Length; ; n >>= 7)
        {
            if (n < 0x80)
            {
                chunk[p++] = (byte)n;
                break;
            }

            chunk[p++] = (byte)(n | 0x80);
        }

        bytes.CopyTo(chunk.AsSpan(p));
        _chunkUsed[c] = offset + needed;
        return (c, offset);
    }

    private int NewChunk(int needed)
    {
        if (needed <= ChunkSize && _freeChunks.TryPop(out var free))
        {
            return free;
        }

        var size = Math.Max(ChunkSize, needed);
        _chunkBytes += size;
        if (_emptyIndices.TryPop(out var empty))
        {
            _chunks[empty] = GC.AllocateUninitializedArray<byte>(size, pinned: true);
            return empty;
        }

        _chunks.Add(GC.AllocateUninitializedArray<byte>(size, pinned: true));
        _chunkUsed.Add(0);
        _chunkSlot.Add(-1);
        return _chunks.Count - 1;
    }

    /// <summary>Re-inserts every entry into a table of <paramref name="capacity"/>, leaving out those of slot <paramref name="forget"/>.</summary>
    private void Rebuild(int capacity, int forget)
    {
        var table = new Entry[capacity];
        var mask = capacity - 1;
        var count = 0;
        foreach (var e in _table)
        {
            if (e.Chunk == 0 || _chunkSlot[e.Chunk - 1] == forget)
            {
                continue;
            }

            var i = e.Hash & mask;
            while (table[i].Chunk != 0)
            {
                i = (i + 1) & mask;
            }

            table[i] = e;
            count++;
        }

        _table = table;
        Count = count;
    }

    /// <summary>A remembered id: its hash, its chunk plus one (0 marks an empty entry) and its offset there.</summary>
    private readonly record struct Entry(int Hash, int Chunk, int Offset);
}
