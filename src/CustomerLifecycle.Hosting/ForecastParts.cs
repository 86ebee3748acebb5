using System.Text;
using CustomerLifecycle.Forecasting;
using NodaTime;

namespace CustomerLifecycle.Hosting;

/// <summary>
/// A shard's forecast as the pipeline keeps it in the <see cref="IStateStore"/> until the portfolio-wide step combines
/// the shards' (on whichever instance finishes last): every line and refused case, exactly (amounts as decimals,
/// probabilities as their 64 bits).
/// </summary>
internal static class ForecastParts
{
    private const byte Version = 1;

    public static byte[] Write(RenewalForecast forecast)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Version);
            writer.Write(forecast.Lines.Count);
            foreach (var line in forecast.Lines)
            {
                writer.Write(line.Account.Value);
                WriteOptional(writer, line.Owner);
                WriteOptional(writer, line.Segment);
                writer.Write(line.RenewalDate.Year);
                writer.Write((byte)line.RenewalDate.Month);
                writer.Write((byte)line.RenewalDate.Day);
                writer.Write(line.Contracted.Currency.Code);
                writer.Write(line.Probability);
                writer.Write(line.Model);
                foreach (var money in (ReadOnlySpan<Money>)[line.Contracted, line.ExpectedUpsell, line.ExpectedDownsell, line.ExpectedRevenue, line.ExpectedChurn, line.Commit, line.BestCase])
                {
                    writer.Write(money.Amount);
                }
            }

            writer.Write(forecast.Refused.Count);
            foreach (var refused in forecast.Refused)
            {
                writer.Write(refused.Account.Value);
                writer.Write(refused.Reason);
            }
        }

        return buffer.ToArray();
    }

    public static RenewalForecast Read(byte[] state, RenewalForecaster forecaster, DateInterval period)
    {
        using var reader = new BinaryReader(new MemoryStream(state, writable: false), Encoding.UTF8);
        var version = reader.ReadByte();
        if (version != Version)
        {
            throw new InvalidDataException($"A stored forecast part has version {version}; this package reads version {Version}.");
        }

        var lines = new RenewalForecastLine[reader.ReadInt32()];
        for (var i = 0; i < lines.Length; i++)
        {
            var account = new AccountId(reader.ReadString());
            var owner = ReadOptional(reader);
            var segment = ReadOptional(reader);
            var date = new LocalDate(reader.ReadInt32(), reader.ReadByte(), reader.ReadByte());
            var currency = new CurrencyCode(reader.ReadString());
            var probability = reader.ReadDouble();
            var model = reader.ReadString();
            Money Next() => new(reader.ReadDecimal(), currency);
            lines[i] = new RenewalForecastLine(account, owner, segment, date, Next(), probability, model, Next(), Next(), Next(), Next(), Next(), Next());
        }

        var refused = new RefusedRenewal[reader.ReadInt32()];
        for (var i = 0; i < refused.Length; i++)
        {
            refused[i] = new RefusedRenewal(new AccountId(reader.ReadString()), reader.ReadString());
        }

        return forecaster.FromLines(period, lines, refused);
    }

    private static void WriteOptional(BinaryWriter writer, string? text)
    {
        writer.Write(text is not null);
        if (text is not null)
        {
            writer.Write(text);
        }
    }

    private static string? ReadOptional(BinaryReader reader) => reader.ReadBoolean() ? reader.ReadString() : null;
}
