using AttrDsl.Samples.TextAttribution;
using AttrDsl.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AttrDsl.Tests.Samples;

/// <summary>
/// The text sample end to end: the transformer learns the synthetic sentiment task, and both per-word explanations
/// (layer integrated gradients at the embedding, contextual decomposition over one-word masks) point at the sentiment
/// words the labels were made from.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public class TextAttributionSampleTests(ITestOutputHelper output)
{
    [Fact]
    public void TheClassifierLearnsAndItsExplanationsFindTheSentimentWords()
    {
        var log = new StringWriter();
        var result = TextAttributionSample.Run(steps: 150, explain: 8, log: log);
        output.WriteLine(log.ToString());
        Assert.True(result.Accuracy > 0.9, $"test accuracy {result.Accuracy:P1}");
        Assert.True(result.TopWordIsSentiment >= 0.75, $"the top word is a sentiment word in only {result.TopWordIsSentiment:P0} of the sentences");
        foreach (var s in result.Sentences)
        {
            Assert.Equal(SentimentData.Length, s.Words.Length);
            Assert.All(s.IntegratedGradients.Concat(s.Decomposition), v => Assert.True(double.IsFinite(v)));
            // On the sentences it gets right, CD's strongest push towards the prediction comes from a sentiment word.
            if (s.Label == s.Predicted)
            {
                var top = Array.IndexOf(s.Decomposition, s.Decomposition.Max());
                Assert.True(SentimentData.IsSentiment(Array.IndexOf(SentimentData.Vocabulary, s.Words[top])), $"CD's top word '{s.Words[top]}' in \"{string.Join(' ', s.Words)}\"");
            }
        }
    }
}
