using AttrDsl.Decomposition.Acd;
using AttrDsl.Tests.Infrastructure;

namespace AttrDsl.Tests.Decomposition.Acd;

/// <summary>
/// ACD stops on its CancellationToken: cancelled before the call, the scorer is never called; cancelled during any scorer
/// call of a run (seed, growth or merge levels), the run throws before the next call.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public sealed class AgglomerationCancellationTests
{
    private static RegionScorer Counting(RegionScorer inner, Action<int> onCall)
    {
        var calls = 0;
        return masks =>
        {
            onCall(++calls);
            return inner(masks);
        };
    }

    public static TheoryData<string> Runs => ["image", "sequence", "segments"];

    private static AcdResult Run(string kind, RegionScorer scorer, CancellationToken token)
    {
        var options = new AcdOptions { Percentile = 80, Iterations = 2, RegionsPerCall = 3 };
        return kind switch
        {
            "image" => Agglomeration.Image(scorer, [4, 4], 1, options, token),
            "sequence" => Agglomeration.Sequence(scorer, [12], 1, options, token),
            _ => Agglomeration.Sequence(scorer, [12], [2, 2, 2, 2, 2, 2], options, token),
        };
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void ACancelledRunStopsBeforeItsNextScorerCall(string kind)
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var contributions = kind == "image" ? randn(4, 4, float64) : randn(12, float64);
        var scorer = TestScorers.Linear(contributions);

        var total = Run(kind, scorer, CancellationToken.None).ScorerCalls;
        Assert.True(total >= 4, $"only {total} scorer calls: too few to cancel in the middle");

        var before = 0;
        using (var cancelled = new CancellationTokenSource())
        {
            cancelled.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => Run(kind, Counting(scorer, _ => before++), cancelled.Token));
        }
        Assert.Equal(0, before);

        for (var stopAt = 1; stopAt < total; stopAt++)
        {
            using var source = new CancellationTokenSource();
            var calls = 0;
            var at = stopAt;
            var e = Assert.ThrowsAny<OperationCanceledException>(() => Run(kind, Counting(scorer, n =>
            {
                calls = n;
                if (n == at) source.Cancel();
            }), source.Token));
            Assert.Equal(source.Token, e.CancellationToken);
            Assert.Equal(stopAt, calls);
        }
    }
}
