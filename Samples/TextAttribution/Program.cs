using AttrDsl.Samples.TextAttribution;

// Trains a small transformer sentiment classifier on a synthetic task and explains test sentences word by word.
// Usage: dotnet run --project Samples/TextAttribution [-- --quick]
var quick = args.Contains("--quick");
var result = TextAttributionSample.Run(steps: quick ? 150 : 400, explain: quick ? 3 : 8, log: Console.Out);
return result.Accuracy > 0.8 ? 0 : 1;
