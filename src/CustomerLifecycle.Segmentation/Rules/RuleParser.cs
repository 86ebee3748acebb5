using System.Globalization;
using CustomerLifecycle.Stages;

namespace CustomerLifecycle.Segmentation;

/// <summary>
/// A recursive-descent parser for the rule language. It builds only the fixed node types of <see cref="SegmentRule"/>,
/// reads the text once, and stops at the first error with its line and column. Recursion is bounded by
/// <see cref="RuleParserLimits.MaxDepth"/> before it happens, and the text's length by <see cref="RuleParserLimits.MaxLength"/>
/// before any token is read.
/// </summary>
/// <remarks>
/// Grammar (keywords are case-insensitive):
/// <code>
/// rule       = or
/// or         = and { "or" and }
/// and        = unary { "and" unary }
/// unary      = "not" unary | condition
/// condition  = sum [ compare sum | "in" "[" value { "," value } "]" | "is" [ "not" ] "missing" ]
/// sum        = product { ( "+" | "-" ) product }
/// product    = factor { ( "*" | "/" ) factor }
/// factor     = "-" factor | "(" or ")" | number | operand | "true" | "false" | "segment" "(" (string | name) ")"
/// operand    = path | "health.change" "(" integer ")"        path: stage, tenure.days, signals.name, ...
/// compare    = "==" | "!=" | "&lt;" | "&lt;=" | "&gt;" | "&gt;=";  value = ["-"] number | string | name
/// </code>
/// The grammar is untyped; the parser types it as it goes: a condition is a rule, a comparison needs numbers on both
/// sides (or a text, color or category operand and a literal), arithmetic needs numbers, <c>in</c> and <c>is</c> take
/// one operand. A parenthesis holds a rule or a number, decided by what is inside.
/// </remarks>
internal sealed class RuleParser
{
    private const string ConditionStart = "a condition (a field such as tenure.days or signals.nps, a number, 'not', '(', true, false or segment(...))";
    private readonly string _text;
    private readonly RuleParserLimits _limits;
    private Token _token;
    private int _position;
    private int _line = 1;
    private int _lineStart;

    public RuleParser(string text, RuleParserLimits limits)
    {
        _text = text;
        _limits = limits;
    }

    private enum TokenKind
    {
        End,
        Name,
        Number,
        String,
        Compare,
        OpenParen,
        CloseParen,
        OpenBracket,
        CloseBracket,
        Comma,
        Arithmetic,
    }

    public SegmentRule ParseRule()
    {
        if (_text.Length > _limits.MaxLength)
        {
            var (line, column) = PositionOf(_limits.MaxLength);
            throw new RuleParseException(line, column, $"at most {_limits.MaxLength} characters of rule text", $"{_text.Length} characters");
        }

        Next();
        var rule = AsRule(ParseOr(nesting: 0));
        if (_token.Kind != TokenKind.End)
        {
            throw Error($"'and', 'or' or the end of the rule{(_token.Kind == TokenKind.CloseParen ? " (this ')' closes nothing)" : string.Empty)}");
        }

        // The limit holds for the rule as printed too (the printer puts spaces around operators and after commas), so
        // every rule that parses prints to text that parses again under the same limits.
        var printed = RulePrinter.Print(rule).Length;
        if (printed > _limits.MaxLength)
        {
            throw new RuleParseException(1, 1, $"a rule of at most {_limits.MaxLength} characters as printed (with a space around each operator and after each comma)", $"{printed} characters as printed");
        }

        return rule;
    }

    // Each level returns a SegmentRule, a numeric RuleExpression or (for text, colors and categories) a RuleOperand:
    // a parenthesis may hold a rule or an arithmetic expression, and which one is known only once it is read.
    private object ParseOr(int nesting)
    {
        var left = ParseAnd(nesting);
        while (IsKeyword("or"))
        {
            var rule = AsRule(left);
            var at = _token;
            Next();
            var right = AsRule(ParseAnd(nesting));
            CheckDepth(at, Math.Max(rule.Depth, right.Depth) + 1);
            left = new OrRule(rule, right);
        }

        return left;
    }

    private object ParseAnd(int nesting)
    {
        var left = ParseUnary(nesting);
        while (IsKeyword("and"))
        {
            var rule = AsRule(left);
            var at = _token;
            Next();
            var right = AsRule(ParseUnary(nesting));
            CheckDepth(at, Math.Max(rule.Depth, right.Depth) + 1);
            left = new AndRule(rule, right);
        }

        return left;
    }

    private object ParseUnary(int nesting)
    {
        if (!IsKeyword("not"))
        {
            return ParseCondition(nesting);
        }

        var at = _token;
        CheckNesting(at, nesting + 1);
        Next();
        var operand = AsRule(ParseUnary(nesting + 1));
        CheckDepth(at, operand.Depth + 1);
        return new NotRule(operand);
    }

    /// <summary>A term left as it is read, or a comparison of it.</summary>
    private object ParseCondition(int nesting)
    {
        var left = ParseSum(nesting);
        var at = _token;
        if (left is SegmentRule)
        {
            return left;
        }

        if (at.Kind == TokenKind.Compare)
        {
            var comparison = at.Comparison;
            if (left is RuleOperand other)
            {
                if (RuleTypes.CheckOperator(other, comparison) is not null)
                {
                    throw Error($"==, != or in ({other.Path} is {RuleTypes.Describe(other.ValueType)}, which has no order)");
                }

                Next();
                return new ComparisonRule(other, comparison, ParseValue(other));
            }

            var expression = (RuleExpression)left;
            Next();
            var right = ParseSum(nesting, expression as OperandExpression);
            if (right is not RuleExpression number)
            {
                throw new RuleParseException(at.Line, at.Column, $"a number on each side of '{at.Text}'", Describe(right));
            }

            CheckDepth(at, Math.Max(expression.Depth, number.Depth));
            return SegmentRule.Compare(expression, comparison, number);
        }

        if (left is OperandExpression or RuleOperand && (IsKeyword("in") || IsKeyword("is")))
        {
            return ParseListOrMissing(left is OperandExpression o ? o.Operand : (RuleOperand)left);
        }

        // No comparison: a numeric term is returned as it is, for an enclosing parenthesis or arithmetic to use; the
        // caller that needs a rule says what is missing.
        return left;
    }

    private SegmentRule ParseListOrMissing(RuleOperand operand)
    {
        if (IsKeyword("in"))
        {
            Next();
            Expect(TokenKind.OpenBracket, "'[' to open the list of values");
            var values = new List<RuleValue> { ParseValue(operand) };
            while (_token.Kind == TokenKind.Comma)
            {
                Next();
                if (values.Count == InRule.MaxValues)
                {
                    throw Error($"']': an 'in' list holds at most {InRule.MaxValues} values");
                }

                values.Add(ParseValue(operand));
            }

            Expect(TokenKind.CloseBracket, "',' or ']' in the list of values");
            return new InRule(operand, values);
        }

        Next();
        var isMissing = true;
        if (IsKeyword("not"))
        {
            isMissing = false;
            Next();
        }

        if (!IsKeyword("missing"))
        {
            throw Error(isMissing ? "'missing' or 'not missing' after 'is'" : "'missing' after 'is not'");
        }

        Next();
        return new MissingRule(operand, isMissing);
    }

    /// <summary>A term where a rule must be: a numeric term or a text operand lacks its comparison.</summary>
    private SegmentRule AsRule(object term) => term switch
    {
        SegmentRule rule => rule,
        OperandExpression { Operand: var operand } => throw Error($"a comparison after {operand.Path} (==, !=, <, <=, >, >=, in or is)"),
        RuleOperand operand => throw Error($"a comparison after {operand.Path} (==, !=, in or is)"),
        _ => throw Error($"a comparison after {RulePrinter.Print((RuleExpression)term)} (==, !=, <, <=, > or >=)"),
    };

    // sum = product { ("+" | "-") product }; product = factor { ("*" | "/") factor }. 'compared' is the operand on
    // the left of a comparison, named when its right side is not a number.
    private object ParseSum(int nesting, OperandExpression? compared = null)
    {
        var left = ParseProduct(nesting, compared);
        while (_token.Kind == TokenKind.Arithmetic && _token.Arithmetic is ArithmeticOperator.Add or ArithmeticOperator.Subtract)
        {
            left = Arithmetic(left, () => ParseProduct(nesting, compared: null));
        }

        return left;
    }

    private object ParseProduct(int nesting, OperandExpression? compared)
    {
        var left = ParseFactor(nesting, compared);
        while (_token.Kind == TokenKind.Arithmetic && _token.Arithmetic is ArithmeticOperator.Multiply or ArithmeticOperator.Divide)
        {
            left = Arithmetic(left, () => ParseFactor(nesting, compared: null));
        }

        return left;
    }

    private ArithmeticExpression Arithmetic(object left, Func<object> parseRight)
    {
        var at = _token;
        if (left is not RuleExpression l)
        {
            throw Error($"a comparison, 'and', 'or' or the end of the rule (arithmetic needs a number, not {Describe(left)})");
        }

        Next();
        var right = parseRight();
        if (right is not RuleExpression r)
        {
            throw new RuleParseException(at.Line, at.Column, $"a number on each side of '{at.Text}'", Describe(right));
        }

        CheckDepth(at, Math.Max(l.Depth, r.Depth) + 1);
        return new ArithmeticExpression(l, at.Arithmetic, r);
    }

    // factor = "-" factor | "(" or ")" | number | operand | "true" | "false" | "segment" "(" name ")"
    private object ParseFactor(int nesting, OperandExpression? compared)
    {
        var start = _token;
        switch (start.Kind)
        {
            case TokenKind.Arithmetic when start.Arithmetic == ArithmeticOperator.Subtract:
                CheckNesting(start, nesting + 1);
                Next();
                var negated = ParseFactor(nesting + 1, compared);
                return negated switch
                {
                    NumberExpression number => new NumberExpression(-number.Value),
                    RuleExpression expression => Negate(start, expression),
                    _ => throw new RuleParseException(start.Line, start.Column, "a number after '-'", Describe(negated)),
                };
            case TokenKind.OpenParen:
                CheckNesting(start, nesting + 1);
                Next();
                var inner = ParseOr(nesting + 1);
                Expect(TokenKind.CloseParen, $"')' to close the '(' at line {start.Line}, column {start.Column}");
                return inner;
            case TokenKind.Number:
                Next();
                return new NumberExpression(start.Number);
            case TokenKind.Name when IsKeyword("true"):
                Next();
                return SegmentRule.True;
            case TokenKind.Name when IsKeyword("false"):
                Next();
                return SegmentRule.False;
            case TokenKind.Name when IsKeyword("segment"):
                return ParseReference();
            case TokenKind.Name when !IsAnyKeyword():
                var operand = ParseOperand(compared is null ? null : NumberExpected(compared));
                return operand.ValueType == RuleValueType.Number ? new OperandExpression(operand) : operand;
            default:
                throw Error(compared is null ? ConditionStart : NumberExpected(compared));
        }
    }

    private static string NumberExpected(OperandExpression compared) => $"a number, a numeric field or '(' ({compared.Operand.Path} is a number)";

    // -x is 0 - x: the same value for every x (the sign of a zero aside, which no comparison sees).
    private ArithmeticExpression Negate(Token at, RuleExpression expression)
    {
        CheckDepth(at, expression.Depth + 1);
        return new ArithmeticExpression(new NumberExpression(0), ArithmeticOperator.Subtract, expression);
    }

    private static string Describe(object term) => term switch
    {
        SegmentRule rule => $"the condition '{RulePrinter.Print(rule)}'",
        RuleOperand operand => $"{operand.Path}, which is {RuleTypes.Describe(operand.ValueType)}",
        _ => $"'{RulePrinter.Print((RuleExpression)term)}'",
    };

    private SegmentReferenceRule ParseReference()
    {
        Next();
        Expect(TokenKind.OpenParen, "'(' after segment");
        var name = _token;
        if (name.Kind is not (TokenKind.String or TokenKind.Name) || !Segment.IsValidName(name.Text))
        {
            throw Error($"a segment name (text of 1 to {Segment.MaxNameLength} characters, in quotes or as a plain name)");
        }

        Next();
        Expect(TokenKind.CloseParen, "')' after the segment name");
        return new SegmentReferenceRule(name.Text);
    }

    /// <param name="unknown">What was expected, when the name is no field at all; the list of fields when null.</param>
    private RuleOperand ParseOperand(string? unknown = null)
    {
        var name = _token;
        const string signalPrefix = "signals.";
        if (name.Text.StartsWith(signalPrefix, StringComparison.Ordinal))
        {
            var signal = name.Text[signalPrefix.Length..];
            if (!SignalKey.IsValidName(signal))
            {
                throw Error($"a signal name after 'signals.' (lower-case letters, digits, '_' and '.', starting with a letter, at most {SignalKey.MaxLength} characters)");
            }

            Next();
            return RuleOperand.ForSignal(new SignalKey(signal));
        }

        if (name.Text == "health.change")
        {
            Next();
            Expect(TokenKind.OpenParen, "'(' and a number of days after health.change");
            var days = _token;
            if (days.Kind != TokenKind.Number || days.Number is < 1 or > RuleOperand.MaxChangeDays || days.Number != Math.Floor(days.Number))
            {
                throw Error($"a whole number of days from 1 to {RuleOperand.MaxChangeDays}");
            }

            Next();
            Expect(TokenKind.CloseParen, "')' after the number of days");
            return RuleOperand.HealthChange((int)days.Number);
        }

        if (RuleOperand.ByPath.TryGetValue(name.Text, out var operand))
        {
            Next();
            return operand;
        }

        throw Error(unknown ?? "a field: " + string.Join(", ", RuleOperand.ByPath.Keys) + ", health.change(days) or signals.name");
    }

    private RuleValue ParseValue(RuleOperand operand)
    {
        var sign = 1.0;
        if (_token.Kind == TokenKind.Arithmetic && _token.Arithmetic == ArithmeticOperator.Subtract && operand.ValueType == RuleValueType.Number)
        {
            sign = -1;
            Next();
        }

        var token = _token;
        RuleValue value = token.Kind switch
        {
            TokenKind.Number => sign * token.Number,
            TokenKind.String => token.Text,
            TokenKind.Name when !IsAnyKeyword() && operand.ValueType != RuleValueType.Number => token.Text,
            _ when sign < 0 => throw Error("a number after '-'"),
            _ => throw Error(ValueExpected(operand)),
        };

        if (RuleTypes.CheckValue(operand, value) is not null)
        {
            throw Error(ValueExpected(operand));
        }

        Next();
        return value;
    }

    private static string ValueExpected(RuleOperand operand) => operand.ValueType switch
    {
        RuleValueType.Number => $"a number ({operand.Path} is a number)",
        RuleValueType.Text => $"text in quotes ({operand.Path} is text)",
        RuleValueType.HealthColor => $"Red, Yellow or Green ({operand.Path} is a health color)",
        _ => $"PreCustomer, Customer or Terminal ({operand.Path} is a stage category)",
    };

    private void CheckNesting(Token at, int nesting)
    {
        if (nesting > _limits.MaxDepth)
        {
            throw new RuleParseException(at.Line, at.Column, $"at most {_limits.MaxDepth} levels of nesting", "a deeper rule");
        }
    }

    private void CheckDepth(Token at, int depth)
    {
        if (depth > _limits.MaxDepth)
        {
            throw new RuleParseException(at.Line, at.Column, $"at most {_limits.MaxDepth} levels of nesting (each 'and' or 'or' in a chain adds one)", "a deeper rule");
        }
    }

    private void Expect(TokenKind kind, string expected)
    {
        if (_token.Kind != kind)
        {
            throw Error(expected);
        }

        Next();
    }

    private bool IsKeyword(string keyword) => _token.Kind == TokenKind.Name && string.Equals(_token.Text, keyword, StringComparison.OrdinalIgnoreCase);

    private bool IsAnyKeyword() =>
        IsKeyword("and") || IsKeyword("or") || IsKeyword("not") || IsKeyword("in") || IsKeyword("is") || IsKeyword("missing") || IsKeyword("true") || IsKeyword("false") || IsKeyword("segment");

    private RuleParseException Error(string expected) => new(_token.Line, _token.Column, expected, Describe(_token));

    private static string Describe(Token token) => token.Kind switch
    {
        TokenKind.End => "the end of the rule",
        TokenKind.String => "the text " + RuleValue.Quote(token.Text),
        _ => $"'{token.Text}'",
    };

    private (int Line, int Column) PositionOf(int index)
    {
        int line = 1, lineStart = 0;
        for (var i = 0; i < index && i < _text.Length; i++)
        {
            if (_text[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return (line, index - lineStart + 1);
    }

    private void Next()
    {
        while (_position < _text.Length && char.IsWhiteSpace(_text[_position]))
        {
            if (_text[_position] == '\n')
            {
                _line++;
                _lineStart = _position + 1;
            }

            _position++;
        }

        var start = _position;
        var line = _line;
        var column = start - _lineStart + 1;
        if (start == _text.Length)
        {
            _token = new Token(TokenKind.End, string.Empty, line, column);
            return;
        }

        var c = _text[start];
        _token = c switch
        {
            '(' => Single(TokenKind.OpenParen),
            ')' => Single(TokenKind.CloseParen),
            '[' => Single(TokenKind.OpenBracket),
            ']' => Single(TokenKind.CloseBracket),
            ',' => Single(TokenKind.Comma),
            '"' => ReadString(line, column),
            '=' or '!' or '<' or '>' => ReadCompare(line, column),
            '+' => Operator(ArithmeticOperator.Add),
            '-' => Operator(ArithmeticOperator.Subtract),
            '*' => Operator(ArithmeticOperator.Multiply),
            '/' => Operator(ArithmeticOperator.Divide),
            _ when char.IsAsciiDigit(c) => ReadNumber(line, column),
            _ when char.IsAsciiLetter(c) || c == '_' => ReadName(line, column),
            _ => throw new RuleParseException(line, column, ConditionStart + ", an operator or a value", $"'{c}'"),
        };

        Token Single(TokenKind kind)
        {
            _position++;
            return new Token(kind, c.ToString(), line, column);
        }

        Token Operator(ArithmeticOperator arithmetic) => Single(TokenKind.Arithmetic) with { Arithmetic = arithmetic };
    }

    private Token ReadName(int line, int column)
    {
        var start = _position;
        while (_position < _text.Length && (char.IsAsciiLetterOrDigit(_text[_position]) || _text[_position] is '_' or '.'))
        {
            _position++;
        }

        return new Token(TokenKind.Name, _text[start.._position], line, column);
    }

    private Token ReadNumber(int line, int column)
    {
        var start = _position;
        SkipDigits();
        if (_position + 1 < _text.Length && _text[_position] == '.' && char.IsAsciiDigit(_text[_position + 1]))
        {
            _position++;
            SkipDigits();
        }

        if (_position < _text.Length && _text[_position] is 'e' or 'E')
        {
            var exponent = _position + 1;
            if (exponent < _text.Length && _text[exponent] is '+' or '-')
            {
                exponent++;
            }

            if (exponent < _text.Length && char.IsAsciiDigit(_text[exponent]))
            {
                _position = exponent;
                SkipDigits();
            }
        }

        var text = _text[start.._position];
        if (_position < _text.Length && (char.IsAsciiLetter(_text[_position]) || _text[_position] is '_' or '.'))
        {
            throw new RuleParseException(line, column, "a number (digits, an optional fraction and exponent)", $"'{text}{_text[_position]}'");
        }

        var number = double.Parse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture);
        if (!double.IsFinite(number))
        {
            throw new RuleParseException(line, column, "a number within ±1.7976931348623157E+308", $"'{text}'");
        }

        return new Token(TokenKind.Number, text, line, column) { Number = number };

        void SkipDigits()
        {
            while (_position < _text.Length && char.IsAsciiDigit(_text[_position]))
            {
                _position++;
            }
        }
    }

    private Token ReadString(int line, int column)
    {
        var builder = new System.Text.StringBuilder();
        _position++;
        while (true)
        {
            if (_position == _text.Length)
            {
                throw new RuleParseException(line, column, "a closing '\"' for the text that starts here", "the end of the rule");
            }

            var c = _text[_position++];
            if (c == '"')
            {
                break;
            }

            if (c == '\n')
            {
                _line++;
                _lineStart = _position;
            }

            if (c == '\\')
            {
                if (_position == _text.Length || _text[_position] is not ('"' or '\\'))
                {
                    var (escapeLine, escapeColumn) = (_line, _position - _lineStart);
                    throw new RuleParseException(escapeLine, escapeColumn, "\\\" or \\\\ (the only escapes in text)", _position == _text.Length ? "the end of the rule" : $"'\\{_text[_position]}'");
                }

                c = _text[_position++];
            }

            if (builder.Length == RuleValue.MaxTextLength)
            {
                throw new RuleParseException(line, column, $"text of at most {RuleValue.MaxTextLength} characters", "longer text");
            }

            builder.Append(c);
        }

        return new Token(TokenKind.String, builder.ToString(), line, column);
    }

    private Token ReadCompare(int line, int column)
    {
        var c = _text[_position];
        var equals = _position + 1 < _text.Length && _text[_position + 1] == '=';
        (ComparisonOperator op, int length)? read = (c, equals) switch
        {
            ('=', true) => (ComparisonOperator.Equal, 2),
            ('!', true) => (ComparisonOperator.NotEqual, 2),
            ('<', true) => (ComparisonOperator.LessThanOrEqual, 2),
            ('>', true) => (ComparisonOperator.GreaterThanOrEqual, 2),
            ('<', false) => (ComparisonOperator.LessThan, 1),
            ('>', false) => (ComparisonOperator.GreaterThan, 1),
            _ => null,
        };

        if (read is not { } found)
        {
            throw new RuleParseException(line, column, c == '=' ? "'==' (a comparison uses two '=')" : "'!=' or 'not'", $"'{c}'");
        }

        _position += found.length;
        return new Token(TokenKind.Compare, _text.Substring(_position - found.length, found.length), line, column) { Comparison = found.op };
    }

    private readonly record struct Token(TokenKind Kind, string Text, int Line, int Column)
    {
        public double Number { get; init; }

        public ComparisonOperator Comparison { get; init; }

        public ArithmeticOperator Arithmetic { get; init; }
    }
}
