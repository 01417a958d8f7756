using System.CommandLine;
using System.Globalization;
using AttrDsl.ScaleOut;
using Spectre.Console;
using static TorchSharp.torch;

namespace AttrDsl.Cli;

// explain-dataset and gather-dataset: the test digits explained as shards of a job array or indexed job, and the
// check that a run's shards are whole. docs/scale-out/ calls both with these argument shapes.
public static partial class Commands
{
    /// <summary>The variables a shard's index is read from when --shard is absent, in this order (Slurm job arrays, Kubernetes indexed jobs).</summary>
    public static readonly IReadOnlyList<string> ShardIndexVariables = ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"];

    /// <summary>Most samples per chunk: the batch the model sees, as in <see cref="DatasetExplainOptions.ChunkSize"/>.</summary>
    public const int DatasetChunkSize = 64;

    // The values of --methods as the user types them.
    private static readonly (string Name, DatasetMethod Method)[] DatasetMethods =
    [
        ("ig", DatasetMethod.IntegratedGradients),
        ("saliency", DatasetMethod.Saliency),
        ("inputxgradient", DatasetMethod.InputXGradient),
    ];

    // ------------------------------------------------------------------ explain-dataset

    private static Command ExplainDatasetCommand(IAnsiConsole console, IAnsiConsole errors, Func<string, string?> environment)
    {
        var checkpoint = CheckpointOption();
        var shard = BoundedOptions.OptionalInt("--shard", $"This process's shard, from 0 (default: ${ShardIndexVariables[0]}, else ${ShardIndexVariables[1]}).", 0, Digits.TestCount - 1, 0, "a shard holds at least one digit");
        var shards = BoundedOptions.OptionalInt("--shards", "The number of shards of the run (required; the same in every shard).", 1, Digits.TestCount, 4, "a shard holds at least one digit");
        var output = new Option<string?>("--output", "-o") { Description = "The folder every shard of the run writes to (required; created if missing): shard-<i>-of-<N>.parquet." };
        var count = BoundedOptions.OptionalInt("--count", $"Explain the first N test digits only (default: all {Digits.TestCount}).", 1, Digits.TestCount, 100, "the test digits there are");
        var methods = new Option<string>("--methods") { Description = $"Comma-separated methods, one column each: {string.Join(", ", DatasetMethods.Select(m => m.Name))}.", DefaultValueFactory = _ => string.Join(',', DatasetMethods.Select(m => m.Name)) };
        var target = BoundedOptions.Enum("--target", "The class each digit's attribution explains.", DatasetTarget.Label);
        var steps = BoundedOptions.Int("--steps", "Integrated gradients' quadrature points.", 1, 1024, 50, "Gauss–Legendre points; 50 already converge for this CNN");
        var threads = ThreadsOption();
        var command = new Command("explain-dataset", $"Explain the test digits of a checkpoint as shard i of N (a Slurm job array or Kubernetes indexed job runs one per task) into one Parquet file per shard; a shard already complete is skipped. Batches of up to {DatasetChunkSize} digits.")
        {
            checkpoint, shard, shards, output, count, methods, target, steps, threads,
        };
        command.SetAction(parse => Guard(errors, () =>
        {
            // Every check that needs no data comes first: a misconfigured array task fails in a second, not after loading.
            var folder = parse.GetValue(output);
            if (string.IsNullOrWhiteSpace(folder)) throw new UserError("--output is missing; pass the folder all shards of the run write to, e.g. --output shards");
            var n = parse.GetValue(shards) ?? throw new UserError("--shards is missing; pass the number of shards of the run, e.g. --shards 4 (the job array's size)");
            var samples = parse.GetValue(count) ?? Digits.TestCount;
            if (n > samples)
                throw new UserError($"--shards {n} is more than the {samples} digits to explain, so some shards would be empty; pass --shards {samples} or fewer");
            var i = ShardIndex(parse.GetValue(shard), n, environment);
            var chosen = ParseMethods(parse.GetValue(methods)!);
            var options = new DatasetExplainOptions
            {
                Methods = chosen,
                Target = parse.GetValue(target),
                Steps = parse.GetValue(steps),
                // At most 64 a batch, and never fewer chunks than shards: every one of the N shards gets digits.
                // A function of --count and --shards alone, so every shard of the run agrees on it.
                ChunkSize = Math.Min(DatasetChunkSize, samples / n),
            };
            var full = Path.GetFullPath(folder);
            if (File.Exists(full)) throw new UserError($"--output '{folder}' is a file, not a folder; pass the folder all shards of the run write to (it is created if missing)");
            SetThreads(parse.GetValue(threads));
            var (net, metadata) = Networks.Load(parse.GetValue(checkpoint)!);
            MainSample.CreateDirectory(full, "--output");   // after the checkpoint: a refused run leaves no folder behind
            net.eval();   // attributions must not depend on the batch
            using var digits = Digits.Load();
            using var scope = NewDisposeScope();
            var inputs = digits.Test.Images.narrow(0, 0, samples);
            var labels = digits.Test.Labels.narrow(0, 0, samples);
            console.MarkupLine(Markup.Escape($"shard {i} of {n}: {string.Join(", ", chosen.Select(DatasetExplainOptions.ColumnName))} of the {metadata[Networks.KindKey]} model ({parse.GetValue(checkpoint)}) for test digits 0–{samples - 1}, target {options.Target.ToString().ToLowerInvariant()}"));
            var result = DatasetExplainer.ExplainShard(net, inputs, labels, full, i, n, options, new ConsoleProgress(console));
            console.MarkupLine(result.Skipped
                ? $"shard file: [bold]{Markup.Escape(result.Path)}[/] skipped (already complete, {result.Rows.ToString(Inv)} digits)"
                : $"shard file: [bold]{Markup.Escape(result.Path)}[/] ({result.Rows.ToString(Inv)} digits)");
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// The shard index: <paramref name="option"/> when given, else the first of <see cref="ShardIndexVariables"/> that
    /// is set; it must be below <paramref name="shards"/>.
    /// </summary>
    internal static int ShardIndex(int? option, int shards, Func<string, string?> environment)
    {
        int index;
        string source;
        if (option is { } given) (index, source) = (given, "--shard");
        else
        {
            var variable = ShardIndexVariables.FirstOrDefault(v => !string.IsNullOrWhiteSpace(environment(v)));
            if (variable is null)
                throw new UserError($"no shard index: pass --shard i (0 to {shards - 1}), or run as a Slurm array task (${ShardIndexVariables[0]}) or a Kubernetes indexed job (${ShardIndexVariables[1]})");
            var text = environment(variable)!.Trim();
            if (!int.TryParse(text, NumberStyles.None, Inv, out index))
                throw new UserError($"${variable} is '{text}', not a shard index; pass --shard i (0 to {shards - 1})");
            source = $"${variable}";
        }
        if (index >= shards)
            throw new UserError($"{source} {index} is not a shard of --shards {shards}: shards are numbered 0 to {shards - 1}; pass a shard below {shards} or raise --shards (a job array of N tasks is --array=0-(N-1) with --shards N)");
        return index;
    }

    /// <summary>Parses "ig,saliency" into the methods, in the order given.</summary>
    internal static DatasetMethod[] ParseMethods(string text)
    {
        var names = DatasetMethods.Select(m => m.Name).ToArray();
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new UserError($"--methods is empty; pass one or more of {string.Join(", ", names)}, e.g. --methods ig,saliency");
        var result = new List<DatasetMethod>();
        foreach (var p in parts)
        {
            var match = DatasetMethods.Where(m => string.Equals(m.Name, p, StringComparison.OrdinalIgnoreCase)).Select(m => (DatasetMethod?)m.Method).FirstOrDefault();
            if (match is not { } method)
            {
                var near = Suggestions.Nearest(p, names);
                throw new UserError($"--methods '{text}': '{p}' is not one of {string.Join(", ", names)}{(near.Count > 0 ? $"; did you mean {string.Join(" or ", near)}?" : "")}; pass e.g. --methods ig,saliency");
            }
            if (result.Contains(method)) throw new UserError($"--methods '{text}' names '{p}' twice; name each method once");
            result.Add(method);
        }
        return [.. result];
    }

    // Writes each progress report as it comes (Progress<T> would post them to the thread pool, out of order).
    private sealed class ConsoleProgress(IAnsiConsole console) : IProgress<ShardProgress>
    {
        public void Report(ShardProgress value) =>
            console.MarkupLine(Markup.Escape($"shard {value.Shard}: {value.SamplesDone.ToString(Inv)} / {value.SamplesTotal.ToString(Inv)} digits"));
    }

    // ------------------------------------------------------------------ gather-dataset

    private static Command GatherDatasetCommand(IAnsiConsole console, IAnsiConsole errors)
    {
        var input = new Option<string?>("--input", "-i") { Description = "The folder the shards of one explain-dataset run were written to (required); _index.json is written there." };
        var command = new Command("gather-dataset", "Check that a folder holds every shard of one explain-dataset run (same model and options, every digit exactly once) and write its index, _index.json.")
        {
            input,
        };
        command.SetAction(parse => Guard(errors, () =>
        {
            var folder = parse.GetValue(input);
            if (string.IsNullOrWhiteSpace(folder)) throw new UserError("--input is missing; pass the folder explain-dataset wrote the shards to, e.g. --input shards");
            if (File.Exists(folder)) throw new UserError($"--input '{folder}' is a file, not a folder; pass the folder explain-dataset wrote the shards to");
            GatherResult result;
            try { result = ShardGather.Gather(folder); }
            catch (DirectoryNotFoundException e) { throw new UserError($"--input: {GatherMessage(e)}"); }
            // The folder is there but its shards do not make a whole run: a run that failed (or is not finished).
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                throw new UserError($"--input '{folder}': {GatherMessage(e)}", UserError.Failed);
            }
            var m = result.Manifest;
            console.MarkupLine(Markup.Escape($"shards: {result.Shards.Count.ToString(Inv)} of {m.Shards.ToString(Inv)}"));
            console.MarkupLine(Markup.Escape($"samples: {m.SampleCount.ToString(Inv)} ({string.Join(", ", m.Methods)}; target {m.Target})"));
            console.MarkupLine(Markup.Escape($"model: sha256 {m.ModelHash}"));
            console.MarkupLine(Markup.Escape($"content digest: {result.ContentDigest}"));
            console.MarkupLine($"index: [bold]{Markup.Escape(result.IndexPath)}[/]");
            return 0;
        }));
        return command;
    }

    // The runtime's message in the command line's terms: the command to run, not the method to call.
    private static string GatherMessage(Exception e) =>
        Networks.OneLine(e.Message).Replace("ShardGather.Gather: ", "", StringComparison.Ordinal)
            .Replace("DatasetExplainer.ExplainShard", "attrdsl explain-dataset", StringComparison.Ordinal);
}
