using System.Runtime.InteropServices;

namespace AttrDsl.Internal;

/// <summary>
/// What AttrDsl tells a user when libtorch refuses an operation. TorchSharp surfaces a libtorch error as an
/// <see cref="ExternalException"/> whose message is the C++ statement followed by "Exception raised from …" and a frame
/// dump: useless to a C# user and long enough to hide the statement. Every boundary where a user's value or model meets
/// libtorch reduces the message to its statement with <see cref="Statement(Exception)"/>, adds the context the user knows (the
/// method, the argument, the shapes that went in) and, for the errors users meet most, what to do next
/// (<see cref="Advice"/>). The original exception stays as the inner exception.
/// </summary>
internal static class LibTorch
{
    /// <summary>Whether an exception came from libtorch (through TorchSharp's native error check).</summary>
    public static bool IsNative(Exception e) => e.GetType() == typeof(ExternalException);

    /// <summary>
    /// libtorch's message without its C++ context: the lines before "Exception raised from", without frame lines,
    /// joined into one line.
    /// </summary>
    public static string Statement(Exception e) => Statement(e.Message);

    /// <inheritdoc cref="Statement(Exception)"/>
    public static string Statement(string message)
    {
        var cut = message.IndexOf("Exception raised from", StringComparison.Ordinal);
        if (cut >= 0) message = message[..cut];
        var lines = message.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith("frame #", StringComparison.Ordinal) && !l.StartsWith("0x", StringComparison.Ordinal));
        var text = string.Join(" ", lines);
        return text.Length == 0 ? "libtorch reported an error without a message" : text;
    }

    /// <summary>What to do about the libtorch errors users meet most, or null when the statement says enough.</summary>
    public static string? Advice(string statement)
    {
        bool Has(string s) => statement.Contains(s, StringComparison.OrdinalIgnoreCase);
        if (Has("shapes cannot be multiplied") || Has("size mismatch"))
            return "the input's feature size does not match a Linear layer's in_features: reshape the input to what the model expects, or check the layer's sizes";
        if (Has("must match the size of tensor"))
            return "two tensors in the model's forward have sizes that do not broadcast: check the input's shape against what the model expects";
        if (Has("index out of range") || Has("out of bounds"))
            return "an index (a token id, class label or position) is outside the table or the number of classes: check the ids against the embedding's size and the labels against the number of outputs";
        if (Has("expected scalar type") || Has("found dtype") || Has("same dtype") || Has("should be the same"))
            return "the input's dtype differs from the model's weights: convert the input (x.to(ScalarType.Float32)) or the model (model.to(...)) so they agree";
        if (Has("Expected 3D") || Has("Expected 4D") || Has("expected 4D") || Has("expected 3D") || Has("Expected 2D") || Has("to have") && Has("channels"))
            return "the input's rank or channel count is not what a convolution or pooling layer expects: pass [batch, channels, height, width] (or [batch, channels, length]) with the model's channel count";
        if (Has("not implemented for"))
            return "an operation in the model does not support the input's dtype: use a floating-point input";
        if (Has("you tried to allocate") || Has("out of memory") || Has("DefaultCPUAllocator"))
            return "the request does not fit in memory: use a smaller batch or fewer steps/samples";
        return null;
    }

    /// <summary>
    /// The .NET exception for a libtorch error raised inside a user's model: names the method, the model call and the
    /// shape and dtype that went in, libtorch's statement and what to do. <paramref name="module"/> is the innermost
    /// module that was running, when known ("encoder.layers.0.linear1 (Linear)").
    /// </summary>
    public static InvalidOperationException InModel(Exception e, string method, Tensor? input, string? module = null)
    {
        var statement = Statement(e);
        var where = module is null ? "the model's forward" : $"the model's module {module}";
        var inputText = input is null || input.IsInvalid ? "" :
            input.dim() == 0 ? $" on a 0-dim input (a scalar, {input.dtype}; a batch is [B, ...])" : $" on inputs of shape {Format.Shape(input)} ({input.dtype})";
        var advice = Advice(statement);
        return new InvalidOperationException(
            $"{method}: {where} failed{inputText}: {statement}" + (advice is null ? "" : $". What to do: {advice}."), e);
    }

    /// <summary>The .NET exception for a libtorch error in an operation AttrDsl ran on a user's value (not inside the model).</summary>
    public static InvalidOperationException InOperation(Exception e, string context)
    {
        var statement = Statement(e);
        var advice = Advice(statement);
        return new InvalidOperationException($"{context}: {statement}" + (advice is null ? "" : $". What to do: {advice}."), e);
    }
}
