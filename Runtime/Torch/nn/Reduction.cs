namespace AttrDsl.Torch;

/// <summary>How a loss reduces over elements; the values are ATen's reduction codes.</summary>
public enum Reduction
{
    /// <summary>One loss per element.</summary>
    None = 0,
    /// <summary>Average.</summary>
    Mean = 1,
    /// <summary>Sum.</summary>
    Sum = 2,
}
