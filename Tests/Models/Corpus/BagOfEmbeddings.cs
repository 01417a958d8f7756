using AttrDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Tests.Models.Corpus;

/// <summary>A fastText-style classifier: averaged token embeddings, a hidden layer, log-probabilities.</summary>
[Explainable]
public partial class BagOfEmbeddings : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embed = nn.Embedding(25, 6);
    private readonly Linear hidden = nn.Linear(6, 8);
    private readonly Linear output = nn.Linear(8, 3);

    public BagOfEmbeddings() : base(nameof(BagOfEmbeddings)) => RegisterComponents();

    public override Tensor forward(Tensor tokens)
    {
        var e = embed.call(tokens);
        var avg = e.sum(1) / tokens.shape[1];
        var h = nn.functional.relu(hidden.call(avg));
        return nn.functional.log_softmax(output.call(h), 1);
    }
}
