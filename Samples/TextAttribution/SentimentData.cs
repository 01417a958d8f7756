namespace AttrDsl.Samples.TextAttribution;

/// <summary>
/// A small synthetic sentiment task with a known answer: sentences of filler words with a few sentiment words; the
/// label is positive when positive words outnumber negative ones. An explanation is right when it points at the
/// sentiment words, which makes the attributions checkable.
/// </summary>
public static class SentimentData
{
    /// <summary>The vocabulary: id 0 is padding, then positive words, negative words and filler.</summary>
    public static readonly string[] Vocabulary =
    [
        "<pad>",
        "good", "great", "excellent", "love", "wonderful",
        "bad", "awful", "terrible", "hate", "boring",
        "the", "a", "movie", "film", "plot", "was", "is", "and", "it", "actors", "story", "very", "quite", "this", "i", "really", "so", "of", "music",
    ];

    /// <summary>Ids of the positive words.</summary>
    public static readonly long[] Positive = [1, 2, 3, 4, 5];

    /// <summary>Ids of the negative words.</summary>
    public static readonly long[] Negative = [6, 7, 8, 9, 10];

    /// <summary>The length of every sentence.</summary>
    public const int Length = 10;

    /// <summary>True for a positive or negative word.</summary>
    public static bool IsSentiment(long id) => Positive.Contains(id) || Negative.Contains(id);

    /// <summary>
    /// <paramref name="count"/> sentences [count, <see cref="Length"/>] with labels [count] (1 = positive), drawn from a
    /// seeded generator: one to three sentiment words at random places, never a tie.
    /// </summary>
    public static (Tensor Tokens, Tensor Labels) Make(int count, int seed)
    {
        var random = new Random(seed);
        var tokens = new long[count * Length];
        var labels = new long[count];
        for (var i = 0; i < count; i++)
        {
            int pos, neg;
            do { pos = random.Next(0, 3); neg = random.Next(0, 3); } while (pos == neg || pos + neg == 0);
            var row = new long[Length];
            for (var t = 0; t < Length; t++) row[t] = random.Next(11, Vocabulary.Length);
            var places = Enumerable.Range(0, Length).OrderBy(_ => random.Next()).Take(pos + neg).ToArray();
            for (var k = 0; k < places.Length; k++)
                row[places[k]] = k < pos ? Positive[random.Next(Positive.Length)] : Negative[random.Next(Negative.Length)];
            Array.Copy(row, 0, tokens, i * Length, Length);
            labels[i] = pos > neg ? 1 : 0;
        }
        return (tensor(tokens).view(count, Length), tensor(labels));
    }

    /// <summary>The words of one sentence.</summary>
    public static string[] Words(Tensor sentence) => sentence.data<long>().Select(id => Vocabulary[id]).ToArray();
}
