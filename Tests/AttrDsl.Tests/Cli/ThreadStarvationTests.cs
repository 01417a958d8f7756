using AttrDsl.Cli;

namespace AttrDsl.Tests.Cli;

/// <summary>
/// The thread-starvation detector on synthetic step timings: a sustained drop below a third of the warm rate is found
/// (with the rates it measured), a steady run, a mild slowdown or a few slow steps are not, and the load test needs
/// several threads, a load above the cores and a small CPU share all together.
/// </summary>
public sealed class ThreadStarvationTests
{
    // 2 skipped steps, 10 warm steps at 0.1 s (10 steps/s), then the given tail.
    private static List<double> Timings(params (int Count, double Seconds)[] tail)
    {
        var steps = new List<double> { 3.0, 1.0 };   // the first steps are slow (allocation, second-order probe): skipped
        steps.AddRange(Enumerable.Repeat(0.1, 10));
        foreach (var (count, seconds) in tail) steps.AddRange(Enumerable.Repeat(seconds, count));
        return steps;
    }

    [Fact]
    public void ASteadyRunIsNoSlowdown() => Assert.Null(ThreadStarvation.Slowdown(Timings((40, 0.1))));

    [Fact]
    public void ASustainedDropIsFoundWithItsRates()
    {
        var s = ThreadStarvation.Slowdown(Timings((10, 0.1), (20, 0.5)));
        Assert.NotNull(s);
        Assert.Equal(10, s.WarmRate, 9);     // the slow first two steps are not in it
        Assert.Equal(2, s.RecentRate, 9);
    }

    [Theory]
    [InlineData(0.29, false)]   // 3.4 steps/s: above a third of 10
    [InlineData(0.31, true)]    // 3.2 steps/s: below
    public void TheThresholdIsAThirdOfTheWarmRate(double seconds, bool slow) =>
        Assert.Equal(slow, ThreadStarvation.Slowdown(Timings((20, seconds))) is not null);

    [Theory]
    [InlineData(9, false)]    // 9 of the last 20 steps slow: the median is still fast (a collection, a checkpoint)
    [InlineData(11, true)]    // most of them: sustained
    public void AFewSlowStepsAreNotASlowdown(int slowSteps, bool found) =>
        Assert.Equal(found, ThreadStarvation.Slowdown(Timings((20 - slowSteps, 0.1), (slowSteps, 2.0))) is not null);

    [Fact]
    public void TooFewStepsTellNothing()
    {
        // 2 + 10 + 19 steps: the recent window would overlap the warm steps.
        Assert.Null(ThreadStarvation.Slowdown(Timings((19, 5.0))));
        Assert.NotNull(ThreadStarvation.Slowdown(Timings((20, 5.0))));
        Assert.Null(ThreadStarvation.Slowdown([]));
    }

    [Fact]
    public void BadSettingsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ThreadStarvation.Slowdown(Timings(), ratio: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ThreadStarvation.Slowdown(Timings(), window: 0));
        Assert.Throws<ArgumentNullException>(() => ThreadStarvation.Slowdown(null!));
    }

    [Theory]
    [InlineData(0.8, 1.0, 2, 5.2, 2, true)]     // two threads share 0.8 of a core on a machine loaded 5.2 on 2 cores
    [InlineData(0.8, 1.0, 2, 1.5, 2, false)]    // the load is below the cores: the process itself is just idle
    [InlineData(0.4, 1.0, 1, 5.2, 2, false)]    // one thread: nothing to gain from fewer
    [InlineData(1.8, 1.0, 2, 5.2, 2, false)]    // it gets nearly both cores
    [InlineData(4.0, 5.0, 2, 8.0, 4, true)]     // 0.8 cores over 5 s
    [InlineData(0.8, 0.0, 2, 5.2, 2, false)]    // no time measured
    public void OversubscriptionNeedsThreadsLoadAndASmallShare(double cpu, double wall, int threads, double load, int cores, bool expected) =>
        Assert.Equal(expected, ThreadStarvation.Oversubscribed(cpu, wall, threads, load, cores));

    [Theory]
    [InlineData("2.15 1.80 1.20 3/512 12345\n", 2.15)]
    [InlineData("0.00 0.01 0.05 1/100 7", 0.0)]
    public void TheLoadAverageIsReadFromProcLoadavg(string text, double expected) =>
        Assert.Equal(expected, ThreadStarvation.LoadAverage(text));

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("busy")]
    [InlineData("-1.0 0 0")]
    [InlineData("NaN 0 0")]
    public void AnythingElseIsNoLoadAverage(string? text) => Assert.Null(ThreadStarvation.LoadAverage(text));

    [Fact]
    public void TheHintGivesTheMeasuredNumbersAndTheFix()
    {
        var hint = ThreadStarvation.Hint(2, 2, new Slowdown(14.04, 4.1), (0.83, 5.24));
        Assert.Contains("4.1 steps/s, down from 14.0 steps/s", hint);
        Assert.Contains("2 threads got 0.8 cores", hint);
        Assert.Contains("load average is 5.2 on 2 cores", hint);
        Assert.Contains("--threads 1", hint);
        Assert.DoesNotContain("load average", ThreadStarvation.Hint(4, 8, new Slowdown(10, 2), null));
    }
}
