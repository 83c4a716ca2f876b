using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(MassRouter.Benchmarks.RequestHotPathBenchmarks).Assembly).Run(args);
