// The consumer test's program: trains the annotated model a few steps with the generated TrainStep, then prints the
// generated Explain's attributions and the generated ContextualDecomposition's parts. Any failure exits non-zero.
using System.Globalization;
using AttrDsl.Attribution;
using Consumer;
using TorchSharp;
using static TorchSharp.torch;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string Row(Tensor t) => string.Join(" ", t.to(float64).data<double>().ToArray().Select(v => v.ToString("+0.0000;-0.0000")));
void Check(bool ok, string what)
{
    if (ok) return;
    Console.Error.WriteLine($"consumer: FAILED: {what}");
    Environment.Exit(1);
}

// Reaching this line means TorchSharp's native library loaded: on Debian 12 only after the package's GLIBCXX step.
manual_seed(0);
Console.WriteLine($"consumer: TorchSharp loaded, TorchSharp {typeof(torch).Assembly.GetName().Version}, device {(cuda.is_available() ? "cuda" : "cpu")}");

// Synthetic data: 3 classes, the class is the largest of the first three features; features 3..7 are noise.
var x = randn(256, 8);
var y = x[.., ..3].argmax(1);
var model = new TabularNet();   // [Explainable] partial class: the members below are generated
model.UseBackground(x);                                   // generated: the references of expected gradients
using var optimizer = optim.Adam(model.parameters(), lr: 0.01);

double first = 0, last = 0;
for (var step = 0; step < 60; step++)
{
    using var scope = NewDisposeScope();
    var batch = randint(0, 256, 64);
    var report = model.TrainStep(x[batch], y[batch], optimizer);   // generated: cross-entropy + 0.01 · L1(EG)
    if (step == 0) first = report.TaskLoss;
    last = report.TaskLoss;
    if (step % 20 == 0 || step == 59)
        Console.WriteLine($"consumer: TrainStep {step,2}: task loss {report.TaskLoss:F4}, prior loss {report.PriorLoss:F6}");
}
Check(double.IsFinite(last) && last < first, $"the task loss did not fall ({first:F4} -> {last:F4})");

model.eval();
var labels = y.data<long>().ToArray();
var pick = tensor(Enumerable.Range(0, 3).Select(c => (long)Array.IndexOf(labels, (long)c)).ToArray());   // one sample per class
var xs = x[pick];
var ys = y[pick];
var attributions = model.Explain(xs, Target.PerSample(ys));   // generated: expected gradients (the declared Method)
Check(attributions.shape.SequenceEqual(xs.shape), "Explain's attributions do not have the input's shape");
Check(attributions.isfinite().all().item<bool>(), "Explain's attributions are not finite");
Console.WriteLine("consumer: Explain (expected gradients, true class), features 0..7:");
for (var i = 0; i < 3; i++)
{
    Console.WriteLine($"consumer:   sample {i} (class {ys[i].item<long>()}): {Row(attributions[i])}");
    Console.WriteLine($"consumer:            its features: {Row(xs[i])}");
}

var mask = zeros(1, 8);
mask[0, ..3] = tensor(1f);                                 // features 0..2 relevant, the noise irrelevant
var cd = model.ContextualDecomposition(xs, mask.expand(3, 8));   // generated: translated from forward
using (no_grad())
{
    var logits = model.forward(xs);
    var gap = (cd.Relevant + cd.Irrelevant - logits).abs().max().item<float>();
    Console.WriteLine("consumer: ContextualDecomposition (features 0..2 relevant), logits of sample 0:");
    Console.WriteLine($"consumer:   beta  (relevant)   {Row(cd.Relevant[0])}");
    Console.WriteLine($"consumer:   gamma (irrelevant) {Row(cd.Irrelevant[0])}");
    Console.WriteLine($"consumer:   logits             {Row(logits[0])}");
    Console.WriteLine($"consumer:   max |beta + gamma - logits| = {gap:E2}");
    Check(gap <= 1e-4, $"beta + gamma differs from the logits by {gap}");
}
Console.WriteLine("consumer: OK");
