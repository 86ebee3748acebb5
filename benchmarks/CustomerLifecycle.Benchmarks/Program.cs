using BenchmarkDotNet.Running;

// Run everything:  dotnet run -c Release --project benchmarks/CustomerLifecycle.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

public partial class Program;
