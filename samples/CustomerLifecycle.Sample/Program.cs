using CustomerLifecycle.Hosting;
using CustomerLifecycle.Playbooks;
using CustomerLifecycle.Sample;
using CustomerLifecycle.Stages;
using CustomerLifecycle.Usage.DuckDb;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NodaTime;

// dotnet run --project samples/CustomerLifecycle.Sample [-- --accounts FILE] [--skip-invalid] [--generate FILE]
// Runs the day once through the daily pipeline (CustomerLifecycle.Hosting) and prints the report.
return await SampleProgram.MainAsync(args, Console.Out, Console.Error);

/// <summary>
/// The sample's command line. Exit codes: 0 done; 2 refused before anything was written (arguments, configuration,
/// input file, database), with one report on the error stream and nothing on the output stream.
/// </summary>
internal static class SampleProgram
{
    public const int Refused = 2;

    private const string Usage = "Usage: CustomerLifecycle.Sample [--once] [--accounts FILE] [--skip-invalid] [--db FILE] [--html FILE] [--generate FILE] [--events FILE.parquet|FILE.csv] [--generate-events FILE.parquet] [--confirm-cancellations] [--Sample:AsOf=yyyy-MM-dd]";

    private static readonly string[] Options = ["--once", "--accounts", "--skip-invalid", "--db", "--html", "--generate", "--events", "--generate-events", "--confirm-cancellations", "--help"];

    private static readonly string[] HostSwitches = ["--environment", "--contentRoot", "--applicationName"];

    /// <summary>The refusal for an argument that is neither an option nor a configuration override, naming the nearest option; null when it is fine.</summary>
    internal static string? UnknownOption(string argument)
    {
        if (!argument.StartsWith('-'))
        {
            return null; // a value (of a "--Section:Key value" override)
        }

        var name = argument.Split('=', 2)[0];
        var key = name.TrimStart('-', '/');
        if (key.Contains(':', StringComparison.Ordinal) || HostSwitches.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            return null;
        }

        var nearest = Options.MinBy(o => Distance(o, name.StartsWith("--", StringComparison.Ordinal) ? name : "--" + key));
        return $"Unknown option '{name}'; did you mean '{nearest}'? Settings are given as --Section:Key=value (for example --Sample:AsOf=2026-11-22). {Usage}";
    }

    // Edit distance (insertions, deletions, substitutions), for the nearest option to a typo.
    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var diagonal = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1));
                diagonal = above;
            }
        }

        return row[b.Length];
    }

    public static async Task<int> MainAsync(string[] args, TextWriter output, TextWriter error, string? contentRoot = null)
    {
        string? accountsFile = null, generateFile = null, databaseFile = null, htmlFile = null, eventsFile = null, generateEventsFile = null;
        bool skipInvalid = false, confirmCancellations = false;
        var hostArgs = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--accounts":
                    accountsFile = FileArgument(args, ref i, error);
                    if (accountsFile is null)
                    {
                        return Refused;
                    }

                    break;
                case "--html":
                    htmlFile = FileArgument(args, ref i, error);
                    if (htmlFile is null)
                    {
                        return Refused;
                    }

                    break;
                case "--db":
                    databaseFile = FileArgument(args, ref i, error);
                    if (databaseFile is null)
                    {
                        return Refused;
                    }

                    break;
                case "--generate":
                    generateFile = FileArgument(args, ref i, error);
                    if (generateFile is null)
                    {
                        return Refused;
                    }

                    break;
                case "--events":
                    eventsFile = FileArgument(args, ref i, error);
                    if (eventsFile is null)
                    {
                        return Refused;
                    }

                    break;
                case "--generate-events":
                    generateEventsFile = FileArgument(args, ref i, error);
                    if (generateEventsFile is null)
                    {
                        return Refused;
                    }

                    break;
                case "--skip-invalid":
                    skipInvalid = true;
                    break;
                case "--confirm-cancellations":
                    confirmCancellations = true;
                    break;
                case "--once":
                    // The default: run the day now and exit (samples/CustomerLifecycle.Worker is the long-running form).
                    break;
                case "--help" or "-h":
                    output.WriteLine(Usage);
                    return 0;
                default:
                    // Configuration overrides name a section (--Sample:AsOf=..., --CustomerLifecycle:TimeZone ...); the
                    // host's own switches are taken too. Anything else is a mistyped option, not a setting to ignore.
                    if (UnknownOption(args[i]) is { } unknown)
                    {
                        error.WriteLine(unknown);
                        return Refused;
                    }

                    hostArgs.Add(args[i]);
                    break;
            }
        }

        if (EventsFileProblem(eventsFile, generateEventsFile) is { } eventsProblem)
        {
            error.WriteLine(eventsProblem);
            return Refused;
        }

        if (generateFile is not null)
        {
            await using var file = File.CreateText(generateFile);
            PortfolioCsv.Write(file, PortfolioGenerator.Generate(), PortfolioGenerator.Signals);
            output.WriteLine($"Wrote the sample portfolio to {generateFile}.");
            return 0;
        }

        // 1. Configuration: every error of every section in one report, before anything is read or written.
        HostApplicationBuilder builder;
        try
        {
            builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [.. hostArgs], ContentRootPath = contentRoot ?? AppContext.BaseDirectory });
        }
        catch (Exception e) when (e is InvalidDataException or FormatException)
        {
            error.WriteLine($"The configuration could not be read: {e.Message}{(e.InnerException is { } inner ? " " + inner.Message : string.Empty)}");
            return Refused;
        }

        var lifecycle = builder.Configuration.GetSection("CustomerLifecycle");
        builder.Services.AddOptions<SampleOptions>().BindStrictly(builder.Configuration.GetSection(SampleOptions.SectionName)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<SampleOptions>, SampleOptionsValidator>();
        builder.Services.AddSingleton<IClock>(sp => new FixedClock(sp.GetRequiredService<IOptions<SampleOptions>>().Value.Date.At(new LocalTime(9, 0)).InUtc().ToInstant()));
        var database = new SampleDatabase(databaseFile ?? Path.Combine(AppContext.BaseDirectory, "sample.db"));
        var inputs = new SampleInputs();
        var composition = builder.Services.AddCustomerLifecycle(lifecycle)
            .AddHealthScoring(lifecycle.GetSection("HealthScoring"), h => h.AddFactor<ApiAdoptionFactor>())
            .AddSegmentation(lifecycle.GetSection("Segmentation"))
            .AddForecasting(lifecycle.GetSection("Forecasting"))
            .AddUsage(lifecycle.GetSection("Usage"))
            .AddPlaybooks(lifecycle.GetSection("Playbooks"));

        // The storage refuses a file it could not write when it is configured; that refusal is reported with the
        // database's other problems, after the configuration's (step 2).
        string? storageProblem = null;
        try
        {
            composition.AddSqliteStorage(database.ConnectionString);
        }
        catch (ArgumentException e)
        {
            storageProblem = $"--db: {e.Message}";
        }

        composition.AddLifecyclePipeline(p => p.Configure(o => o.Schedule = false));

        // Usage events in a file: the usage step takes its signals from DuckDB over it instead of simulating events.
        if (eventsFile is not null)
        {
            inputs.EventsFile = eventsFile;
            composition.AddDuckDbUsageSignals(IsCsv(eventsFile) ? DuckDbUsageEvents.Csv(eventsFile) : DuckDbUsageEvents.Parquet(eventsFile));
        }

        builder.Services.AddSingleton<IAccountSource>(inputs);

        // The usage step runs only with an event source: a portfolio over the limit keeps its file's usage columns, so
        // it gets none (the factory runs when the pipeline is first resolved, after the file is read).
        builder.Services.AddSingleton<IUsageEventSource>(_ => inputs.SimulatesUsage ? inputs.Events : null!);

        using var host = builder.Build();
        var failures = ConfigurationFailures(host.Services);
        if (failures.Count > 0)
        {
            error.WriteLine("The configuration is not valid:");
            foreach (var failure in failures)
            {
                error.WriteLine("  " + failure);
            }

            return Refused;
        }

        var sample = host.Services.GetRequiredService<IOptions<SampleOptions>>().Value;

        // 2. The database: checked, not created (a first run creates it when it writes its results).
        if ((database.Check() ?? storageProblem) is { } problem)
        {
            error.WriteLine(problem);
            return Refused;
        }

        // 3. The portfolio: every row read and checked against the model and the run's date.
        var source = accountsFile ?? "portfolio.csv";
        if (accountsFile is not null && !File.Exists(accountsFile))
        {
            error.WriteLine(Directory.Exists(accountsFile) ? $"--accounts: '{accountsFile}' is a folder, not a CSV file." : $"--accounts: '{accountsFile}' does not exist.");
            return Refused;
        }

        var (rows, errors) = LoadPortfolio(accountsFile, error);
        if (errors.Count == 0 || errors[0].Line > 1)
        {
            PortfolioCsv.Validate(rows, errors, host.Services.GetRequiredService<LifecycleStageModel>(), sample.Date);
        }

        if (errors.Count > 0)
        {
            foreach (var e in errors.Take(20))
            {
                error.WriteLine($"{source}: {e}");
            }

            if (errors.Count > 20)
            {
                error.WriteLine($"... and {errors.Count - 20} more.");
            }

            if (!skipInvalid || errors[0].Line == 1)
            {
                error.WriteLine(errors[0].Line == 1
                    ? "The file cannot be read; nothing was run."
                    : $"{errors.Count} invalid row(s); nothing was run. Fix them, or pass --skip-invalid to run on the {rows.Count} valid rows.");
                return Refused;
            }
        }

        if (rows.Count == 0)
        {
            error.WriteLine($"{source}: no valid account; nothing was run (an empty portfolio would close every open playbook run).");
            return Refused;
        }

        if (errors.Count > 0)
        {
            error.WriteLine($"Skipping {errors.Count} invalid row(s); running on {rows.Count} valid rows.");
        }

        inputs.Rows = rows;
        if (generateEventsFile is not null)
        {
            var (count, first) = await UsageEventsFile.WriteAsync(generateEventsFile, rows, sample.Seed, host.Services).ConfigureAwait(false);
            output.WriteLine($"Wrote {count:N0} usage events of {rows.Count:N0} accounts ({first:uuuu-MM-dd} to {sample.Date:uuuu-MM-dd}) to {generateEventsFile}; run the day from it with --events {generateEventsFile}.");
            return 0;
        }

        await host.StartAsync().ConfigureAwait(false);
        SampleResult? result;
        try
        {
            result = await new SampleRun(host.Services, inputs, database, output).RunAsync(sample.ForecastTrials, sample.Seed, confirmCancellations).ConfigureAwait(false);
        }
        catch (PipelineStepFailedException e) when (e.InnerException is MassCancellationException mass)
        {
            // The run is recorded as failed at the playbook step: no playbook run was created or cancelled, and the
            // day's stage, health and segment records are replaced when the date runs again.
            error.WriteLine();
            error.WriteLine($"{source}: {mass.Message.Replace("evaluate again with allowMassCancellation: true", "run again with --confirm-cancellations", StringComparison.Ordinal)}");
            return Refused;
        }

        if (result is null)
        {
            await host.StopAsync().ConfigureAwait(false);
            return 0;
        }

        if (htmlFile is not null)
        {
            await File.WriteAllTextAsync(htmlFile, Dashboard.Render(result.Today, result.Scores, result.ScoreTrend, result.Retention, result.Forecast, result.Range, result.TasksDueSoon, result.Statistics, result.Experiment)).ConfigureAwait(false);
            output.WriteLine();
            output.WriteLine($"Dashboard written to {htmlFile}.");
        }

        await host.StopAsync().ConfigureAwait(false);
        return 0;
    }

    private static bool IsCsv(string file) => file.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);

    /// <summary>What is wrong with the events file options, or null.</summary>
    private static string? EventsFileProblem(string? events, string? generate)
    {
        if (events is not null && generate is not null)
        {
            return "--events and --generate-events: give one (generate a file first, then run the day from it).";
        }

        if (events is not null && !events.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) && !IsCsv(events))
        {
            return $"--events: '{events}' is neither a .parquet nor a .csv file.";
        }

        if (events is not null && !File.Exists(events))
        {
            return Directory.Exists(events) ? $"--events: '{events}' is a folder; name a file." : $"--events: '{events}' does not exist; write one with --generate-events {events}.";
        }

        if (generate is not null && !generate.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) && !IsCsv(generate))
        {
            return $"--generate-events: '{generate}' is neither a .parquet nor a .csv file.";
        }

        return null;
    }

    // The value after an option that takes a file; null, with the reason written, when there is none.
    private static string? FileArgument(string[] args, ref int i, TextWriter error)
    {
        if (i + 1 >= args.Length || args[i + 1].Length == 0 || args[i + 1].StartsWith("--", StringComparison.Ordinal))
        {
            error.WriteLine($"{args[i]}: needs a file path ({args[i]} FILE).");
            error.WriteLine(Usage);
            return null;
        }

        return args[++i];
    }

    /// <summary>
    /// Runs every start-up validation (what the host would run on start) and gathers the failures of every options
    /// type into one list: the framework throws one exception per type, or an <see cref="AggregateException"/> of them.
    /// </summary>
    internal static List<string> ConfigurationFailures(IServiceProvider services)
    {
        try
        {
            services.GetRequiredService<IStartupValidator>().Validate();
            return [];
        }
        catch (OptionsValidationException e)
        {
            return [.. e.Failures];
        }
        catch (AggregateException e)
        {
            // One options type's validation can surface another's failure too (a validator that needs a Core service):
            // each failure once.
            return [.. e.Flatten().InnerExceptions.SelectMany(x => x is OptionsValidationException v ? v.Failures : [x.Message]).Distinct(StringComparer.Ordinal)];
        }
    }

    internal static (List<PortfolioRow> Rows, List<CsvError> Errors) LoadPortfolio(string? file, TextWriter progress)
    {
        if (file is not null)
        {
            // Progress on anything that takes longer than a second: a large --accounts file.
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var shown = false;
            using var reader = File.OpenText(file);
            var read = PortfolioCsv.Read(reader, rows =>
            {
                if (watch.Elapsed > TimeSpan.FromSeconds(1))
                {
                    progress.Write($"\rreading {file}: {rows:N0} rows");
                    shown = true;
                }
            });
            if (shown)
            {
                progress.WriteLine($"\rreading {file}: {read.Rows.Count + read.Errors.Count:N0} rows, done.");
            }

            return read;
        }

        using var stream = typeof(SampleProgram).Assembly.GetManifestResourceStream("portfolio.csv")
            ?? throw new InvalidOperationException("The embedded sample portfolio is missing from the build.");
        using var embedded = new StreamReader(stream);
        return PortfolioCsv.Read(embedded);
    }
}
