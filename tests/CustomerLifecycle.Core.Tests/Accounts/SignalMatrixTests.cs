using FsCheck;
using FsCheck.Fluent;

namespace CustomerLifecycle.Core.Tests.Accounts;

public sealed class SignalMatrixTests
{
    private static readonly SignalKey Key = new("matrix_signal");

    [Fact]
    public void InvalidCount_IsTheWrittenCellsThatAreNotFinite_AfterAnySequenceOfWrites()
    {
        // Cells written, overwritten (finite over invalid and back), made missing, and whole columns set; 70 rows so
        // that the written bits span two words.
        const int rows = 70;
        var value = Gen.Elements(0.0, -0.0, 1.5, -3, 1e300, double.Epsilon, double.NaN, double.PositiveInfinity, double.NegativeInfinity);
        var operation =
            from kind in Gen.Frequency((6, Gen.Constant(0)), (3, Gen.Constant(1)), (1, Gen.Constant(2)))
            from row in Gen.Choose(0, rows - 1)
            from v in value
            select (Kind: kind, Row: row, Value: v);
        Prop.ForAll(Gen.ListOf(operation).ToArbitrary(), operations =>
        {
            var matrix = new SignalMatrix(rows, [Key]);
            foreach (var (kind, row, v) in operations)
            {
                switch (kind)
                {
                    case 0:
                        matrix[row, Key] = v;
                        break;
                    case 1:
                        matrix.SetMissing(row, Key);
                        break;
                    default:
                        matrix.SetColumn(Key, Enumerable.Range(0, rows).Select(i => i % 7 == row % 7 ? v : i).ToArray());
                        break;
                }
            }

            var expected = Enumerable.Range(0, rows).Count(r => matrix.IsWritten(r, Key) && !double.IsFinite(matrix[r, Key]));
            if (matrix.InvalidCount(Key) != expected)
            {
                throw new InvalidOperationException($"InvalidCount {matrix.InvalidCount(Key)}, written cells not finite {expected}.");
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public void InvalidCount_OfAColumnTheMatrixLacks_Throws()
    {
        var matrix = new SignalMatrix(3, [Key]);
        Assert.Equal(0, matrix.InvalidCount(Key));
        Assert.Throws<KeyNotFoundException>(() => matrix.InvalidCount(WellKnownSignals.Nps));
    }
}
