namespace AttrDsl.OpGen;

/// <summary>What an entry point returns, as written in the third column of ops.tsv.</summary>
internal enum ReturnKind
{
    /// <summary><c>at::Tensor</c>: returned through a hidden 8-byte sret slot that becomes an owning handle.</summary>
    Tensor,
    /// <summary><c>at::Tensor&amp;</c> (in-place ops): a pointer in rax, ignored — the caller already has self.</summary>
    TensorRef,
    /// <summary><c>std::tuple&lt;Tensor, ...&gt;</c>: sret laid out in reverse by libstdc++.</summary>
    Tuple,
    /// <summary><c>std::vector&lt;at::Tensor&gt;</c>: sret {begin, end, capacity}.</summary>
    List,
    /// <summary>Nothing.</summary>
    Void,
}

internal sealed record OpSpec(string AtenName, ReturnKind Returns, int TupleSize, string Comment)
{
    /// <summary><c>add.Tensor</c> → <c>add_Tensor</c>: the name torchgen gives the <c>at::_ops</c> struct.</summary>
    public string OpsName => AtenName.Replace('.', '_');

    public static OpSpec Parse(string line, int lineNo)
    {
        var parts = line.Split((char[])[' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2)
            throw new FormatException($"ops.tsv:{lineNo}: expected '<aten op> <returns>', got '{line}'");
        var ret = parts[1].Trim();
        var comment = "";
        var hash = ret.IndexOf('#');
        if (hash >= 0) { comment = ret[(hash + 1)..].Trim(); ret = ret[..hash].Trim(); }
        return ret switch
        {
            "Tensor" => new(parts[0], ReturnKind.Tensor, 1, comment),
            "Tensor&" => new(parts[0], ReturnKind.TensorRef, 0, comment),
            "Tensor[]" => new(parts[0], ReturnKind.List, 0, comment),
            "void" => new(parts[0], ReturnKind.Void, 0, comment),
            _ when ret.StartsWith('(') && ret.EndsWith(')') =>
                new(parts[0], ReturnKind.Tuple, ret.Split(',').Length, comment),
            _ => throw new FormatException($"ops.tsv:{lineNo}: unknown return kind '{ret}' (Tensor, Tensor&, Tensor[], void, (Tensor,Tensor,...))"),
        };
    }
}
