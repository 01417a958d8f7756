namespace AttrDsl.Datasets.Decoy;

/// <summary>Which side of the distribution shift a decoy data set is built for.</summary>
public enum DecoyPart
{
    /// <summary>The spurious cue encodes the label (a model can reach full accuracy from the cue alone).</summary>
    Train,
    /// <summary>The cue is drawn independently of the label (a model that learned the cue fails).</summary>
    Test,
}
