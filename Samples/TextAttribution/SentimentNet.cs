using TorchSharp.Modules;

namespace AttrDsl.Samples.TextAttribution;

/// <summary>
/// A transformer sentiment classifier on TorchSharp's own encoder: token embedding plus learned positions, the
/// (sequence-first) encoder, mean over tokens, a linear head. <c>[Explainable]</c> has its contextual decomposition
/// (over token masks) and its layer map generated from this forward.
/// </summary>
[Explainable]
public partial class SentimentNet : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embedding;
    private readonly Parameter positions;
    private readonly TransformerEncoder encoder;
    private readonly Linear head;

    /// <summary>A new, randomly initialised classifier.</summary>
    public SentimentNet(long vocabulary, long dim = 32, long heads = 4, long layers = 2, long maxLength = 32) : base(nameof(SentimentNet))
    {
        embedding = nn.Embedding(vocabulary, dim);
        positions = nn.Parameter(randn(maxLength, dim) * 0.1);
        encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(dim, heads, 2 * dim, 0.1), layers);
        head = nn.Linear(dim, 2);
        RegisterComponents();
    }

    /// <summary>Logits [N, 2] for token ids [N, T].</summary>
    public override Tensor forward(Tensor tokens)
    {
        var h = embedding.call(tokens) + positions.narrow(0, 0, tokens.shape[1]);   // [N, T, E]
        var encoded = encoder.call(h.transpose(0, 1));                              // the encoder is sequence-first: [T, N, E]
        return head.call(encoded.mean([0]));
    }
}
