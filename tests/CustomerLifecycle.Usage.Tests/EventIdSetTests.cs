using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace CustomerLifecycle.Usage.Tests;

/// <summary>
/// The compact set of remembered event ids against a dictionary of strings: the same answers to every add (a repeated
/// id is a duplicate until its day is forgotten, then new again), the same ids by day, in the order added.
/// </summary>
public sealed class EventIdSetTests
{
    private const int Slots = 5;

    /// <summary>Ids that look alike and are not: ASCII, accents, a letter outside the BMP (a surrogate pair), CJK, prefixes of each other, longer than the stack buffer and than a chunk.</summary>
    private static readonly string[] Pool =
    [
        "e", "e1", "e10", "E1", "é1", "e\u0301" + "1", "😀", "😀😀", "事件-1", "evt-000000000000000000001", "evt-000000000000000000002",
        new string('x', 600), new string('x', 601), new string('事', 200), new string('y', 70_000), new string('y', 70_001) + "z",
    ];

    private static Gen<string> Id() => Gen.Frequency(
        (6, Gen.Elements(Pool)),
        (6, Gen.Choose(0, 5_000).Select(i => "id-" + i)));

    private static Gen<(bool Forget, string Id, int Slot)> Operation() =>
        from forget in Gen.Frequency((1, Gen.Constant(true)), (30, Gen.Constant(false)))
        from id in Id()
        from slot in Gen.Choose(0, Slots - 1)
        select (forget, id, slot);

    [Fact]
    public void EveryAdd_AnswersAsADictionaryOfStrings_AndTheStoredIdsAreTheOnesAdded()
    {
        // With 2 bits of hash kept, different ids share a hash all the time: the stored bytes decide.
        var gen = from hashBits in Gen.Elements(2, 32)
                  from n in Gen.Choose(0, 3_000)
                  from ops in Gen.ArrayOf(Operation(), n)
                  select (hashBits, ops);
        Assert.Null(Record.Exception(() => Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var (hashBits, ops) = t;
            var set = new EventIdSet(Slots, hashBits);
            var model = new Dictionary<string, int>(StringComparer.Ordinal);
            var order = new List<string>();
            foreach (var (forget, id, slot) in ops)
            {
                if (forget)
                {
                    set.Forget(slot);
                    foreach (var gone in model.Where(p => p.Value == slot).Select(p => p.Key).ToList())
                    {
                        model.Remove(gone);
                        order.Remove(gone);
                    }

                    continue;
                }

                var added = set.TryAdd(id, slot);
                Assert.Equal(!model.ContainsKey(id), added);
                if (added)
                {
                    model.Add(id, slot);
                    order.Add(id);
                }
            }

            Assert.Equal(model.Count, set.Count);
            var stored = new List<(int Slot, string Id)>();
            foreach (var (slot, bytes) in set.BySlot())
            {
                var span = bytes.Span;
                for (var p = 0; p < span.Length;)
                {
                    var length = EventIdSet.Measure(span, p);
                    using var reader = new BinaryReader(new MemoryStream(span.Slice(p, length).ToArray()), Encoding.UTF8);
                    stored.Add((slot, reader.ReadString()));
                    p += length;
                }
            }

            var expected = order.Select(id => (Slot: model[id], Id: id)).OrderBy(x => x.Slot).ToList();
            Assert.Equal(expected, stored);
        }).QuickCheckThrowOnFailure()));
    }

    [Fact]
    public void AHundredThousandIds_OfTwentyFourCharacters_TakeUnderSixtyBytesEach_AndForgettingTheirDayGivesTheChunksBack()
    {
        var set = new EventIdSet(Slots);
        for (var i = 0; i < 100_000; i++)
        {
            Assert.True(set.TryAdd($"evt-{i:D20}", i % 2));
        }

        Assert.True(set.Bytes < 60L * 100_000, $"{set.Bytes / 100_000.0:0.0} bytes an id");
        Assert.False(set.TryAdd($"evt-{12_345:D20}", 4));

        set.Forget(0);
        set.Forget(1);
        Assert.Equal(0, set.Count);
        Assert.True(set.TryAdd($"evt-{12_345:D20}", 4));
        Assert.True(set.Bytes < 64 * 65_536 + 1_000, $"{set.Bytes} bytes after forgetting");
    }
}
