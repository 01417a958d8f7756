using AttrDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Tests.Models.Corpus;

/// <summary>A character-level text CNN (Kim-style): embedding → [B, C, T] → Conv1d → ReLU → max over time → linear.</summary>
[Explainable]
public partial class CharCnn : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embedding = nn.Embedding(30, 8);
    private readonly Conv1d conv = nn.Conv1d(8, 10, 3, padding: 1);
    private readonly Dropout dropout = nn.Dropout(0.5);
    private readonly Linear fc = nn.Linear(10, 2);

    public CharCnn() : base(nameof(CharCnn)) => RegisterComponents();

    public override Tensor forward(Tensor chars)
    {
        var x = embedding.call(chars).transpose(1, 2);   // [B, E, T]
        x = nn.functional.relu(conv.call(x));
        x = nn.functional.max_pool1d(x, x.shape[2]).squeeze(2);
        return fc.call(dropout.call(x));
    }
}
