namespace AttrDsl.Decomposition;

/// <summary>
/// An activation split by contextual decomposition into a relevant part β (<see cref="Relevant"/>, what the chosen
/// input features contribute) and an irrelevant part γ (<see cref="Irrelevant"/>, everything else), with
/// β + γ equal to the real activation. Both parts always have the activation's shape, dtype and device.
/// </summary>
/// <param name="Relevant">β, the part attributed to the relevant (masked-in) features.</param>
/// <param name="Irrelevant">γ, the rest of the activation.</param>
public readonly record struct Decomposition(Tensor Relevant, Tensor Irrelevant)
{
    /// <summary>β + γ: the real activation (a new tensor).</summary>
    public Tensor Total() => Relevant + Irrelevant;

    /// <summary>Moves both parts to the enclosing dispose scope (so a rule's result outlives the rule's own scope).</summary>
    public Decomposition MoveToOuterDisposeScope()
    {
        Relevant.MoveToOuterDisposeScope();
        Irrelevant.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>Detaches both parts from every dispose scope (the caller disposes them).</summary>
    public Decomposition DetachFromDisposeScope()
    {
        Relevant.DetachFromDisposeScope();
        Irrelevant.DetachFromDisposeScope();
        return this;
    }

    /// <summary>Disposes both parts.</summary>
    public void Dispose()
    {
        Relevant.Dispose();
        Irrelevant.Dispose();
    }
}
