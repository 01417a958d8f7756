namespace AttrDsl.Attribution;

/// <summary>What a faithfulness curve (<see cref="Deletion"/>, <see cref="Insertion"/>, <see cref="Road"/>) records of the model after each step.</summary>
public enum CurveScore
{
    /// <summary>
    /// The softmax probability of the target class, softmax(output)[target] over the output's dimension 1 (RISE's
    /// choice: bounded in [0, 1], so areas of different inputs and models compare). The model returns logits [B, classes].
    /// </summary>
    Probability,

    /// <summary>The target's raw output (a logit, or whatever the model returns), as the target selects it.</summary>
    Logit,
}
