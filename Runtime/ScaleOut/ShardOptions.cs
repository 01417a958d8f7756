namespace AttrDsl.ScaleOut;

/// <summary>An attribution method <see cref="DatasetExplainer"/> can run over a data set.</summary>
public enum DatasetMethod
{
    /// <summary><see cref="Attribution.IntegratedGradients"/> with a zero baseline (Gauss–Legendre), with its convergence delta.</summary>
    IntegratedGradients,
    /// <summary><see cref="Attribution.Saliency"/>: |∂f/∂x|.</summary>
    Saliency,
    /// <summary><see cref="Attribution.InputXGradient"/>: x · ∂f/∂x.</summary>
    InputXGradient,
}

/// <summary>Which class each sample's attribution explains.</summary>
public enum DatasetTarget
{
    /// <summary>The sample's label.</summary>
    Label,
    /// <summary>The class the model predicts for the sample (the arg-max of its output).</summary>
    Predicted,
}

/// <summary>What <see cref="DatasetExplainer.ExplainShard"/> computes; every shard of one run must use the same options.</summary>
public sealed record DatasetExplainOptions
{
    /// <summary>The methods, one column each (in this order); default integrated gradients, saliency and input × gradient.</summary>
    public IReadOnlyList<DatasetMethod> Methods { get; init; } = [DatasetMethod.IntegratedGradients, DatasetMethod.Saliency, DatasetMethod.InputXGradient];

    /// <summary>Which class to explain; default the label.</summary>
    public DatasetTarget Target { get; init; } = DatasetTarget.Label;

    /// <summary>Integrated gradients' quadrature points (1 to 1024); default 50.</summary>
    public int Steps { get; init; } = 50;

    /// <summary>Samples per chunk: the batch the model sees and the unit of memory (see <see cref="ShardPlan"/>); default 64.</summary>
    public int ChunkSize { get; init; } = 64;

    /// <summary>Checks the options, naming what is wrong.</summary>
    internal void Validate()
    {
        const string method = "DatasetExplainer.ExplainShard";
        if (Methods is null || Methods.Count == 0)
            throw new ArgumentException($"{method}: options.Methods is empty; name at least one method ({string.Join(", ", Enum.GetNames<DatasetMethod>())})", "options");
        foreach (var m in Methods)
            if (!Enum.IsDefined(m))
                throw new ArgumentOutOfRangeException("options", m, $"{method}: options.Methods holds {m}, not one of {string.Join(", ", Enum.GetNames<DatasetMethod>())}");
        if (Methods.Distinct().Count() != Methods.Count)
            throw new ArgumentException($"{method}: options.Methods names a method twice ({string.Join(", ", Methods)}); each method is one column, name it once", "options");
        if (!Enum.IsDefined(Target))
            throw new ArgumentOutOfRangeException("options", Target, $"{method}: options.Target = {Target} is not one of {string.Join(", ", Enum.GetNames<DatasetTarget>())}");
        if (Steps is < 1 or > 1024)
            throw new ArgumentOutOfRangeException("options", Steps, $"{method}: options.Steps must be in [1, 1024] (Gauss–Legendre points), got {Steps}");
        if (ChunkSize < 1)
            throw new ArgumentOutOfRangeException("options", ChunkSize, $"{method}: options.ChunkSize must be at least 1, got {ChunkSize}; 64 is a good start on a CPU");
    }

    /// <summary>The column name of a method in the shard files (snake case, as pandas users expect).</summary>
    public static string ColumnName(DatasetMethod method) => method switch
    {
        DatasetMethod.IntegratedGradients => "integrated_gradients",
        DatasetMethod.Saliency => "saliency",
        DatasetMethod.InputXGradient => "input_x_gradient",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, $"DatasetExplainOptions.ColumnName: {method} is not one of {string.Join(", ", Enum.GetNames<DatasetMethod>())}"),
    };

    /// <summary>Whether the method has a convergence delta column (<c>&lt;column&gt;_delta</c>).</summary>
    internal static bool HasDelta(DatasetMethod method) => method == DatasetMethod.IntegratedGradients;
}
