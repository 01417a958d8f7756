using AttrDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Tests.Models;

/// <summary>A text classifier: token embedding → one-layer LSTM → the last step's output → linear. No prior.</summary>
[Explainable(Target = TargetSelection.Predicted)]
public partial class LstmText : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embedding = nn.Embedding(50, 8);
    private readonly LSTM lstm = nn.LSTM(8, 12, batchFirst: true);
    private readonly Linear classifier = nn.Linear(12, 2);

    public LstmText() : base(nameof(LstmText)) => RegisterComponents();

    public override Tensor forward(Tensor tokens)
    {
        var e = embedding.forward(tokens);
        var (output, _, _) = lstm.forward(e);
        var last = output.select(1, -1);
        return classifier.forward(last);
    }
}
