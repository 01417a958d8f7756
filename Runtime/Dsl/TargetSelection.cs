namespace AttrDsl;

/// <summary>Which output of a classifier attributions explain.</summary>
public enum TargetSelection
{
    /// <summary>The true class of each sample (its label); the attribution-priors papers' choice.</summary>
    Label,
    /// <summary>The predicted (largest) output of each sample.</summary>
    Predicted,
}
