using AttrDsl.Attribution;

namespace AttrDsl.Samples.TextAttribution;

/// <summary>What one explained sentence shows: its words, each word's attribution and each word's CD score.</summary>
public sealed record ExplainedSentence(string[] Words, int Label, int Predicted, double[] IntegratedGradients, double[] Decomposition, double Delta);

/// <summary>The sample's results: test accuracy and explained test sentences.</summary>
public sealed record TextAttributionResult(double Accuracy, IReadOnlyList<ExplainedSentence> Sentences)
{
    /// <summary>The share of explained sentences whose most-attributed word (by layer IG) is a sentiment word.</summary>
    public double TopWordIsSentiment => Sentences.Count(s => IsSentimentWord(s.Words[ArgMax(s.IntegratedGradients, s.Predicted)])) / (double)Sentences.Count;

    internal static int ArgMax(double[] scores, int predicted)
    {
        // The word that pushes most towards the predicted class (attributions are for the predicted logit).
        var best = 0;
        for (var i = 1; i < scores.Length; i++) if (scores[i] > scores[best]) best = i;
        return best;
    }

    private static bool IsSentimentWord(string word) => SentimentData.Vocabulary.Take(11).Skip(1).Contains(word);
}

/// <summary>
/// Trains <see cref="SentimentNet"/> on the synthetic task and explains test sentences per word, two ways:
/// layer integrated gradients at the embedding (token ids in, an all-padding baseline; each word's attribution is
/// summed over the embedding dimensions, with the convergence delta) and contextual decomposition with one mask per
/// word (the word's own contribution β to the predicted logit).
/// </summary>
public static class TextAttributionSample
{
    /// <summary>Runs the sample; <paramref name="log"/> gets the progress and the explained sentences.</summary>
    public static TextAttributionResult Run(int steps = 300, int explain = 6, int seed = 1, TextWriter? log = null, CancellationToken cancellationToken = default)
    {
        log ??= TextWriter.Null;
        manual_seed(seed);
        using var model = new SentimentNet(SentimentData.Vocabulary.Length);
        var (trainTokens, trainLabels) = SentimentData.Make(2000, seed);
        var (testTokens, testLabels) = SentimentData.Make(400, seed + 1);
        using var optimizer = optim.Adam(model.parameters(), 3e-3);
        var random = new Random(seed);
        model.train();
        for (var step = 1; step <= steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var index = tensor(Enumerable.Range(0, 64).Select(_ => (long)random.Next(2000)).ToArray());
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(model.call(trainTokens.index_select(0, index)), trainLabels.index_select(0, index));
            loss.backward();
            optimizer.step();
            if (step % 100 == 0 || step == steps) log.WriteLine($"step {step}/{steps}: loss {loss.item<float>():F4}");
        }
        model.eval();

        double accuracy;
        using (no_grad())
            accuracy = model.call(testTokens).argmax(1).eq(testLabels).to(float32).mean().item<float>();
        log.WriteLine($"test accuracy {accuracy:P1}");

        var sentences = new List<ExplainedSentence>();
        var lig = new LayerIntegratedGradients(model, "embedding");
        for (var i = 0; i < explain; i++)
        {
            using var scope = NewDisposeScope();
            var tokens = testTokens[i].unsqueeze(0);                                            // [1, T]
            int predicted;
            using (no_grad()) predicted = (int)model.call(tokens).argmax(1).item<long>();
            var (attributions, delta) = lig.AttributeWithDelta(tokens, Target.Class(predicted), baselines: zeros_like(tokens));
            var perWord = attributions.sum(-1)[0].to(float64).data<double>().ToArray();            // one number per word

            // Contextual decomposition: mask k keeps word k alone in β; β of the predicted logit is its contribution.
            var masks = eye(SentimentData.Length);                                                 // [T masks, T]
            var d = model.ContextualDecomposition(tokens, masks);
            var cd = d.Relevant[.., predicted].to(float64).data<double>().ToArray();

            var words = SentimentData.Words(testTokens[i]);
            sentences.Add(new ExplainedSentence(words, (int)testLabels[i].item<long>(), predicted, perWord, cd, delta.abs().max().to(float64).item<double>()));
            log.WriteLine($"\n\"{string.Join(' ', words)}\"  label {(testLabels[i].item<long>() == 1 ? "positive" : "negative")}, predicted {(predicted == 1 ? "positive" : "negative")} (IG delta {sentences[^1].Delta:E1})");
            log.WriteLine($"  {"word",-11}{"layer IG",10}{"CD β",10}");
            for (var t = 0; t < words.Length; t++)
                log.WriteLine($"  {words[t],-11}{perWord[t],10:F3}{cd[t],10:F3}");
        }
        var result = new TextAttributionResult(accuracy, sentences);
        log.WriteLine($"\nThe most-attributed word is a sentiment word in {result.TopWordIsSentiment:P0} of the explained sentences.");
        return result;
    }
}
