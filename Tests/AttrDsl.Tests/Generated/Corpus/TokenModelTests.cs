using AttrDsl.Decomposition;
using AttrDsl.Tests.Infrastructure;
using AttrDsl.Tests.Models.Corpus;
using TorchSharp.Modules;
using static AttrDsl.Tests.Generated.Corpus.CorpusCheck;
using Cd = AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Generated.Corpus;

/// <summary>The token models of the corpus (forward applies an Embedding to its input): decomposed over token masks.</summary>
[Collection(GlobalRngCollection.Name)]
public sealed class TokenModelTests
{
    // M token masks for one sentence [1, T]: the decomposition has M rows, each complete against forward of the sentence.
    private static void AssertTokenMasks(nn.Module<Tensor, Tensor> model, Tensor tokens, Func<Tensor, Cd> generated, Func<Tensor, Cd> handWritten)
    {
        var output = Forward(model, tokens).expand(4, -1);
        AssertMasks(output, generated, handWritten, [4, tokens.shape[1]]);
        AssertFullAndEmpty(Forward(model, tokens), generated, [1, tokens.shape[1]]);
    }

    [Fact]
    public void The_char_cnn_decomposes_token_masks_completely_and_as_written_by_hand()
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new CharCnn());
        var tokens = Tokens(30, [1, 9], 41);
        Cd ByHand(Tensor mask)
        {
            var d = CdFunctional.transpose(EmbeddingRules.Embedding(Child<Embedding>(model, "embedding"), tokens, mask), 1, 2);
            d = CdFunctional.relu(LinearRules.Conv1d(Child<Conv1d>(model, "conv"), d));
            d = CdFunctional.squeeze(CdFunctional.max_pool1d(d, d.Relevant.shape[2]), 2);
            return Lin(model, "fc", d);
        }
        AssertTokenMasks(model, tokens, m => model.ContextualDecomposition(tokens, m), ByHand);
        var batch = Tokens(30, [3, 9], 42);
        Assert.Equal(new[] { "embedding", "conv", "dropout", "fc" }, AssertSplits(model, batch, model.ListLayers(batch), model.ForwardTo, model.ForwardFrom));
    }

    [Fact]
    public void The_lstm_classifier_decomposes_token_masks_completely_and_as_written_by_hand()
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new LstmClassifier());
        var tokens = Tokens(40, [1, 7], 43);
        Cd ByHand(Tensor mask)
        {
            var e = EmbeddingRules.Embedding(Child<Embedding>(model, "embedding"), tokens, mask);
            var (output, _, _) = LstmRules.Lstm(Child<LSTM>(model, "lstm"), e);
            return Lin(model, "fc", CdFunctional.select(output, 1, -1));
        }
        AssertTokenMasks(model, tokens, m => model.ContextualDecomposition(tokens, m), ByHand);
        var batch = Tokens(40, [2, 7], 44);
        var names = AssertSplits(model, batch, model.ListLayers(batch), model.ForwardTo, model.ForwardFrom);
        Assert.Contains("embedding", names);
        Assert.Contains("fc", names);
    }

    [Fact]
    public void The_bag_of_embeddings_decomposes_token_masks_completely_and_as_written_by_hand()
    {
        using var scope = NewDisposeScope();
        var model = Make(() => new BagOfEmbeddings());
        var tokens = Tokens(25, [1, 6], 45);
        Cd ByHand(Tensor mask)
        {
            var e = EmbeddingRules.Embedding(Child<Embedding>(model, "embed"), tokens, mask);
            var avg = CdFunctional.div(CdFunctional.sum(e, 1), (double)tokens.shape[1]);
            var h = CdFunctional.relu(Lin(model, "hidden", avg));
            return CdFunctional.log_softmax(Lin(model, "output", h), 1);
        }
        var output = Forward(model, tokens).expand(4, -1);
        AssertMasks(output, m => model.ContextualDecomposition(tokens, m), ByHand, [4, 6]);
        // log_softmax is log(Σ exp) subtracted: its rule (the runtime's) need not leave γ = 0 for a full mask; completeness holds.
        AssertComplete(Forward(model, tokens), model.ContextualDecomposition(tokens, ones(1, 6, dtype: float64)), "(full mask)");
        AssertComplete(Forward(model, tokens), model.ContextualDecomposition(tokens, zeros(1, 6, dtype: float64)), "(empty mask)");
        var batch = Tokens(25, [3, 6], 46);
        // embed is no split point: tokens.shape[1] is read after it, so the input stays live.
        Assert.Equal(new[] { "hidden", "output" }, AssertSplits(model, batch, model.ListLayers(batch), model.ForwardTo, model.ForwardFrom));
    }
}
