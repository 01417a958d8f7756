using System.Globalization;
using AttrDsl.Attribution;
using AttrDsl.Checkpoints;
using AttrDsl.Decomposition;
using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Cli;

/// <summary>Which of the two CNNs: with the total-variation prior (<see cref="MnistNet"/>) or without (<see cref="PlainMnistNet"/>).</summary>
public enum ModelKind
{
    /// <summary><see cref="MnistNet"/>: trained with its declared total-variation prior.</summary>
    Prior,
    /// <summary><see cref="PlainMnistNet"/>: cross-entropy alone.</summary>
    Plain,
}

/// <summary>
/// The two annotated CNNs behind one face: the members the source generator added to each (<c>Explain</c>, the layer map's
/// Grad-CAM, <c>ContextualDecomposition</c>, <c>UseBackground</c>), and their checkpoints.
/// </summary>
public static class Networks
{
    /// <summary>The checkpoint metadata key naming the model, and its value for the CLI's CNNs.</summary>
    public const string ModelKey = "model", ModelName = "attrdsl-mnist-cnn", KindKey = "kind";

    /// <summary>A fresh model of <paramref name="kind"/>, initialised from <paramref name="seed"/> (the same weights for both kinds).</summary>
    public static nn.Module<Tensor, Tensor> Create(ModelKind kind, int seed)
    {
        manual_seed(seed);
        return kind == ModelKind.Prior ? new MnistNet() : new PlainMnistNet();
    }

    /// <summary>A display name.</summary>
    public static string Title(ModelKind kind) => kind == ModelKind.Prior ? "TV prior" : "no prior";

    /// <summary>The kind of a model created by <see cref="Create"/>.</summary>
    public static ModelKind KindOf(nn.Module<Tensor, Tensor> model) => model is MnistNet ? ModelKind.Prior : ModelKind.Plain;

    /// <summary>Sets the background set of expected gradients (generated <c>UseBackground</c>).</summary>
    public static void UseBackground(nn.Module<Tensor, Tensor> model, Tensor background)
    {
        switch (model)
        {
            case MnistNet m: m.UseBackground(background); break;
            case PlainMnistNet p: p.UseBackground(background); break;
            default: throw new ArgumentException($"not a CLI model: {model.GetType().Name}", nameof(model));
        }
    }

    /// <summary>Input attributions [B, 1, 28, 28] by the generated <c>Explain</c>.</summary>
    public static Tensor Explain(nn.Module<Tensor, Tensor> model, Tensor x, Target target, AttributionMethod method)
    {
        model.eval();
        return model switch
        {
            MnistNet m => m.Explain(x, target, method),
            PlainMnistNet p => p.Explain(x, target, method),
            _ => throw new ArgumentException($"not a CLI model: {model.GetType().Name}", nameof(model)),
        };
    }

    /// <summary>Grad-CAM at conv2 (generated <c>Explain(Layer, ...)</c>), upsampled to the input's 28×28: [B, 1, 28, 28].</summary>
    public static Tensor GradCam(nn.Module<Tensor, Tensor> model, Tensor x, Target target)
    {
        model.eval();
        using var scope = NewDisposeScope();
        var map = model switch
        {
            MnistNet m => m.Explain(MnistNet.Layer.conv2, x, target),
            PlainMnistNet p => p.Explain(PlainMnistNet.Layer.conv2, x, target),
            _ => throw new ArgumentException($"not a CLI model: {model.GetType().Name}", nameof(model)),
        };
        if (map.dim() == 3) map = map.unsqueeze(1);
        return nn.functional.interpolate(map.detach(), [x.size(-2), x.size(-1)], mode: InterpolationMode.Bilinear, align_corners: false)
            .MoveToOuterDisposeScope();
    }

    /// <summary>Contextual decomposition by the generated <c>ContextualDecomposition(x, mask)</c>.</summary>
    public static Decomposition.Decomposition Decompose(nn.Module<Tensor, Tensor> model, Tensor x, Tensor mask)
    {
        model.eval();
        return model switch
        {
            MnistNet m => m.ContextualDecomposition(x, mask),
            PlainMnistNet p => p.ContextualDecomposition(x, mask),
            _ => throw new ArgumentException($"not a CLI model: {model.GetType().Name}", nameof(model)),
        };
    }

    /// <summary>Predicted classes of a batch (evaluation mode, no gradients).</summary>
    public static long[] Predict(nn.Module<Tensor, Tensor> model, Tensor x)
    {
        model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return model.forward(x).argmax(1).data<long>().ToArray();
    }

    /// <summary>Saves <paramref name="model"/> with metadata naming the model, its kind and how it was trained.</summary>
    public static void Save(nn.Module<Tensor, Tensor> model, string path, IReadOnlyDictionary<string, string> training)
    {
        var metadata = new Dictionary<string, string>(training)
        {
            [ModelKey] = ModelName,
            [KindKey] = KindOf(model).ToString().ToLowerInvariant(),
        };
        try { Checkpoint.Save(model, path, metadata); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"could not write the checkpoint '{path}' ({e.Message}); free some space or choose another --output", UserError.Failed);
        }
    }

    /// <summary>
    /// Loads a checkpoint written by <c>attrdsl train</c> into a model of the kind it names. A missing file, a file that
    /// is not a checkpoint, and a checkpoint of another model are one-line <see cref="UserError"/>s naming the fix.
    /// </summary>
    public static (nn.Module<Tensor, Tensor> Model, IReadOnlyDictionary<string, string> Metadata) Load(string path, string option = "--checkpoint")
    {
        const string fix = "train one with `attrdsl train --output model.safetensors`";
        if (string.IsNullOrWhiteSpace(path)) throw new UserError($"{option} is empty; {fix}");
        if (Directory.Exists(path)) throw new UserError($"{option} '{path}' is a directory, not a checkpoint file; {fix}");
        if (!File.Exists(path)) throw new UserError($"{option} '{path}' does not exist; {fix}");
        Dictionary<string, string> metadata;
        try { metadata = safetensors.load_metadata(path); }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException or ArgumentException or FormatException or System.Text.Json.JsonException)
        {
            throw new UserError($"{option} '{path}' is not a safetensors checkpoint ({OneLine(e.Message)}); {fix}");
        }
        if (!metadata.TryGetValue(ModelKey, out var name) || name != ModelName)
            throw new UserError($"{option} '{path}' holds {(name is null ? "a model without a name" : $"a '{name}' model")}, not attrdsl's MNIST CNN; {fix}");
        if (!metadata.TryGetValue(KindKey, out var kindText) || !Enum.TryParse<ModelKind>(kindText, ignoreCase: true, out var kind))
            throw new UserError($"{option} '{path}' names no model kind (prior or plain); {fix}");
        var model = kind == ModelKind.Prior ? (nn.Module<Tensor, Tensor>)new MnistNet() : new PlainMnistNet();
        try { Checkpoint.Load(model, path); }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException)
        {
            model.Dispose();
            throw new UserError($"{option} '{path}' does not fit the MNIST CNN ({OneLine(e.Message)}); {fix}");
        }
        model.eval();
        return (model, metadata);
    }

    /// <summary>A message on one line (the CLI's error contract).</summary>
    public static string OneLine(string message) => string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    internal static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
