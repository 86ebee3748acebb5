using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CustomerLifecycle.Worker;

/// <summary>
/// Prints the CustomerLifecycle meter's totals and the pipeline's health to the console every so often: what an
/// OpenTelemetry console exporter would show, without taking a dependency for it (docs/observability.md shows how to
/// export to a real backend).
/// </summary>
internal sealed class ConsoleMetrics(IConfiguration configuration, HealthCheckService health) : BackgroundService
{
    private readonly ConcurrentDictionary<string, double> _totals = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == CustomerLifecycleTelemetry.Name)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        listener.Start();
        var every = TimeSpan.Parse(configuration["Worker:MetricsEvery"] ?? "00:01:00", System.Globalization.CultureInfo.InvariantCulture);
        var healthEvery = TimeSpan.Parse(configuration["Worker:HealthEvery"] ?? "00:05:00", System.Globalization.CultureInfo.InvariantCulture);
        var sinceHealth = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            foreach (var (name, value) in _totals.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                Console.WriteLine($"metric {name} = {value:0.###}");
            }

            sinceHealth += every;
            if (sinceHealth >= healthEvery)
            {
                sinceHealth = TimeSpan.Zero;
                var report = await health.CheckHealthAsync(stoppingToken);
                Console.WriteLine($"health {report.Status}: {string.Join("; ", report.Entries.Select(e => $"{e.Key} {e.Value.Status} {e.Value.Description}"))}");
            }
        }
    }

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = instrument.Name + (tags.Length == 0 ? "" : "{" + string.Join(",", tags.ToArray().Select(t => $"{t.Key.Split('.')[^1]}={t.Value}")) + "}");
        _totals.AddOrUpdate(key, value, (_, total) => total + value);
    }
}
