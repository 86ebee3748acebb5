using System.Runtime.CompilerServices;
using CustomerLifecycle.Testing;
using FsCheck;
using FsCheck.Fluent;
using NodaTime;

namespace CustomerLifecycle.Usage.Tests;

/// <summary>
/// Issue 30's cases on ingestion and saved states: every event applied whole or refused with a reason (never a throw
/// per event), what ended an ingestion early reported with what was applied, and a state that always loads what it
/// saved while every malformed one is an <see cref="InvalidDataException"/> within memory bounded by its bytes.
/// </summary>
public sealed class HostileUsageTests
{
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];
    private static readonly AccountId Acme = new("acme");
    private static readonly SignalKey Logins = new("logins_30d");
    private static readonly SignalKey Users = new("active_users_30d");
    private static readonly SignalKey Amount = new("amount_30d");

    private readonly FakeClock _clock = new(Instant.FromUtc(2026, 12, 2, 17, 0)); // noon in New York

    private UsageAggregator Create(DateTimeZone? zone = null) => new(new UsageOptions
    {
        Signals =
        {
            ["logins_30d"] = new() { Kind = UsageSignalKind.Count, Window = 30, Events = "user.login" },
            ["active_users_30d"] = new() { Kind = UsageSignalKind.ActiveUsers, Window = 30 },
            ["amount_30d"] = new() { Kind = UsageSignalKind.Sum, Window = 30, Events = "invoice.paid" },
        },
    }, new BusinessClock(_clock, zone ?? NewYork));

    private Instant Today(int hour = 10) => _clock.GetCurrentInstant().InZone(NewYork).Date.At(new LocalTime(hour, 0)).InZoneLeniently(NewYork).ToInstant();

    private static UsageEvent Login(string id, string user, Instant at, AccountId? account = null) => new(id, account ?? Acme, user, "user.login", at);

    private static byte[] Save(UsageAggregator usage)
    {
        using var stream = new MemoryStream();
        usage.SaveState(stream);
        return stream.ToArray();
    }

    // Built here, not in attributes: a lone surrogate in an attribute's string does not survive test discovery (the
    // very change of identity this refuses).
    private static readonly (string Id, string User, string Reason)[] IllFormed =
    [
        ("id-\uD800", "ann", "Id has a lone surrogate U+D800 at position 3"),
        ("id-1", "ann\uD83D", "User has a lone surrogate U+D83D at position 3"),
        ("id-\uDFFFx", "ann", "Id has a lone surrogate U+DFFF at position 3"),
        ("id-\0", "ann", "Id has a NUL character at position 3"),
        ("id-1", "a\0nn", "User has a NUL character at position 1"),
    ];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void TextAStateCannotKeepExactly_IsRefusedWithItsPosition(int @case)
    {
        var (id, user, reason) = IllFormed[@case];
        var usage = Create();
        var report = usage.Ingest([Login(id, user, Today()), Login("ok", "bob", Today())]);
        Assert.Equal(1, report.Accepted);
        Assert.StartsWith(reason, Assert.Single(report.Refused).Reason, StringComparison.Ordinal);

        // The columns refuse such a user too.
        var columns = usage.Ingest(new UsageEventColumns([Acme], ["ann\uD83D", "bob"], ["user.login"], [0, 0], [0, 1], [0, 0], [Today(), Today()]));
        Assert.Equal(1, columns.Accepted);
        Assert.StartsWith("User at index 0 has a lone surrogate U+D83D at position 3", Assert.Single(columns.Refused).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AnAccountIdAStoreCannotKeepExactly_IsRefusedWhereItIsMade()
    {
        var e = Assert.Throws<ArgumentException>(() => new AccountId("acme-\uDFFF"));
        Assert.Contains("lone surrogate U+DFFF at position 5", e.Message, StringComparison.Ordinal);
        Assert.Contains("NUL character at position 1", Assert.Throws<ArgumentException>(() => new AccountId("a\0")).Message, StringComparison.Ordinal);
        Assert.Equal("a\uD83D\uDE00", new AccountId("a\uD83D\uDE00").Value); // a pair is well-formed
    }

    [Fact]
    public void AnyText_IsRefusedAtIngestion_OrKeptExactlyThroughASaveAndALoad()
    {
        // Ids and users made of characters that include NUL, both halves of surrogate pairs alone and together, and
        // ordinary letters: each is refused with a reason, or survives a save and a load exactly (the same user is
        // the same user, the same id is a duplicate).
        var ch = Gen.Elements('a', 'b', '\0', '\uD83D', '\uDE00', '\uDFFF', '\uD800', 'é', ' ');
        var text = from cs in Gen.ArrayOf(ch, Gen.Choose(1, 6).Sample(1)[0]) select "x" + new string(cs);
        var gen = Gen.ArrayOf(from id in text from user in text select (id, user), 6);
        Assert.Null(Record.Exception(() => Prop.ForAll(gen.ToArbitrary(), pairs =>
        {
            var usage = Create();
            var report = usage.Ingest(pairs.Select(p => Login(p.id, p.user, Today())));
            var refused = report.Refused.Select(r => (int)r.Index).ToHashSet();
            var kept = pairs.Where((_, i) => !refused.Contains(i)).ToArray();
            var wellFormed = pairs.Select((p, i) => (p, i)).All(x => refused.Contains(x.i) == (StoredText.IndexOfProblem(x.p.id) >= 0 || StoredText.IndexOfProblem(x.p.user) >= 0));
            var reloaded = Create();
            reloaded.LoadState(new MemoryStream(Save(usage)));
            var again = reloaded.Ingest(kept.Select(p => Login(p.id, p.user, Today())));
            var distinctIds = kept.Select(p => p.id).Distinct(StringComparer.Ordinal).Count();
            var distinctUsers = kept.DistinctBy(p => p.id, StringComparer.Ordinal).Select(p => p.user).Distinct(StringComparer.Ordinal).Count();
            var before = usage.Evaluate([Acme]).SignalsOf(Acme);
            var after = reloaded.Evaluate([Acme]).SignalsOf(Acme);
            return wellFormed && again.Accepted == 0 && again.Duplicates == kept.Length
                && before[Users] == distinctUsers && after[Users] == distinctUsers && after[Logins] == distinctIds;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300))));
    }

    [Fact]
    public void AQuantityThatCouldOverflowASum_IsRefused_AndEveryStateSavedLoads()
    {
        var usage = Create();
        var report = usage.Ingest(
        [
            new UsageEvent("1", Acme, "ann", "invoice.paid", Today(), 1e308),
            new UsageEvent("2", Acme, "ann", "invoice.paid", Today(), 1e308),
            new UsageEvent("3", Acme, "ann", "invoice.paid", Today(), UsageAggregator.MaxQuantity),
            new UsageEvent("4", Acme, "ann", "invoice.paid", Today(9), UsageAggregator.MaxQuantity),
        ]);
        Assert.Equal(2, report.Accepted);
        Assert.All(report.Refused, r => Assert.Contains("from 0 to 1E+290 (UsageAggregator.MaxQuantity", r.Reason, StringComparison.Ordinal));
        Assert.Equal(2e290, usage.Evaluate([Acme]).SignalsOf(Acme)[Amount]);
        var reloaded = Create();
        reloaded.LoadState(new MemoryStream(Save(usage)));
        Assert.Equal(2e290, reloaded.Evaluate([Acme]).SignalsOf(Acme)[Amount]);
    }

    [Fact]
    public void AnInstantBeforeYearOneInTheZone_IsRefusedWithAReason_AndTheBatchGoesOn()
    {
        foreach (var usage in new[] { Create(), Create() })
        {
            var report = usage.Ingest([Login("1", "ann", Instant.MinValue), Login("2", "ann", Instant.FromDateTimeOffset(DateTimeOffset.MinValue)), Login("3", "bob", Today())]);
            Assert.Equal((1L, 3L), (report.Accepted, report.Processed));
            Assert.All(report.Refused, r => Assert.Contains("before the oldest kept day", r.Reason, StringComparison.Ordinal));
            Assert.Contains("a day before 0001-01-01", report.Refused[0].Reason, StringComparison.Ordinal);
        }

        var columns = Create().Ingest(new UsageEventColumns([Acme], ["ann"], ["user.login"], [0, 0], [0, 0], [0, 0], [Instant.MinValue, Today()]));
        Assert.Equal((1L, 2L), (columns.Accepted, columns.Processed));
    }

    [Fact]
    public void ACancelledIngestion_SaysWhatItApplied_SoSendingTheRestIsExact()
    {
        var usage = Create();
        using var stop = new CancellationTokenSource();
        IEnumerable<UsageEvent> Events()
        {
            for (var i = 0; i < 10_000; i++)
            {
                if (i == 5_000)
                {
                    stop.Cancel();
                }

                yield return Login($"e{i}", $"u{i % 7}", Today());
            }
        }

        var e = Assert.Throws<UsageIngestionCanceledException>(() => usage.Ingest(Events(), stop.Token));
        Assert.Equal(e.Applied.Processed, e.Applied.Accepted);
        Assert.InRange(e.Applied.Processed, 5_000, 10_000);
        Assert.Equal(e.Applied.Accepted, usage.Evaluate([Acme]).SignalsOf(Acme)[Logins]);
        Assert.Equal(stop.Token, e.CancellationToken);
    }

    [Fact]
    public async Task ASourceThatThrows_EndsTheIngestionWithWhatWasApplied()
    {
        var usage = Create();
        async IAsyncEnumerable<UsageEvent> Events([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            for (var i = 0; i < 3; i++)
            {
                await Task.Yield();
                yield return Login($"e{i}", "ann", Today());
            }

            throw new IOException("the event feed dropped");
        }

        var e = await Assert.ThrowsAsync<UsageIngestionInterruptedException>(() => usage.IngestAsync(Events()));
        Assert.Equal((3L, 3L), (e.Applied.Accepted, e.Applied.Processed));
        Assert.IsType<IOException>(e.InnerException);
        Assert.Contains("stopped after 3 events", e.Message, StringComparison.Ordinal);
        Assert.Throws<UsageIngestionInterruptedException>(() => usage.Ingest(ThrowingAfterOne()));

        static IEnumerable<UsageEvent> ThrowingAfterOne()
        {
            yield return new UsageEvent("x", Acme, "ann", "user.login", Instant.FromUtc(2026, 12, 2, 15, 0));
            throw new IOException("gone");
        }
    }

    [Fact]
    public async Task ASourceThatReadsTheAggregatorItFeeds_IsRefused_NotAHang()
    {
        var usage = Create();
        IEnumerable<UsageEvent> Reading()
        {
            yield return Login("1", "ann", Today());
            _ = usage.StateBytes;
            yield return Login("2", "ann", Today());
        }

        async IAsyncEnumerable<UsageEvent> ReadingAsync()
        {
            await Task.Yield();
            yield return Login("3", "ann", Today());
            usage.Evaluate();
        }

        var sync = Task.Run(() => Assert.Throws<InvalidOperationException>(() => usage.Ingest(Reading())));
        Assert.Contains("its own ingestion", (await sync.WaitAsync(TimeSpan.FromSeconds(20))).Message, StringComparison.Ordinal);
        var async = await Assert.ThrowsAsync<InvalidOperationException>(() => usage.IngestAsync(ReadingAsync()).WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("its own ingestion", async.Message, StringComparison.Ordinal);

        // The gate was released: the aggregator works, with the events before the refusal applied.
        Assert.Equal(2, usage.Evaluate([Acme]).SignalsOf(Acme)[Logins]);
        Assert.True(usage.StateBytes > 0);
    }

    [Fact]
    public void AStateSavedInAnotherBusinessZone_IsRefusedNamingTheSetting()
    {
        var berlin = Create(DateTimeZoneProviders.Tzdb["Europe/Berlin"]);
        berlin.Ingest([Login("1", "ann", Instant.FromUtc(2026, 12, 2, 23, 30))]); // Dec 3 in Berlin, Dec 2 in Los Angeles
        var bytes = Save(berlin);
        var losAngeles = Create(DateTimeZoneProviders.Tzdb["America/Los_Angeles"]);
        var e = Assert.Throws<InvalidDataException>(() => losAngeles.LoadState(new MemoryStream(bytes)));
        Assert.Contains("written in the business time zone 'Europe/Berlin', and this aggregator's is 'America/Los_Angeles' (CustomerLifecycle:TimeZone)", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, losAngeles.AccountCount);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AStreamThatReturnsAFewBytesPerRead_LoadsAValidState(bool seekable)
    {
        var usage = Create();
        usage.Ingest([Login("1", "ann", Today()), Login("2", "bob", Today()), new UsageEvent("3", new AccountId("globex"), "cy", "invoice.paid", Today(), 12.5)]);
        var reloaded = Create();
        reloaded.LoadState(new Trickle(Save(usage), 7, seekable));
        Assert.Equal(usage.Evaluate().Matrix.GetColumn(Users).ToArray(), reloaded.Evaluate().Matrix.GetColumn(Users).ToArray());
        Assert.Equal(12.5, reloaded.Evaluate([new AccountId("globex")]).SignalsOf(new AccountId("globex"))[Amount]);
    }

    [Fact]
    public void AStreamThatCannotSeek_IsRefusedOnItsSignature_BeforeItIsRead_AndCopiedOnlyAsFarAsCancelled()
    {
        var foreign = new Trickle(new byte[256 << 20], 1 << 16, seekable: false);
        Assert.Contains("not a CustomerLifecycle usage state", Assert.Throws<InvalidDataException>(() => Create().LoadState(foreign)).Message, StringComparison.Ordinal);
        Assert.Equal(8, foreign.Position); // the signature, and no more

        var usage = Create();
        usage.Ingest([Login("1", "ann", Today())]);
        var state = Save(usage);
        var long_ = new byte[64 << 20];
        state.AsSpan(0, 12).CopyTo(long_);
        using var stop = new CancellationTokenSource();
        var stream = new Trickle(long_, 1 << 16, seekable: false) { OnRead = (position) => { if (position > 1 << 20) { stop.Cancel(); } } };
        Assert.ThrowsAny<OperationCanceledException>(() => usage.LoadState(stream, stop.Token));
        Assert.InRange(stream.Position, 1 << 20, 2 << 20);
        Assert.Equal(1, usage.Evaluate([Acme]).SignalsOf(Acme)[Logins]); // kept
    }

    [Fact]
    public void EveryMalformedState_IsAnInvalidDataException_WithinMemoryBoundedByItsBytes()
    {
        // Truncations, byte flips and crafted counts and lengths, each with the checksum recomputed (FNV-1a is easy to
        // forge), so that the parser, not the checksum, must refuse them; the allocation of each load is held to a few
        // times the bytes given plus a constant (a count claiming 2^28 entries used to allocate gigabytes first).
        var usage = Create();
        usage.Ingest([Login("1", "ann", Today()), Login("2", "bob", Today(9)), new UsageEvent("3", new AccountId("globex"), "cy", "invoice.paid", Today(), 3)]);
        var valid = Save(usage);
        var gen = from kind in Gen.Choose(0, 3)
                  from at in Gen.Choose(12, valid.Length - 9)
                  from value in Gen.Elements(0, 1, -1, 0x7F, 0xFF, int.MaxValue, int.MinValue, 1 << 28, 1 << 20, 65_536)
                  from cut in Gen.Choose(0, valid.Length - 1)
                  select (kind, at, value, cut);
        Assert.Null(Record.Exception(() => Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var bytes = (byte[])valid.Clone();
            switch (t.kind)
            {
                case 0:
                    bytes = bytes[..t.cut];
                    break;
                case 1:
                    bytes[t.at] ^= (byte)(t.value | 1);
                    bytes = Reseal(bytes);
                    break;
                case 2:
                    BitConverter.TryWriteBytes(bytes.AsSpan(t.at, 4), t.value); // a count or a length claimed
                    bytes = Reseal(bytes);
                    break;
                default:
                    bytes[t.at] = 0xFF; // a 7-bit length that never ends, or a byte UTF-8 does not allow
                    bytes[Math.Min(t.at + 1, bytes.Length - 9)] = 0xFF;
                    bytes = Reseal(bytes);
                    break;
            }

            var target = Create();
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                target.LoadState(new MemoryStream(bytes));
            }
            catch (InvalidDataException)
            {
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            return (allocated <= (64L * bytes.Length) + (4 << 20)).Label($"allocated {allocated} bytes for a state of {bytes.Length}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(1_000))));
    }

    [Fact]
    public void ACountClaimingHundredsOfMillions_IsRefusedBeforeAnythingIsAllocatedForIt()
    {
        var usage = Create();
        usage.Ingest([Login("1", "ann", Today())]);
        var bytes = Save(usage);

        // The event name table's count follows the header, the fingerprint, the zone and the ring's top day.
        using var reader = new BinaryReader(new MemoryStream(bytes));
        reader.ReadBytes(12);
        reader.ReadString();
        reader.ReadString();
        reader.ReadInt32();
        var at = (int)reader.BaseStream.Position;
        BitConverter.TryWriteBytes(bytes.AsSpan(at, 4), 1 << 28);
        bytes = Reseal(bytes);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => Create().LoadState(new MemoryStream(bytes)));
        Assert.Contains("268435456 is not a event name count", e.Message, StringComparison.Ordinal);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 1 << 20);
    }

    [Fact]
    public void AfterTheKeptDaysHavePassed_TheStateEqualsOneBuiltFromTheKeptDaysAlone()
    {
        // Issue 30: a burst of users on one day, then quiet days: active users came back to 1, but the state kept every
        // user's name (25 MB saved for 10^6 users) and the tables only grew. Once the burst has left the ring, the saved
        // state is as long as one built from the kept days' events alone, its answers are the same, and its memory
        // comes within a small factor of that one's.
        var gen = from accounts in Gen.Choose(1, 4)
                  from burst in Gen.Choose(1_100, 4_000)
                  from lateUsers in Gen.Choose(1, 5)
                  from lateDays in Gen.Choose(1, 10)
                  select (accounts, burst, lateUsers, lateDays);
        Assert.Null(Record.Exception(() => Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var start = new LocalDate(2026, 1, 5);
            var clock = new FakeClock(start.At(new LocalTime(12, 0)).InZoneLeniently(NewYork).ToInstant());
            UsageAggregator Make() => new(new UsageOptions
            {
                Signals =
                {
                    ["logins_30d"] = new() { Kind = UsageSignalKind.Count, Window = 30, Events = "user.login" },
                    ["active_users_30d"] = new() { Kind = UsageSignalKind.ActiveUsers, Window = 30 },
                    ["amount_30d"] = new() { Kind = UsageSignalKind.Sum, Window = 30, Events = "invoice.paid" },
                },
            }, new BusinessClock(clock, NewYork));
            Instant On(LocalDate day, int minute) => day.At(new LocalTime(8, 0).PlusMinutes(minute % 600)).InZoneLeniently(NewYork).ToInstant();
            var ids = new AccountId[t.accounts];
            for (var a = 0; a < ids.Length; a++)
            {
                ids[a] = new AccountId($"acct-{a}");
            }

            IEnumerable<UsageEvent> Late(LocalDate day) =>
                from a in Enumerable.Range(0, t.accounts)
                from u in Enumerable.Range(0, t.lateUsers)
                from name in new[] { "user.login", "invoice.paid" }
                select new UsageEvent($"{day}-{a}-{u}-{name}", ids[a], $"user-{u}", name, On(day, u), 2.5);

            var long_ = Make();
            var burst = long_.Ingest(Enumerable.Range(0, t.burst).Select(u => new UsageEvent($"burst-{u}", ids[u % t.accounts], $"burst-user-{u}", "user.login", On(start, u % 200))));
            Assert.Equal(t.burst, burst.Accepted);
            var last = start.PlusDays(long_.KeptDays + 20);
            for (var day = start.PlusDays(1); day <= last; day = day.PlusDays(1))
            {
                clock.Set(day.At(new LocalTime(12, 0)).InZoneLeniently(NewYork).ToInstant());
                long_.Ingest(day > last.PlusDays(-t.lateDays) ? Late(day) : []);
                long_.Evaluate();
            }

            var fresh = Make();
            fresh.Ingest(Enumerable.Range(0, t.lateDays).SelectMany(back => Late(last.PlusDays(-back))));
            var (a1, b1) = (long_.Evaluate(ids), fresh.Evaluate(ids));
            var sameAnswers = long_.Signals.All(k => a1.Matrix.GetColumn(k).ToArray().SequenceEqual(b1.Matrix.GetColumn(k).ToArray()));
            var (longBytes, freshBytes) = (Save(long_).Length, Save(fresh).Length);
            return (sameAnswers && longBytes == freshBytes && long_.StateBytes <= (2 * fresh.StateBytes) + 4096)
                .Label($"answers equal: {sameAnswers}; saved {longBytes} against {freshBytes} bytes; in memory {long_.StateBytes} against {fresh.StateBytes}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(25))));
    }

    /// <summary>Recomputes the checksum (FNV-1a over everything before the last 8 bytes), as a crafted state would.</summary>
    private static byte[] Reseal(byte[] bytes)
    {
        if (bytes.Length < 8)
        {
            return bytes;
        }

        var hash = 14695981039346656037UL;
        foreach (var b in bytes.AsSpan(0, bytes.Length - 8))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        BitConverter.TryWriteBytes(bytes.AsSpan(bytes.Length - 8), hash);
        return bytes;
    }

    /// <summary>A stream over bytes that returns at most a few per read, as network and blob streams may; seekable or not.</summary>
    private sealed class Trickle(byte[] bytes, int perRead, bool seekable) : Stream
    {
        private long _position;

        public Action<long>? OnRead { get; init; }

        public override bool CanRead => true;

        public override bool CanSeek => seekable;

        public override bool CanWrite => false;

        public override long Length => seekable ? bytes.Length : throw new NotSupportedException();

        public override long Position
        {
            get => _position;
            set => _position = seekable ? value : throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(Math.Min(buffer.Length, perRead), bytes.Length - _position);
            bytes.AsSpan((int)_position, n).CopyTo(buffer);
            _position += n;
            OnRead?.Invoke(_position);
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => seekable
            ? _position = origin switch { SeekOrigin.Begin => offset, SeekOrigin.Current => _position + offset, _ => bytes.Length + offset }
            : throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
