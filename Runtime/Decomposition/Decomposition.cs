namespace AttrDsl.Decomposition;

/// <summary>
/// An activation split by contextual decomposition into a relevant part β (<see cref="Relevant"/>, what the chosen
/// input features contribute) and an irrelevant part γ (<see cref="Irrelevant"/>, everything else), with
/// β + γ equal to the real activation. Both parts always have the activation's shape, dtype and device.
/// </summary>
/// <param name="Relevant">β, the part attributed to the relevant (masked-in) features.</param>
/// <param name="Irrelevant">γ, the rest of the activation.</param>
/// <remarks>
/// Reading a part of an empty decomposition (<c>default(Decomposition)</c>) or a disposed part is an error that says so —
/// every rule reads its input's parts first, so a rule given such a decomposition fails with this message instead of a
/// <see cref="NullReferenceException"/> or libtorch's "empty handle".
/// </remarks>
public readonly record struct Decomposition(Tensor Relevant, Tensor Irrelevant)
{
    private readonly Tensor _relevant = Relevant;
    private readonly Tensor _irrelevant = Irrelevant;

    /// <summary>β, the part attributed to the relevant (masked-in) features.</summary>
    /// <exception cref="InvalidOperationException">The decomposition is empty (<c>default(Decomposition)</c>).</exception>
    /// <exception cref="ObjectDisposedException">β was disposed.</exception>
    public Tensor Relevant { get => Part(_relevant, nameof(Relevant), "β"); init => _relevant = value; }

    /// <summary>γ, the rest of the activation.</summary>
    /// <exception cref="InvalidOperationException">The decomposition is empty (<c>default(Decomposition)</c>).</exception>
    /// <exception cref="ObjectDisposedException">γ was disposed.</exception>
    public Tensor Irrelevant { get => Part(_irrelevant, nameof(Irrelevant), "γ"); init => _irrelevant = value; }

    /// <summary>β as stored, without the checks (null for an empty decomposition, possibly disposed).</summary>
    internal Tensor? RelevantOrNull => _relevant;

    /// <summary>γ as stored, without the checks.</summary>
    internal Tensor? IrrelevantOrNull => _irrelevant;

    private static Tensor Part(Tensor? part, string name, string symbol) =>
        part is null
            ? throw new InvalidOperationException(
                $"an empty Decomposition was used: its {name} part ({symbol}) is null, as in default(Decomposition). Build one with new Decomposition(relevant, irrelevant), " +
                "or start from ContextualDecomposition.Decompose.")
            : part.IsInvalid
                ? throw new ObjectDisposedException(name,
                    $"the Decomposition's {name} part ({symbol}) was disposed (its Dispose() ran, or the dispose scope it was made in ended); keep both parts alive " +
                    "(MoveToOuterDisposeScope()) until the decomposition is done.")
                : part;

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
        _relevant?.Dispose();
        _irrelevant?.Dispose();
    }
}
