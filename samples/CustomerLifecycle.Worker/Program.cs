// The long-running sample: the daily pipeline as a worker. It runs the day at 06:00 New York time (and at start when
// the day is due), keeps its ledger and playbook runs in a SQLite file, logs what it runs and each step, serves its
// health at /healthz and its metrics for Prometheus at /metrics (Worker:Http, http://localhost:5080), and prints both
// to the console. `--once` runs today's pipeline and exits, with no port open (what most tests use).
using CustomerLifecycle.Hosting;
using CustomerLifecycle.Worker;
using OpenTelemetry.Metrics;

var once = args.Contains("--once");
string[] hostArgs = [.. args.Where(a => a != "--once")];

// Scheduled, the worker serves /healthz and /metrics (Prometheus) on Worker:Http; with --once it runs one date and
// exits, so it opens no port (several --once workers run side by side in the tests).
IHostApplicationBuilder builder = once
    ? Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = hostArgs, ContentRootPath = AppContext.BaseDirectory })
    : WebApplication.CreateBuilder(new WebApplicationOptions { Args = hostArgs, ContentRootPath = AppContext.BaseDirectory });
var worker = builder.Configuration.GetSection("Worker");
var database = Path.GetFullPath(worker["Database"] ?? "worker.db", Environment.CurrentDirectory);
builder.Services.AddSingleton<IAccountSource>(new GeneratedAccounts(int.Parse(worker["Accounts"] ?? "2000", System.Globalization.CultureInfo.InvariantCulture)));
var lifecycle = builder.Services.AddCustomerLifecycle(builder.Configuration.GetSection("CustomerLifecycle"))
    .AddHealthScoring()
    .AddSegmentation()
    .AddForecasting()
    .AddPlaybooks();

// Worker:PostgreSql (a connection string) keeps everything on PostgreSQL, in Worker:Schema: several workers on one
// database share the days (and, with CustomerLifecycle:Pipeline:Shards, each day's shards). Otherwise a SQLite file.
lifecycle = worker["PostgreSql"] is { Length: > 0 } postgres
    ? lifecycle.AddPostgreSqlStorage(postgres, o => o.Schema = worker["Schema"] ?? o.Schema)
    : lifecycle.AddSqliteStorage($"Data Source={database}");
lifecycle
    .AddLifecyclePipeline(builder.Configuration.GetSection("CustomerLifecycle:Pipeline"), p => p.Configure(o => o.Schedule = !once));
builder.Services.AddHealthChecks().AddLifecyclePipelineCheck();
builder.Services.AddHostedService<ConsoleMetrics>();
using var host = Build(builder, worker["Http"]);

if (once)
{
    await host.StartAsync();
    // Worker:Date (yyyy-MM-dd) runs that business date instead of today's.
    var date = worker["Date"] is { Length: > 0 } given ? NodaTime.Text.LocalDatePattern.Iso.Parse(given).GetValueOrThrow() : (NodaTime.LocalDate?)null;
    var result = await host.Services.GetRequiredService<LifecyclePipeline>().RunAsync(date);
    Console.WriteLine($"{result.Date:uuuu-MM-dd}: {result.Outcome}");
    foreach (var step in result.Run?.Steps ?? [])
    {
        Console.WriteLine($"  {step.Step,-10} {step.Took.TotalMilliseconds,8:0} ms  {string.Join(", ", step.Counts.Select(c => $"{c.Key} {c.Value}"))}");
    }

    var health = await host.Services.GetRequiredService<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckService>().CheckHealthAsync();
    Console.WriteLine($"health: {health.Status}");
    await host.StopAsync();
    return result.Outcome == PipelineRunOutcome.LeaseLost ? 1 : 0;
}

await host.RunAsync();
return 0;

static IHost Build(IHostApplicationBuilder builder, string? http)
{
    if (builder is not WebApplicationBuilder web)
    {
        return ((HostApplicationBuilder)builder).Build();
    }

    // GET /healthz: the pipeline's health check (200 Healthy or Degraded, 503 Unhealthy, the status as text).
    // GET /metrics: every CustomerLifecycle instrument in Prometheus' text format, through OpenTelemetry's exporter.
    web.WebHost.UseUrls(http is { Length: > 0 } ? http : "http://localhost:5080");
    web.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(CustomerLifecycle.CustomerLifecycleTelemetry.Name).AddPrometheusExporter());
    var app = web.Build();
    app.MapHealthChecks("/healthz");
    app.MapPrometheusScrapingEndpoint("/metrics");
    return app;
}
