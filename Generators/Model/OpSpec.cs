using AttrDsl.Generators.Helpers;

namespace AttrDsl.Generators.Model;

/// <summary>What an operation of forward is.</summary>
internal enum OpKind
{
    /// <summary>A tensor → tensor operation (layer call, functional op, tensor method, add, cat).</summary>
    Op,
    /// <summary>An LSTM layer call deconstructed into (output, h, c).</summary>
    Lstm,
    /// <summary>The Embedding layer applied to forward's input (token indices).</summary>
    Embedding,
    /// <summary>return operand.</summary>
    Return,
}

/// <summary>
/// One operation: <c>Target = op(Operands...)</c>. <see cref="TensorCode"/> and <see cref="CdCode"/> are C# with
/// {0}, {1}, ... where the operands go: the first for the plain forward (layer map), the second for the
/// decomposition (operands are then <c>Decomposition</c> values).
/// </summary>
/// <param name="Kind">The operation's kind.</param>
/// <param name="Targets">The variables assigned: one, or three for an LSTM ("" for a discard); none for a return.</param>
/// <param name="Declares">Which of the targets are declared here (their first assignment in forward).</param>
/// <param name="Operands">The tensor variables read, in placeholder order.</param>
/// <param name="TensorCode">The operation on tensors.</param>
/// <param name="CdCode">The operation on decompositions.</param>
/// <param name="Field">The layer field called, if it is a layer call.</param>
/// <param name="Line">The 1-based line in the user's file (#line).</param>
internal sealed record OpSpec(
    OpKind Kind,
    EquatableArray<string> Targets,
    EquatableArray<bool> Declares,
    EquatableArray<string> Operands,
    string TensorCode,
    string CdCode,
    string? Field,
    int Line);
