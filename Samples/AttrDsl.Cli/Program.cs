using AttrDsl.Cli;
using AttrDsl.Performance;
using AttrDsl.Samples.MnistTrain;
using Spectre.Console;

// attrdsl: with no command the main sample (see MainSample); `attrdsl --help` lists the commands.
Allocator.TuneAllocator();   // keep large freed blocks in the heap: faster training and attribution (docs/benchmarks.md)
var console = AnsiConsole.Console;
if (Console.IsOutputRedirected) console.Profile.Width = 160;   // logs and pipes: tables and lines unwrapped
return Commands.Run(args, console, MnistTrainCommand.StandardError());
