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
    /// <exception cref="ArgumentException">A part is null (a default Decomposition) or the parts' shapes differ.</exception>
    /// <exception cref="ObjectDisposedException">A part was disposed.</exception>
    public Tensor Total()
    {
        CdGuard.Check(this, "decomposition");
        return Relevant + Irrelevant;
    }

    /// <summary>Moves both parts to the enclosing dispose scope (so a rule's result outlives the rule's own scope).</summary>
    /// <exception cref="ArgumentException">A part is null (a default Decomposition).</exception>
    /// <exception cref="ObjectDisposedException">A part was disposed.</exception>
    public Decomposition MoveToOuterDisposeScope()
    {
        CdGuard.Check(this, "decomposition");
        Relevant.MoveToOuterDisposeScope();
        Irrelevant.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>Detaches both parts from every dispose scope (the caller disposes them).</summary>
    /// <exception cref="ArgumentException">A part is null (a default Decomposition).</exception>
    /// <exception cref="ObjectDisposedException">A part was disposed.</exception>
    public Decomposition DetachFromDisposeScope()
    {
        CdGuard.Check(this, "decomposition");
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
