using System.Globalization;

namespace CustomerLifecycle.Forecasting.Tests.Survival;

/// <summary>
/// The data sets of R's survival package that <c>reference/survival.R</c> writes: <c>lung</c> (Loprinzi et al. 1994,
/// NCCTG advanced lung cancer; the rows with age, sex, ph.ecog and inst known), <c>veteran</c> (Kalbfleisch and Prentice
/// 1980, the Veterans' Administration lung cancer trial), <c>ovarian</c> (Edmonson et al. 1979), <c>heart</c> (Crowley and
/// Hu 1977, the Stanford heart transplant programme, in start–stop rows: a patient's rows before and after a transplant)
/// and <c>rats</c> (Mantel et al. 1977, three rats per litter: clusters).
/// </summary>
internal sealed class ReferenceData
{
    private readonly string[] _header;
    private readonly string[][] _rows;

    private ReferenceData(string file)
    {
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Survival", "reference", file));
        _header = [.. lines[0].Split(',').Select(h => h.Trim('"'))];
        _rows = [.. lines.Skip(1).Select(l => l.Split(',').Select(c => c.Trim('"')).ToArray())];
    }

    public static ReferenceData Lung { get; } = new("lung.csv");

    public static ReferenceData Veteran { get; } = new("veteran.csv");

    public static ReferenceData Ovarian { get; } = new("ovarian.csv");

    public static ReferenceData Heart { get; } = new("heart.csv");

    public static ReferenceData Rats { get; } = new("rats.csv");

    public int Count => _rows.Length;

    public SurvivalObservation[] Observations => ObservationsOf("time", "event");

    public SurvivalObservation[] ObservationsOf(string time, string status) => [.. _rows.Select(r => new SurvivalObservation(Number(r, time), Number(r, status) == 1))];

    public double[] Column(string name) => [.. _rows.Select(r => Number(r, name))];

    public string[] Text(string name) => [.. _rows.Select(r => r[Array.IndexOf(_header, name)])];

    public CoxCovariate Covariate(string name) => new(name, Column(name));

    private double Number(string[] row, string name) => double.Parse(row[Array.IndexOf(_header, name)], CultureInfo.InvariantCulture);
}
