using CustomerLifecycle;
using CustomerLifecycle.Forecasting;
using CustomerLifecycle.HealthScoring;
using CustomerLifecycle.Playbooks;
using CustomerLifecycle.Sample;
using CustomerLifecycle.Segmentation;
using CustomerLifecycle.Stages;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NodaTime;
using NodaTime.Text;

// dotnet run --project samples/CustomerLifecycle.Sample [-- --accounts FILE] [--skip-invalid] [--generate FILE]
return await SampleProgram.MainAsync(args, Console.Out, Console.Error);

internal static class SampleProgram
{
    public static async Task<int> MainAsync(string[] args, TextWriter output, TextWriter error)
    {
        string? accountsFile = null, generateFile = null, databaseFile = null, htmlFile = null;
        var skipInvalid = false;
        var hostArgs = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--accounts" when i + 1 < args.Length:
                    accountsFile = args[++i];
                    break;
                case "--html" when i + 1 < args.Length:
                    htmlFile = args[++i];
                    break;
                case "--db" when i + 1 < args.Length:
                    databaseFile = args[++i];
                    break;
                case "--generate" when i + 1 < args.Length:
                    generateFile = args[++i];
                    break;
                case "--skip-invalid":
                    skipInvalid = true;
                    break;
                case "--help" or "-h":
                    output.WriteLine("Usage: CustomerLifecycle.Sample [--accounts FILE] [--skip-invalid] [--db FILE] [--html FILE] [--generate FILE] [--Sample:AsOf=yyyy-MM-dd]");
                    return 0;
                default:
                    hostArgs.Add(args[i]);
                    break;
            }
        }

        if (generateFile is not null)
        {
            await using var file = File.CreateText(generateFile);
            PortfolioCsv.Write(file, PortfolioGenerator.Generate(), PortfolioGenerator.Signals);
            output.WriteLine($"Wrote the sample portfolio to {generateFile}.");
            return 0;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [.. hostArgs], ContentRootPath = AppContext.BaseDirectory });
        var asOfText = builder.Configuration["Sample:AsOf"] ?? "2026-11-22";
        var asOf = LocalDatePattern.Iso.Parse(asOfText);
        if (!asOf.Success)
        {
            error.WriteLine($"Sample:AsOf: '{asOfText}' is not a date as yyyy-MM-dd.");
            return 2;
        }

        var database = new SampleDatabase(databaseFile ?? Path.Combine(AppContext.BaseDirectory, "sample.db"));
        builder.Services.AddSingleton(database);
        var lifecycle = builder.Configuration.GetSection("CustomerLifecycle");
        builder.Services.AddCustomerLifecycle(lifecycle)
            .UseClock(new FixedClock(asOf.Value.At(new LocalTime(9, 0)).InUtc().ToInstant()))
            .AddHealthScoring(lifecycle.GetSection("HealthScoring"), h => h.AddFactor<ApiAdoptionFactor>())
            .AddSegmentation(lifecycle.GetSection("Segmentation"))
            .AddForecasting(lifecycle.GetSection("Forecasting"))
            .AddPlaybooks(lifecycle.GetSection("Playbooks"), p => p.UseStore<SqlitePlaybookRunStore>());

        using var host = builder.Build();
        try
        {
            // Start-up validation: a wrong value stops the run here, naming its key.
            await host.StartAsync().ConfigureAwait(false);
        }
        catch (OptionsValidationException e)
        {
            error.WriteLine("The configuration is not valid:");
            foreach (var failure in e.Failures)
            {
                error.WriteLine("  " + failure);
            }

            return 2;
        }

        var (rows, errors) = LoadPortfolio(accountsFile, error);
        if (errors.Count > 0)
        {
            foreach (var e in errors.Take(20))
            {
                error.WriteLine($"{accountsFile ?? "portfolio.csv"}: {e}");
            }

            if (errors.Count > 20)
            {
                error.WriteLine($"... and {errors.Count - 20} more.");
            }

            if (!skipInvalid)
            {
                error.WriteLine($"{errors.Count} invalid row(s); nothing was run. Fix them, or pass --skip-invalid to run on the {rows.Count} valid rows.");
                return 1;
            }

            error.WriteLine($"Skipping {errors.Count} invalid row(s); running on {rows.Count} valid rows.");
        }

        var services = host.Services;
        var run = new SampleRun(
            services.GetRequiredService<LifecycleStageMachine>(),
            services.GetRequiredService<HealthScorer>(),
            services.GetRequiredService<Segmenter>(),
            services.GetRequiredService<RenewalForecaster>(),
            services.GetRequiredService<PlaybookEngine>(),
            services.GetRequiredService<IPlaybookRunStore>(),
            services.GetRequiredService<BusinessClock>(),
            database,
            output,
            error);
        var result = await run.RunAsync(rows, builder.Configuration.GetValue("Sample:ForecastTrials", 10_000), builder.Configuration.GetValue<ulong>("Sample:Seed", 42)).ConfigureAwait(false);
        if (htmlFile is not null)
        {
            await File.WriteAllTextAsync(htmlFile, Dashboard.Render(result.Today, result.Scores, database.ScoreTrend(), result.Retention, result.Forecast, result.Range, result.TasksDueSoon)).ConfigureAwait(false);
            output.WriteLine();
            output.WriteLine($"Dashboard written to {htmlFile}.");
        }

        await host.StopAsync().ConfigureAwait(false);
        return 0;
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
