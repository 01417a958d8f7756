using System;
using AttrDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Tests.Models.Corpus;

/// <summary>A post-norm transformer encoder layer with multi-head self-attention written out in its forward.</summary>
[Decomposable]
public partial class EncoderLayer : nn.Module<Tensor, Tensor>
{
    private readonly Linear q_proj;
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly Linear out_proj;
    private readonly LayerNorm norm1;
    private readonly LayerNorm norm2;
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly int heads;

    public EncoderLayer(int dim, int heads, int hidden) : base(nameof(EncoderLayer))
    {
        this.heads = heads;
        q_proj = nn.Linear(dim, dim);
        k_proj = nn.Linear(dim, dim);
        v_proj = nn.Linear(dim, dim);
        out_proj = nn.Linear(dim, dim);
        norm1 = nn.LayerNorm(dim);
        norm2 = nn.LayerNorm(dim);
        fc1 = nn.Linear(dim, hidden);
        fc2 = nn.Linear(hidden, dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var b = x.shape[0];
        var t = x.shape[1];
        var d = x.shape[2];
        var dh = d / heads;

        var q = q_proj.call(x).view(b, t, heads, dh).transpose(1, 2);
        var k = k_proj.call(x).view(b, t, heads, dh).transpose(1, 2);
        var v = v_proj.call(x).view(b, t, heads, dh).transpose(1, 2);

        var scores = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(dh);
        var attn = scores.softmax(-1);
        var context = attn.matmul(v).transpose(1, 2).reshape(b, t, d);

        x = norm1.call(x + out_proj.call(context));
        var mlp = fc2.call(nn.functional.gelu(fc1.call(x)));
        return norm2.call(x + mlp);
    }
}

/// <summary>A transformer encoder of N layers in a ModuleList over a sequence of feature vectors, mean-pooled into a classifier.</summary>
[Explainable]
public partial class TransformerClassifier : nn.Module<Tensor, Tensor>
{
    private readonly Linear embed;
    private readonly ModuleList<EncoderLayer> layers;
    private readonly Linear classifier;

    public TransformerClassifier(int inputs = 6, int dim = 16, int heads = 2, int depth = 2, int classes = 3) : base(nameof(TransformerClassifier))
    {
        embed = nn.Linear(inputs, dim);
        layers = nn.ModuleList<EncoderLayer>();
        for (int i = 0; i < depth; i++) layers.Add(new EncoderLayer(dim, heads, 2 * dim));
        classifier = nn.Linear(dim, classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = embed.call(x);
        foreach (var layer in layers)
            h = layer.call(h);
        var pooled = h.mean(new long[] { 1 });
        return classifier.call(pooled);
    }
}
