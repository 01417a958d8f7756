using AttrDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Tests.Models.Corpus;

/// <summary>A pre-norm transformer block that calls scaled_dot_product_attention.</summary>
[Decomposable]
public partial class SdpaBlock : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm ln1 = nn.LayerNorm(12);
    private readonly Linear qkv = nn.Linear(12, 36);
    private readonly Linear proj = nn.Linear(12, 12);
    private readonly LayerNorm ln2 = nn.LayerNorm(12);
    private readonly Sequential mlp = nn.Sequential(nn.Linear(12, 24), nn.GELU(), nn.Linear(24, 12));

    public SdpaBlock() : base(nameof(SdpaBlock)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        var (B, T, C) = (x.shape[0], x.shape[1], x.shape[2]);
        var parts = qkv.call(ln1.call(x)).split(C, 2);
        var q = parts[0].view(B, T, 3, C / 3).transpose(1, 2);
        var k = parts[1].view(B, T, 3, C / 3).transpose(1, 2);
        var v = parts[2].view(B, T, 3, C / 3).transpose(1, 2);
        var y = nn.functional.scaled_dot_product_attention(q, k, v);
        y = y.transpose(1, 2).contiguous().view(B, T, C);
        x = x + proj.call(y);
        x = x + mlp.call(ln2.call(x));
        return x;
    }
}

/// <summary>A GPT-style stack of pre-norm blocks with a final LayerNorm, classifying the last position.</summary>
[Explainable]
public partial class SdpaTransformer : nn.Module<Tensor, Tensor>
{
    private readonly Linear input = nn.Linear(4, 12);
    private readonly ModuleList<SdpaBlock> blocks = nn.ModuleList(new SdpaBlock(), new SdpaBlock());
    private readonly LayerNorm ln_f = nn.LayerNorm(12);
    private readonly Linear head = nn.Linear(12, 2);

    public SdpaTransformer() : base(nameof(SdpaTransformer)) => RegisterComponents();

    public override Tensor forward(Tensor x)
    {
        x = input.call(x);
        foreach (var block in blocks) x = block.call(x);
        x = ln_f.call(x);
        return head.call(x[TensorIndex.Colon, -1]);
    }
}
