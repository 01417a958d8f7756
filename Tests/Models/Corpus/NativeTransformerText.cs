using AttrDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Tests.Models.Corpus;

/// <summary>
/// A text classifier on TorchSharp's own (libtorch) transformer: token embedding plus learned positions, batch-first at
/// its interface, transposed to the encoder's sequence-first layout, mean-pooled over tokens into a linear head.
/// </summary>
[Explainable]
public partial class NativeTransformerText : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embedding;
    private readonly Parameter positions;
    private readonly TransformerEncoder encoder;
    private readonly Linear head;

    public NativeTransformerText(long vocab = 30, long dim = 16, long heads = 4, long layers = 2, long maxLength = 12, long classes = 2,
        nn.Activations activation = nn.Activations.ReLU) : base(nameof(NativeTransformerText))
    {
        embedding = nn.Embedding(vocab, dim);
        positions = nn.Parameter(randn(maxLength, dim) * 0.1);
        encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(dim, heads, 2 * dim, 0.1, activation), layers);
        head = nn.Linear(dim, classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor tokens)
    {
        var h = embedding.call(tokens) + positions.narrow(0, 0, tokens.shape[1]);   // [N, T, E]
        var encoded = encoder.call(h.transpose(0, 1));                              // [T, N, E]
        return head.call(encoded.mean([0]));
    }
}
