using FsCheck;
using FsCheck.Fluent;

namespace CustomerLifecycle.Segmentation.Tests.Rules;

/// <summary>The rule language's invariants over random rules, subjects and text.</summary>
public sealed class RulePropertyTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(500);

    private static readonly SegmentRule[] BaseRules = [SegmentRule.Parse("tenure.days <= 90 or health.color == Red"), SegmentRule.Parse("signals.nps >= 9")];

    [Fact]
    public void ParsingThePrintedRule_GivesAnEqualRule_ThatAgreesOnEverySubject()
    {
        var gen = from rule in SegmentationGenerators.Rule(withReferences: true)
                  from subjects in Gen.ListOf(SegmentationGenerators.Subject()).Select(l => l.Take(8).ToArray())
                  select (rule, subjects);
        AssertHolds(Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var reparsed = SegmentRule.Parse(c.rule.ToString(), new RuleParserLimits { MaxDepth = SegmentRule.MaxDepth });
            return reparsed == c.rule
                && reparsed.ToString() == c.rule.ToString()
                && c.subjects.All(s => RuleInterpreter.Evaluate(reparsed, s.Subject, s.Today, Resolve) == RuleInterpreter.Evaluate(c.rule, s.Subject, s.Today, Resolve));
        }));
    }

    [Fact]
    public void CompiledRule_AgreesWithThePlainInterpreter()
    {
        var gen = from rule in SegmentationGenerators.Rule(withReferences: true)
                  from subjects in Gen.NonEmptyListOf(SegmentationGenerators.Subject()).Select(l => l.Take(10).ToArray())
                  select (rule, subjects);
        AssertHolds(Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var catalog = SegmentCatalog.Create([new Segment("Base1", BaseRules[0]), new Segment("Base2", BaseRules[1]), new Segment("Tested", c.rule)]);
            var tested = catalog.IndexOf("Tested");
            return c.subjects.All(s => catalog.Matches(tested, s.Subject, s.Today) == RuleInterpreter.Evaluate(c.rule, s.Subject, s.Today, Resolve));
        }));
    }

    [Fact]
    public void GarbageText_OnlyEverThrowsTheDocumentedParseException_WithAPositionInsideTheText()
    {
        string[] pieces = ["and", "or", "not", "in", "is", "missing", "true", "false", "segment", "tenure.days", "signals.", "signals.nps", "health.change",
            "health.color", "Red", "stage", "(", ")", "[", "]", ",", "==", "!=", "<", "<=", ">", ">=", "=", "!", "\"", "\\", "\"x\"", "-", "1e999", "-0",
            "3.5", "90", "1e", ".", "\n", " ", "\t", "é", "\u0000", "🙂", "'"];
        var piece = Gen.Frequency((5, Gen.Elements(pieces)), (1, Gen.Choose(0, 0xFFFF).Select(c => ((char)c).ToString())));
        var noise = Gen.ListOf(piece).Select(list => string.Join(string.Empty, list.Take(60)));

        // Near-valid text: a printed random rule with random pieces inserted, replaced or removed, so that errors
        // deep inside a rule (a bad value after a valid operator, an unclosed list) are reached too.
        var edit = from kind in Gen.Choose(0, 2) from position in Gen.Choose(0, 10_000) from p in piece select (Kind: kind, Position: position, Piece: p);
        var mutated = from rule in SegmentationGenerators.Rule(withReferences: true)
                      from edits in Gen.NonEmptyListOf(edit)
                      select edits.Take(4).Aggregate(rule.ToString(), (text, e) =>
                      {
                          var at = e.Position % (text.Length + 1);
                          return e.Kind switch
                          {
                              0 => text.Insert(at, e.Piece),
                              1 when at < text.Length => text.Remove(at, 1).Insert(at, e.Piece),
                              _ when at < text.Length => text.Remove(at, Math.Min(text.Length - at, 1 + (e.Position % 5))),
                              _ => text,
                          };
                      });
        var gen = Gen.OneOf(noise, mutated);
        AssertHolds(Prop.ForAll(gen.ToArbitrary(), text =>
        {
            try
            {
                var rule = SegmentRule.Parse(text);
                return SegmentRule.Parse(rule.ToString(), new RuleParserLimits { MaxDepth = SegmentRule.MaxDepth }) == rule;
            }
            catch (RuleParseException e)
            {
                var lines = text.Split('\n');
                return e.Line >= 1 && e.Line <= lines.Length && e.Column >= 1 && e.Column <= lines[e.Line - 1].Length + 1 && e.Message.StartsWith("Line ", StringComparison.Ordinal);
            }
        }));
    }

    [Fact]
    public void TenureMonths_CountsMonthsAsNodaTimeDoes()
    {
        var gen = from since in SegmentationGenerators.Today()
                  from today in SegmentationGenerators.Today()
                  select (since, today);
        AssertHolds(Prop.ForAll(gen.ToArbitrary(), c =>
            new Account { Id = new AccountId("a"), Name = "A", CustomerSince = c.since }.TenureMonths(c.today)
                == NodaTime.Period.Between(c.since, c.today, NodaTime.PeriodUnits.Months).Months));
    }

    private static SegmentRule Resolve(string name) => BaseRules[Array.FindIndex(SegmentationGenerators.BaseSegments, n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase))];

    private static void AssertHolds(Property property) => Assert.Null(Record.Exception(() => property.Check(Runs)));
}
