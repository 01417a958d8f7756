using AttrDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Tests.Models.Corpus;

/// <summary>An LSTM sentiment classifier: embedding → LSTM (deconstructed) → last time step → linear.</summary>
[Explainable]
public partial class LstmClassifier : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embedding;
    private readonly LSTM lstm;
    private readonly Linear fc;

    public LstmClassifier(long vocab = 40, long embed = 6, long hidden = 10, long classes = 3) : base(nameof(LstmClassifier))
    {
        embedding = nn.Embedding(vocab, embed);
        lstm = nn.LSTM(embed, hidden, batchFirst: true);
        fc = nn.Linear(hidden, classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor tokens)
    {
        var e = embedding.call(tokens);
        var (output, _, _) = lstm.call(e);
        var last = output[.., -1, ..];
        return fc.call(last);
    }
}
