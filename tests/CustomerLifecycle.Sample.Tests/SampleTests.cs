using CustomerLifecycle.Testing;

namespace CustomerLifecycle.Sample.Tests;

public sealed class SampleTests
{
    private const string Header = "id,name,owner,tier,stage,customer_since,churned_on,contract_start,renewal_date,currency,arr,seats,plan,nps";

    private static (List<PortfolioRow> Rows, List<CsvError> Errors) Read(params string[] lines) => PortfolioCsv.Read(new StringReader(string.Join('\n', lines)));

    [Fact]
    public void TheCommittedPortfolio_IsWhatTheSeededGeneratorMakes()
    {
        var writer = new StringWriter();
        PortfolioCsv.Write(writer, PortfolioGenerator.Generate(), PortfolioGenerator.Signals);
        var committed = File.ReadAllText(Path.Combine(PublicApi.RepositoryRoot(), "samples", "CustomerLifecycle.Sample", "Data", "portfolio.csv"));
        Assert.Equal(committed.ReplaceLineEndings(), writer.ToString().ReplaceLineEndings());
    }

    [Fact]
    public void ThePortfolio_RoundTripsThroughTheCsv()
    {
        var rows = PortfolioGenerator.Generate(200);
        var writer = new StringWriter();
        PortfolioCsv.Write(writer, rows, PortfolioGenerator.Signals);
        var (read, errors) = PortfolioCsv.Read(new StringReader(writer.ToString()));
        Assert.Empty(errors);
        Assert.Equal(rows.Select(r => r.Account), read.Select(r => r.Account));
        Assert.Equal(rows.Select(r => r.ChurnedOn), read.Select(r => r.ChurnedOn));
    }

    [Theory]
    [InlineData("a1,A,,SMB,Adoption,2026-13-01,,,,,,,,", "line 2, column 'customer_since': '2026-13-01' is not a date as yyyy-MM-dd.")]
    [InlineData("a1,A,,SMB,Adoption,,,2026-01-01,2027-01-01,USD,-5,10,,", "line 2, column 'arr': '-5' is not an amount from 0 to 1,000,000,000,000,000.")]
    [InlineData("a1,A,,SMB,Adoption,,,2026-01-01,2025-01-01,USD,5,10,,", "line 2, column 'renewal_date': ")]
    [InlineData("a1,A,,SMB,Adoption,,,2026-01-01,2027-01-01,EUD,5,10,,", "line 2, column 'currency': ")]
    [InlineData("a1,A,,SMB,Adoption,,,2026-01-01,,USD,5,10,,", "line 2, column 'renewal_date': a contract needs")]
    [InlineData("a1,A,,SMB,Adoption,,,,,,,,,nine", "line 2, column 'nps': 'nine' is not a finite number")]
    [InlineData("a1,A,,SMB,Adoption,,,,,,,,,NaN", "line 2, column 'nps': 'NaN' is not a finite number")]
    [InlineData("a1,,,SMB,Adoption,,,,,,,,,", "line 2, column 'name': required.")]
    [InlineData("a1,A,,SMB,Ad option,,,,,,,,,", "line 2, column 'stage': ")]
    [InlineData("a1,A,SMB", "line 2, column '(row)': 3 cells where the header has 14.")]
    [InlineData("a1,A,,SMB,Adoption,,,2026-01-01,2027-01-01,USD,5,-5,,", "line 2, column 'seats': '-5' is not a whole number of seats from 0 to 2147483647.")]
    [InlineData("a1,A,,SMB,Adoption,,,2026-01-01,2027-01-01,USD,5,2.7,,", "line 2, column 'seats': '2.7' is not a whole number of seats")]
    [InlineData("a1,A,,SMB,Adoption,,,2026-01-01,2027-01-01,USD,5,1e300,,", "line 2, column 'seats': '1e300' is not a whole number of seats")]
    [InlineData("a1,A,,SMB,Adoption,,,2026-01-01,2027-01-01,USD,1000000000000001,5,,", "line 2, column 'arr': '1000000000000001' is not an amount from 0 to")]
    public void MalformedRows_AreReportedWithLineAndColumn(string row, string error)
    {
        var (rows, errors) = Read(Header, row);
        Assert.Empty(rows);
        Assert.StartsWith(error, Assert.Single(errors).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateIdsAndBadHeaders_AreReported()
    {
        var (rows, errors) = Read(Header, "a1,A,,,,,,,,,,,,", "a1,B,,,,,,,,,,,,");
        Assert.Single(rows);
        Assert.Equal("line 3, column 'id': 'a1' appears on an earlier line.", Assert.Single(errors).ToString());
        Assert.StartsWith("line 1, column 'plan'", Assert.Single(Read("id,name,owner,tier,stage,customer_since,churned_on,contract_start,renewal_date,currency,arr,seats").Errors).ToString(), StringComparison.Ordinal);
        Assert.StartsWith("line 1, column 'Bad-Signal'", Assert.Single(Read(Header + ",Bad-Signal").Errors).ToString(), StringComparison.Ordinal);
        Assert.StartsWith("line 1", Assert.Single(Read().Errors).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AColumnOfText_IsOneErrorSayingThatUnknownColumnsAreSignals()
    {
        // A spreadsheet's notes column: 50 lines of text give one error with the count, not fifty alike.
        var lines = Enumerable.Range(1, 50).Select(i => $"a{i},A{i},,SMB,Adoption,,,,,,,,,{i},call back in spring").Prepend(Header + ",notes").ToArray();
        var (rows, errors) = Read(lines);
        Assert.Empty(rows);
        var error = Assert.Single(errors).ToString();
        Assert.StartsWith("line 2, column 'notes': 'call back in spring' is not a finite number (use '.' for decimals), and 50 line(s) in all have text in this column. A column that is not one of id, name,", error, StringComparison.Ordinal);
        Assert.EndsWith("is read as a signal, a number per account: remove the column, or correct its cells.", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AThousandsSeparatorOrASemicolonFile_GetsAHint()
    {
        var split = Assert.Single(Read(Header, "a1,A,,SMB,Adoption,,,2026-01-01,2027-01-01,USD,\"42,000\",10,,").Errors).ToString();
        Assert.Equal("line 2, column '(row)': 15 cells where the header has 14. Every ',' separates cells (quotes are not read): write amounts without a thousands separator (42000, not \"42,000\") and keep commas out of names.", split);
        var semicolons = Assert.Single(Read(Header.Replace(',', ';'), "a1;A;;SMB;Adoption;;;;;;;;;").Errors).ToString();
        Assert.Equal("line 1, column '(header)': the header has no ','; the columns must be separated by commas (this file looks ';'-separated, as a spreadsheet in some locales saves it).", semicolons);
    }

    [Fact]
    public void AStageInAnotherCase_IsTheModelsStage_SpeltAsTheModelSpellsIt()
    {
        var (rows, errors) = Read(Header, "a1,A,,SMB,onboarding,,,,,,,,,", "a2,B,,SMB,Onboarding,,,,,,,,,");
        PortfolioCsv.Validate(rows, errors, CustomerLifecycle.Stages.LifecycleStageModel.Default, new NodaTime.LocalDate(2026, 12, 1));
        Assert.Empty(errors);
        Assert.Equal(["Onboarding", "Onboarding"], rows.Select(r => r.Account.Stage.Value));
    }

    [Fact]
    public async Task InvalidRows_StopTheRun_UnlessSkipInvalidIsGiven()
    {
        var file = Path.GetTempFileName();
        try
        {
            var valid = new StringWriter();
            PortfolioCsv.Write(valid, PortfolioGenerator.Generate(50), PortfolioGenerator.Signals);
            await File.WriteAllTextAsync(file, valid + "bad,row\n");
            var (output, error) = (new StringWriter(), new StringWriter());
            Assert.Equal(SampleProgram.Refused, await SampleProgram.MainAsync(["--accounts", file, "--db", file + ".db"], output, error));
            Assert.False(File.Exists(file + ".db"));
            Assert.Contains("line 52, column '(row)'", error.ToString(), StringComparison.Ordinal);
            Assert.Contains("pass --skip-invalid", error.ToString(), StringComparison.Ordinal);

            (output, error) = (new StringWriter(), new StringWriter());
            Assert.Equal(0, await SampleProgram.MainAsync(["--accounts", file, "--skip-invalid", "--db", file + ".db", "--Sample:ForecastTrials=200"], output, error));
            Assert.Contains("running on 50 valid rows", error.ToString(), StringComparison.Ordinal);
            Assert.Contains("50 accounts as of 2026-11-22", output.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var f in Directory.GetFiles(Path.GetDirectoryName(file)!, Path.GetFileName(file) + "*"))
            {
                File.Delete(f);
            }
        }
    }

    [Fact]
    public async Task UsageSignals_ComeFromEvents_AndALaterRunIngestsOnlyTheNewDays()
    {
        var db = Path.Combine(Path.GetTempPath(), $"cl-usage-{Guid.NewGuid():N}.db");
        try
        {
            async Task<string> Run(params string[] args)
            {
                var (output, error) = (new StringWriter(), new StringWriter());
                Assert.Equal(0, await SampleProgram.MainAsync(["--db", db, "--Sample:ForecastTrials=200", .. args], output, error));
                return output.ToString().Split('\n').First(l => l.StartsWith("0. Usage", StringComparison.Ordinal));
            }

            static long Number(string line, string what) =>
                long.Parse(System.Text.RegularExpressions.Regex.Match(line, $"([0-9,]+) {what}").Groups[1].Value.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);

            // First run: 90 days of events (89 in columns, today with ids), nothing refused.
            var first = await Run();
            Assert.True(Number(first, "events applied") > 1_000_000, first);
            Assert.Equal(0, Number(first, "refused"));

            // The same day again: today's events are all duplicates; nothing is counted twice.
            var again = await Run();
            Assert.Equal(0, Number(again, "events applied"));
            var today = Number(again, "duplicates ignored");
            Assert.True(today > 0, again);

            // The next day: yesterday's events are duplicates again, and only the new day is applied.
            var next = await Run("--Sample:AsOf=2026-11-23");
            Assert.Equal(today, Number(next, "duplicates ignored"));
            Assert.InRange(Number(next, "events applied"), 1, 3 * today);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var f in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(db) + "*"))
            {
                File.Delete(f);
            }
        }
    }

    [Fact]
    public async Task ADayRunFromAParquetFileOfTheEvents_ScoresSegmentsAndActsAsTheDayThatIngestedThem()
    {
        // The simulated events written to Parquet as a warehouse exports them; DuckDB computes the signals over the
        // file. Every section after the usage one (stages, health, segments, playbooks, forecast) must be the same as
        // the run that ingested the same events.
        var folder = Directory.CreateTempSubdirectory("cl-sample-events-").FullName;
        try
        {
            async Task<string> Run(params string[] args)
            {
                var (output, error) = (new StringWriter(), new StringWriter());
                Assert.Equal(0, await SampleProgram.MainAsync(["--Sample:ForecastTrials=200", .. args], output, error));
                return output.ToString();
            }

            static string AfterUsage(string report) => string.Join('\n', report.Split('\n').SkipWhile(l => !l.StartsWith("1. Stages", StringComparison.Ordinal)).TakeWhile(l => !l.StartsWith("Timings", StringComparison.Ordinal)));

            var events = Path.Combine(folder, "events.parquet");
            Assert.Contains("usage events of 3,000 accounts", await Run("--generate-events", events, "--db", Path.Combine(folder, "g.db")), StringComparison.Ordinal);
            var ingested = await Run("--db", Path.Combine(folder, "a.db"));
            var fromFile = await Run("--db", Path.Combine(folder, "b.db"), "--events", events);

            Assert.Contains($"0. Usage         signals computed by DuckDB from {events}: 3,000 accounts", fromFile, StringComparison.Ordinal);
            Assert.Contains("2. Health", AfterUsage(fromFile), StringComparison.Ordinal);
            Assert.Equal(AfterUsage(ingested), AfterUsage(fromFile));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("events.txt", "--events: '{0}' is neither a .parquet nor a .csv file.")]
    [InlineData("missing.parquet", "--events: '{0}' does not exist; write one with --generate-events {0}.")]
    public async Task AnEventsFileThatCannotBeRead_IsRefusedBeforeAnythingRuns(string name, string message)
    {
        var file = Path.Combine(Path.GetTempPath(), $"cl-{Guid.NewGuid():N}-{name}");
        var db = Path.Combine(Path.GetTempPath(), $"cl-{Guid.NewGuid():N}.db");
        var (output, error) = (new StringWriter(), new StringWriter());
        Assert.Equal(SampleProgram.Refused, await SampleProgram.MainAsync(["--events", file, "--db", db], output, error));
        Assert.Equal(string.Format(System.Globalization.CultureInfo.InvariantCulture, message, file), error.ToString().Trim());
        Assert.Empty(output.ToString());
        Assert.False(File.Exists(db), "a refused run wrote its database");
    }

    [Fact]
    public async Task TheEmbeddedPortfolio_RunsThroughEveryStageOfThePipeline()
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var db = Path.Combine(Path.GetTempPath(), $"cl-sample-{Guid.NewGuid():N}.db");
        Assert.Equal(0, await SampleProgram.MainAsync(["--once", "--db", db, "--Sample:ForecastTrials=500"], output, error));
        var text = output.ToString();
        Assert.DoesNotContain("invalid", error.ToString(), StringComparison.OrdinalIgnoreCase); // the error stream carries only progress, if any
        foreach (var section in new[] { "3,000 accounts as of 2026-11-22", "first run", "0. Usage", "feature_adopted", "usage_milestone", "usage_dropped", "1. Stages", "2. Health", "The ten most at-risk accounts", "3. Segments", "4. Forecast", "churned logos: P10", "Retention after 12 months", "Log-rank test: chi-square", "5. Playbooks", "6. Statistics", "what drives churn", "seat_utilization", "proportional hazards (cox.zph): global p = ", "Revenue movements by month", "quick ratio" })
        {
            Assert.Contains(section, text, StringComparison.Ordinal);
        }

        // The day ran through the pipeline: its steps' times, as its ledger recorded them, close the report.
        Assert.Matches(@"Timings +preparing [0-9.]+ s, accounts [0-9.]+ s, usage [0-9.]+ s, stages [0-9.]+ s, health [0-9.]+ s, segments [0-9.]+ s, playbooks [0-9.]+ s, forecast [0-9.]+ s, report", text);
        Assert.Contains("api_adoption", File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "appsettings.json")), StringComparison.Ordinal);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var f in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(db) + "*"))
        {
            File.Delete(f);
        }
    }

    [Fact]
    public async Task AWrongConfigurationValue_StopsTheRun_NamingItsKey()
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        Assert.Equal(2, await SampleProgram.MainAsync(["--db", Path.Combine(Path.GetTempPath(), $"cl-sample-{Guid.NewGuid():N}.db"), "--CustomerLifecycle:Segmentation:Segments:Growth:Rule=seats.utilization >"], output, error));
        Assert.Contains("CustomerLifecycle:Segmentation:Segments:Growth:Rule: Line 1, column 20", error.ToString(), StringComparison.Ordinal);
    }
}
