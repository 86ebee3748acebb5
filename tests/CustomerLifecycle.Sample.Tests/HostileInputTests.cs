using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;

namespace CustomerLifecycle.Sample.Tests;

/// <summary>
/// The review's hostile inputs, as given: each is refused with one clear message and exit code 2, with nothing on the
/// output stream, and leaves the database as it was (row counts, open runs and <c>PRAGMA integrity_check</c>) or
/// uncreated.
/// </summary>
public sealed class HostileInputTests : IDisposable
{
    private const string Header = "id,name,owner,tier,stage,customer_since,churned_on,contract_start,renewal_date,currency,arr,seats,plan";
    private readonly string _directory = Directory.CreateTempSubdirectory("cl-hostile-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private string PathOf(string name) => Path.Combine(_directory, name);

    private static async Task<(int Exit, string Output, string Error)> Run(params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var exit = await SampleProgram.MainAsync(["--Sample:ForecastTrials=200", .. args], output, error);
        SqliteConnection.ClearAllPools();
        return (exit, output.ToString(), error.ToString());
    }

    private static async Task<(int Exit, string Output, string Error)> RunRaw(string[] args, string? contentRoot = null)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var exit = await SampleProgram.MainAsync(args, output, error, contentRoot);
        SqliteConnection.ClearAllPools();
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>A database after one full run of the embedded portfolio: over a thousand open runs.</summary>
    private async Task<string> Primed()
    {
        var db = PathOf("primed.db");
        var (exit, _, error) = await Run("--db", db);
        Assert.True(exit == 0, error);
        return db;
    }

    /// <summary>What a refused run must not change: every store's rows, the open runs, the pipeline's ledger, and the file's integrity.</summary>
    private static string State(string db)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        string Scalar(string sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)!;
        }

        return string.Join(
            "; ",
            $"integrity {Scalar("PRAGMA integrity_check")}",
            $"health records {Scalar("SELECT COUNT(*) FROM health_record")}",
            $"segment snapshots {Scalar("SELECT COUNT(*) FROM segment_snapshot")}",
            $"stage moves {Scalar("SELECT COUNT(*) FROM stage_transition")}",
            $"usage state {Scalar("SELECT as_of || ':' || length(state) FROM saved_state")}",
            $"pipeline {Scalar("SELECT group_concat(date || ':' || status || ':' || claims) FROM pipeline_run")}",
            $"runs {Scalar("SELECT COUNT(*) FROM playbook_run")}",
            $"open {Scalar("SELECT COUNT(*) FROM playbook_run WHERE status = 0")}",
            $"tasks {Scalar("SELECT COUNT(*) FROM playbook_task")}",
            $"handed off {Scalar("SELECT COUNT(*) FROM playbook_task WHERE state = 2")}");
    }

    private string Csv(string name, params string[] lines)
    {
        var file = PathOf(name);
        File.WriteAllLines(file, lines);
        return file;
    }

    private static string[] EmbeddedLines() =>
        File.ReadAllLines(Path.Combine(CustomerLifecycle.Testing.PublicApi.RepositoryRoot(), "samples", "CustomerLifecycle.Sample", "Data", "portfolio.csv"));

    [Fact]
    public async Task AHeaderOnlyCsv_IsRefused_AndCancelsNoOpenRun()
    {
        var db = await Primed();
        var before = State(db);
        Assert.True(int.Parse(System.Text.RegularExpressions.Regex.Match(before, "open ([0-9]+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 1000, before);

        var (exit, output, error) = await Run("--db", db, "--accounts", Csv("header.csv", EmbeddedLines()[0]), "--Sample:AsOf=2026-11-23");
        Assert.Equal(SampleProgram.Refused, exit);
        Assert.Equal(string.Empty, output);
        Assert.EndsWith("header.csv: no valid account; nothing was run (an empty portfolio would close every open playbook run).", error.Trim(), StringComparison.Ordinal);
        Assert.Equal(before, State(db));

        // --skip-invalid with every row invalid is the same empty portfolio.
        (exit, output, error) = await Run("--db", db, "--skip-invalid", "--accounts", Csv("invalid.csv", Header, "a1,A,,,,2026-13-01,,,,,,,", "a2,,,,,,,,,,,,"), "--Sample:AsOf=2026-11-23");
        Assert.Equal(SampleProgram.Refused, exit);
        Assert.Contains("no valid account", error, StringComparison.Ordinal);
        Assert.Equal(before, State(db));
    }

    [Fact]
    public async Task APartialPortfolio_KeepsTheOpenRunsOfTheAccountsItLacks()
    {
        var db = await Primed();
        var lines = EmbeddedLines();
        var present = lines.Skip(1).Take(300).Select(l => l[..l.IndexOf(',', StringComparison.Ordinal)]).ToHashSet(StringComparer.Ordinal);
        int OpenRunsOfAbsentAccounts()
        {
            using var connection = new SqliteConnection($"Data Source={db};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT account FROM playbook_run WHERE status = 0";
            using var reader = command.ExecuteReader();
            var count = 0;
            while (reader.Read())
            {
                count += present.Contains(reader.GetString(0)) ? 0 : 1;
            }

            return count;
        }

        var before = OpenRunsOfAbsentAccounts();
        Assert.True(before > 1000);
        var (exit, _, error) = await Run("--db", db, "--accounts", Csv("part.csv", lines[..301]), "--Sample:AsOf=2026-11-23");
        Assert.True(exit == 0, error);
        Assert.Equal(before, OpenRunsOfAbsentAccounts());
    }

    [Fact]
    public async Task AMassCancellation_IsRefusedUntilConfirmed_AndUntilThenCancelsNoRun()
    {
        var db = await Primed();
        int OpenRuns()
        {
            using var connection = new SqliteConnection($"Data Source={db};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM playbook_run WHERE status = 0";
            return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }

        // The next day's file has every account churned: all their open runs would be cancelled.
        var lines = EmbeddedLines();
        var churned = Csv("churned.csv", [lines[0], .. lines.Skip(1).Select(l =>
        {
            var cells = l.Split(',');
            (cells[4], cells[6]) = ("Churned", "2026-11-23");
            return string.Join(',', cells);
        })]);
        var open = OpenRuns();
        var (exit, output, error) = await Run("--db", db, "--accounts", churned, "--Sample:AsOf=2026-11-23");
        Assert.Equal(SampleProgram.Refused, exit);
        Assert.Equal(string.Empty, output);
        Assert.Contains($"would cancel {open:N0} of {open:N0} open playbook runs", error, StringComparison.Ordinal);
        Assert.EndsWith("run again with --confirm-cancellations.", error.Trim(), StringComparison.Ordinal);
        Assert.Equal(open, OpenRuns());

        (exit, output, error) = await Run("--db", db, "--accounts", churned, "--Sample:AsOf=2026-11-23", "--confirm-cancellations");
        Assert.True(exit == 0, error);
        Assert.Contains($"0 runs started now (0 tasks), {open:N0} cancelled", output, StringComparison.Ordinal);
        Assert.Equal(0, OpenRuns());
    }

    public static TheoryData<string, string[], string> RefusedRuns => new()
    {
        { "a date before the portfolio's", ["--Sample:AsOf=2026-11-21"], "is after the run's date 2026-11-21 (Sample:AsOf)." },
        { "no simulated quarter", ["--Sample:ForecastTrials=0"], "Sample:ForecastTrials: 0 is out of range; simulate 1 to 10000000 quarters." },
        { "too many simulated quarters", ["--Sample:ForecastTrials=100000000"], "Sample:ForecastTrials: 100000000 is out of range" },
        { "trials that are not a number", ["--Sample:ForecastTrials=many"], "Sample:ForecastTrials: 'many' is not a whole number" },
        { "a negative seed", ["--Sample:Seed=-1"], "Sample:Seed: '-1' is not a whole number from 0 to 18446744073709551615." },
        { "a date trigger two billion days out", ["--CustomerLifecycle:Playbooks:Playbooks:win-back:Trigger:Kind=Date", "--CustomerLifecycle:Playbooks:Playbooks:win-back:Trigger:Anchor=ChurnedOn", "--CustomerLifecycle:Playbooks:Playbooks:win-back:Trigger:OffsetDays=2000000000"], "CustomerLifecycle:Playbooks:Playbooks:win-back:Trigger:OffsetDays: must be within ±36600 days, about a hundred years (was 2000000000)." },
        { "a typo in a key", ["--Sample:AsOff=2026-11-22"], "Sample:AsOff: not a setting of SampleOptions; did you mean 'AsOf'?" },
        { "a typo in an option", ["--acounts", "big.csv"], "Unknown option '--acounts'; did you mean '--accounts'?" },
        { "an option without its dashes' section", ["--skip-invalids"], "Unknown option '--skip-invalids'; did you mean '--skip-invalid'?" },
        { "a typo with a value", ["--dbb=x.db"], "Unknown option '--dbb'; did you mean '--db'?" },
    };

    [Theory]
    [MemberData(nameof(RefusedRuns))]
    public async Task ARefusedRun_WritesNothing_AndCreatesNoDatabase(string why, string[] args, string message)
    {
        var fresh = PathOf("fresh.db");
        var (exit, output, error) = await Run(["--db", fresh, .. args]);
        Assert.True(exit == SampleProgram.Refused, why);
        Assert.Equal(string.Empty, output);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal); // no stack trace
        Assert.False(File.Exists(fresh), "a refused run created " + fresh);

        var db = await Primed();
        var before = State(db);
        (exit, _, _) = await Run(["--db", db, .. args]);
        Assert.Equal(SampleProgram.Refused, exit);
        Assert.Equal(before, State(db));
    }

    [Theory]
    [InlineData("a1,A,,SMB,Adoption,2030-01-01,,,,,,,", "line 3, column 'customer_since': 2030-01-01 is after the run's date 2026-11-22 (Sample:AsOf).")]
    [InlineData("a1,A,,SMB,Adoption,2020-01-01,9999-12-31,,,,,,", "line 3, column 'churned_on': 9999-12-31 is after the run's date 2026-11-22 (Sample:AsOf).")]
    [InlineData("a1,A,,SMB,Adoption,2020-01-01,2019-06-30,,,,,,", "line 3, column 'churned_on': 2019-06-30 is before customer_since 2020-01-01.")]
    [InlineData("a1,A,,SMB,Renewal,2020-01-01,,,,,,,", "line 3, column 'stage': 'Renewal' is not a stage of the model (Outreach, Connection, Conversion, Onboarding, Adoption, ValueRealization, Expansion, Advocacy, Churned).")]
    public async Task RowsThatContradictTheModelOrTheDate_AreRefusedUpFront(string row, string message)
    {
        var db = await Primed();
        var before = State(db);
        var (exit, output, error) = await Run("--db", db, "--accounts", Csv("rows.csv", Header, "a0,Fine,,SMB,Adoption,2020-01-01,,,,,,,", row));
        Assert.Equal(SampleProgram.Refused, exit);
        Assert.Equal(string.Empty, output);
        Assert.Contains("rows.csv: " + message, error, StringComparison.Ordinal);
        Assert.Equal(before, State(db));
        Assert.False(File.Exists(PathOf("fresh.db")));
        (exit, _, _) = await Run("--db", PathOf("fresh.db"), "--accounts", PathOf("rows.csv"));
        Assert.Equal(SampleProgram.Refused, exit);
        Assert.False(File.Exists(PathOf("fresh.db")));
    }

    [Fact]
    public async Task ConfigurationErrorsOfSeveralPackages_AreOneReport_WithEveryFullKey()
    {
        var section = "--CustomerLifecycle:";
        var (exit, output, error) = await RunRaw(
        [
            "--db", PathOf("fresh.db"),
            section + "TimeZone=Mars/Olympus",
            section + "Segmentation:Membership=Sometimes",
            section + "Forecasting:Breakdown=Week",
            section + "HealthScoring:Scorecards:sample:Factors:2:Weight=heavy",
            section + "HealthScoring:Scorecards:sample:Factors:1:Weigth=3",
            section + "HealthScoring:Scorecards:sample:RedBellow=30",
            section + "Playbooks:Teams:Executive:Strategy=Random",
            section + "Playbooks:Weekend:0=Caturday",
            section + "Segmentation:Segments:Growth:Enabled=maybe",
            section + "Forecasting:ColorProbabilities:Purple=0.5",
            section + "Playbooks:Playbooks:strategic-escalation:Steps:0:Channel=Pigeon",
            section + "Playbooks:Playbooks:strategic-escalation:Trigger:OffsetDays=99999999999",
            section + "Segmentation:Segments:StrategicAtRisk:Rule=tier ==",
            section + "Segmentation:Segments:Loop:Rule=segment(\"Loop\")",
            "--Sample:ForecastTrials=many",
        ]);
        Assert.Equal(SampleProgram.Refused, exit);
        Assert.Equal(string.Empty, output);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("The configuration is not valid:", lines[0]);
        Assert.Equal(lines.Length, lines.Distinct().Count());
        string[] expected =
        [
            "CustomerLifecycle:TimeZone: 'Mars/Olympus' is not a tzdb time zone id",
            "CustomerLifecycle:Segmentation:Membership: 'Sometimes' is not one of Overlapping, Exclusive.",
            "CustomerLifecycle:Forecasting:Breakdown: 'Week' is not one of Month, Quarter.",
            "CustomerLifecycle:HealthScoring:Scorecards:sample:Factors:2:Weight: 'heavy' is not a number",
            "CustomerLifecycle:HealthScoring:Scorecards:sample:Factors:1:Weigth: not a setting of ScorecardFactorOptions; did you mean 'Weight'?",
            "CustomerLifecycle:HealthScoring:Scorecards:sample:RedBellow: not a setting of ScorecardOptions; did you mean 'RedBelow'?",
            "CustomerLifecycle:Playbooks:Teams:Executive:Strategy: 'Random' is not one of RoundRobin, LeastLoaded.",
            "CustomerLifecycle:Playbooks:Weekend:0: 'Caturday' is not one of",
            "CustomerLifecycle:Segmentation:Segments:Growth:Enabled: 'maybe' is not true or false.",
            "CustomerLifecycle:Forecasting:ColorProbabilities:Purple: 'Purple' is not one of Red, Yellow, Green.",
            "CustomerLifecycle:Playbooks:Playbooks:strategic-escalation:Steps:0:Channel: 'Pigeon' is not one of Email, InApp, Call, Meeting.",
            "CustomerLifecycle:Playbooks:Playbooks:strategic-escalation:Trigger:OffsetDays: '99999999999' is not a whole number",
            "CustomerLifecycle:Segmentation:Segments:StrategicAtRisk:Rule: Line 1, column 8",
            "CustomerLifecycle:Segmentation:Segments:Loop: Segment references form a cycle",
            "Sample:ForecastTrials: 'many' is not a whole number",
        ];
        foreach (var line in expected)
        {
            Assert.Contains(lines, l => l.StartsWith(line, StringComparison.Ordinal));
        }

        Assert.DoesNotContain("Hosting failed", error, StringComparison.Ordinal);
        Assert.False(File.Exists(PathOf("fresh.db")));
    }

    [Theory]
    [InlineData("{ \"CustomerLifecycle\": { \"TimeZone\": \"Etc/UTC\", ")]
    [InlineData("{ \"Sample\": { \"AsOf\": \"2026-11-22\", \"asof\": \"2026-11-23\" } }")]
    public async Task AMalformedAppSettingsFile_IsOneLine_Exit2(string json)
    {
        var root = Directory.CreateDirectory(PathOf("root")).FullName;
        File.WriteAllText(Path.Combine(root, "appsettings.json"), json);
        var (exit, output, error) = await RunRaw(["--db", PathOf("fresh.db")], root);
        Assert.Equal(SampleProgram.Refused, exit);
        Assert.Equal(string.Empty, output);
        Assert.StartsWith("The configuration could not be read: ", error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(File.Exists(PathOf("fresh.db")));
    }

    [Fact]
    public async Task BadInputFilesAndArguments_AreRefused_NamingTheLineColumnOrArgument()
    {
        var db = PathOf("fresh.db");
        var cases = new (string[] Args, string Message)[]
        {
            (["--db", db, "--accounts", Csv("dup.csv", Header + ",seats", "a1,A,,,,,,,,,,,,")], PathOf("dup.csv") + ": line 1, column 'seats': the header names these columns more than once."),
            (["--db", db, "--accounts", PathOf("missing.csv")], $"--accounts: '{PathOf("missing.csv")}' does not exist."),
            (["--db", db, "--accounts", _directory], $"--accounts: '{_directory}' is a folder, not a CSV file."),
            (["--db", db, "--accounts"], "--accounts: needs a file path (--accounts FILE)."),
            (["--db", db, "--accounts", "--skip-invalid"], "--accounts: needs a file path (--accounts FILE)."),
            (["--db"], "--db: needs a file path (--db FILE)."),
        };
        foreach (var (args, message) in cases)
        {
            var (exit, output, error) = await Run(args);
            Assert.True(exit == SampleProgram.Refused, string.Join(' ', args));
            Assert.Equal(string.Empty, output);
            Assert.StartsWith(message, error, StringComparison.Ordinal);
            Assert.False(File.Exists(db));
        }
    }

    [Fact]
    public async Task ABadDatabaseFile_IsOneLine_Exit2_AndStaysAsItWas()
    {
        var primed = await Primed();
        var bytes = File.ReadAllBytes(primed);
        var garbage = PathOf("garbage.db");
        File.WriteAllBytes(garbage, RandomNumberGenerator.GetBytes(64 * 1024));
        var truncated = PathOf("truncated.db");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var corrupted = PathOf("corrupted.db");
        var damaged = (byte[])bytes.Clone();
        Array.Fill(damaged, (byte)0xA5, 4096 * 3, 4096 * 4);
        File.WriteAllBytes(corrupted, damaged);
        var foreign = PathOf("foreign.db");
        using (var connection = new SqliteConnection($"Data Source={foreign};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES (1, 9.5);";
            command.ExecuteNonQuery();
        }

        var earlier = PathOf("earlier.db");
        using (var connection = new SqliteConnection($"Data Source={earlier};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE snapshot (as_of TEXT, account TEXT); CREATE TABLE usage_state (id INTEGER PRIMARY KEY, as_of TEXT, state BLOB); CREATE TABLE stage_transition (account TEXT, from_stage TEXT, to_stage TEXT, on_date TEXT, actor TEXT);";
            command.ExecuteNonQuery();
        }

        var cases = new (string File, string Message)[]
        {
            (earlier, $"--db: '{earlier}' was written by an earlier version of the sample (tables snapshot, usage_state), whose state this one does not read; delete it to start afresh, or name another file."),
            (garbage, $"--db: '{garbage}' is not a SQLite database"),
            (truncated, $"--db: '{truncated}' is damaged"),
            (corrupted, $"--db: '{corrupted}' is damaged"),
            (foreign, $"--db: '{foreign}' is not this sample's database (tables it does not know: invoices); name another file."),
            (_directory, $"--db: '{_directory}' is a folder, not a database file; name a file in it."),
            (PathOf("no/such/folder/s.db"), $"--db: the folder '{PathOf("no/such/folder")}' does not exist"),
        };
        foreach (var (file, message) in cases)
        {
            var hash = File.Exists(file) ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file))) : null;
            var (exit, output, error) = await Run("--db", file);
            Assert.True(exit == SampleProgram.Refused, file + ": " + error);
            Assert.Equal(string.Empty, output);
            Assert.StartsWith(message, error, StringComparison.Ordinal);
            Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal(hash, File.Exists(file) ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file))) : null);
            Assert.False(File.Exists(file + "-wal") && new FileInfo(file + "-wal").Length > 0, "a refused run wrote a WAL for " + file);
        }
    }

    [Fact]
    public async Task AReadOnlyDatabaseFile_IsOneLine_Exit2()
    {
        var db = await Primed();
        var before = State(db);

        // Root ignores permission bits; the immutable attribute holds even for root, where the file system has it.
        if (!Immutable(db, on: true) && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(db, UnixFileMode.UserRead);
            if (Environment.UserName == "root")
            {
                // Neither chattr +i nor permissions make a file read-only for root here (a file system without the
                // immutable attribute); xunit 2 cannot skip at run time, so this machine checks nothing more.
                return;
            }
        }

        try
        {
            var (exit, output, error) = await Run("--db", db);
            Assert.Equal(SampleProgram.Refused, exit);
            Assert.Equal(string.Empty, output);
            Assert.StartsWith($"--db: '{db}' ", error, StringComparison.Ordinal);
            Assert.Contains("read-only", error, StringComparison.Ordinal);
            Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            Immutable(db, on: false);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(db, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        Assert.Equal(before, State(db));
    }

    private static bool Immutable(string file, bool on)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("chattr", [on ? "+i" : "-i", file]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
