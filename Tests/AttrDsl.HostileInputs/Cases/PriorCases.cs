using AttrDsl.Priors;

namespace AttrDsl.HostileInputs;

/// <summary>Attribution priors called directly.</summary>
public static class PriorCases
{
    public const string Area = "priors";

    private static Case C(string entry, string name, Func<object?> action, Expectation e) => new(Area, entry, name, action, e);

    private static PriorContext Ctx(Tensor? x = null) => new(x ?? randn(2, 1, 4, 4));

    public static IEnumerable<Case> All()
    {
        (string Type, Func<IAttributionPrior> Make, long[] Shape)[] priors =
        [
            ("TotalVariation", () => new TotalVariation(), [2, 1, 4, 4]),
            ("L1Attribution", () => new L1Attribution(), [2, 4]),
            ("L2Attribution", () => new L2Attribution(), [2, 4]),
            ("GiniSparsity", () => new GiniSparsity(), [2, 4]),
            ("GraphLaplacian", () => GraphLaplacian.FromAdjacency(ones(4, 4) - eye(4)), [2, 4]),
            ("CustomPrior", () => new CustomPrior("c", (a, _) => a.abs().sum()), [2, 4]),
        ];
        foreach (var (type, make, shape) in priors)
        {
            var e = $"{type}.Loss";
            yield return C(e, "null-attributions", () => make().Loss(null!, Ctx()), Expect.Null("attributions"));
            yield return C(e, "null-context", () => make().Loss(randn(shape), null!), Expect.Null("context"));
            yield return C(e, "disposed-attributions", () => make().Loss(M.Dead(randn(shape)), Ctx()), Expect.Disposed("attributions"));
            yield return C(e, "NaN-attributions", () => make().Loss(M.WithNaN(randn(shape)), Ctx()), Expect.Error("attributions", "NaN"));
            yield return C(e, "Inf-attributions", () => make().Loss(M.WithNaN(randn(shape), double.PositiveInfinity), Ctx()), Expect.Error("attributions", "∞|inf"));
            yield return C(e, "empty-attributions", () => make().Loss(zeros([0, .. shape.Skip(1)]), Ctx()), Expect.Error("attributions", "empty"));
            yield return C(e, "0-dim-attributions", () => make().Loss(tensor(1f), Ctx()), Expect.Error("attributions", "0-dim|scalar|shape"));
            yield return C(e, "int64-attributions", () => make().Loss(ones(shape, int64), Ctx()), Expect.Error("attributions", "Int64|integer|floating"));
            yield return C(e, "valid", () => make().Loss(randn(shape), Ctx()), Expect.Result("finite scalar", r => Verify.Tensor(r, [])));
            yield return C(e, "all-zero-attributions", () => make().Loss(zeros(shape), Ctx()), Expect.Result("finite scalar", r => Verify.Tensor(r, [])));
            yield return C(e, "float64", () => make().Loss(randn(shape, float64), Ctx()), Expect.Result("finite scalar", r => Verify.Tensor(r, [])));
        }
        yield return C("TotalVariation.Loss", "2-D-attributions", () => new TotalVariation().Loss(randn(2, 4), Ctx()), Expect.Error("attributions", "[2, 4]"));
        yield return C("TotalVariation.CheckSampleShape", "1-D-sample", () => { new TotalVariation().CheckSampleShape([4]); return "ok"; }, Expect.Error("[4]", "image|H, W|2"));
        yield return C("TotalVariation.CheckSampleShape", "null", () => { new TotalVariation().CheckSampleShape(null!); return "ok"; }, Expect.Null("sampleShape"));
        yield return C("TotalVariation.StandardizePerImage", "constant-image-no-NaN", () => TotalVariation.StandardizePerImage(ones(2, 1, 4, 4)), Expect.FiniteTensor(2, 1, 4, 4));
        yield return C("TotalVariation.StandardizePerImage", "disposed", () => TotalVariation.StandardizePerImage(M.Dead(ones(2, 1, 4, 4))), Expect.Disposed("a"));
        yield return C("TotalVariation.ctor", "constructs", () => new TotalVariation { Standardize = false }.Name, Expect.Completes());
        // Gini and Quadratic take one vector φ (a value per feature), as documented; the cases pass vectors.
        yield return C("GiniSparsity.Gini", "all-zero-no-NaN", () => GiniSparsity.Gini(zeros(4)), Expect.Result("finite", r => Verify.Tensor(r, null)));
        yield return C("GiniSparsity.Gini", "NaN", () => GiniSparsity.Gini(M.WithNaN(randn(2, 4)).reshape(-1)), Expect.Error("phi", "NaN"));
        yield return C("GiniSparsity.Gini", "known-value", () => GiniSparsity.Gini(tensor(new float[] { 0, 0, 0, 1 })), Expect.Result("Gini of one-hot = 0.75", r => r is Tensor t && Math.Abs(t.reshape(-1)[0].item<float>() - 0.75) < 1e-4 ? null : Evaluator.Describe(r)));
        yield return C("GiniSparsity.ctor", "constructs", () => new GiniSparsity().Name, Expect.Completes());
        yield return C("L1Attribution.ctor", "constructs", () => new L1Attribution().Name, Expect.Completes());
        yield return C("L2Attribution.ctor", "constructs", () => new L2Attribution().Name, Expect.Completes());
        yield return C("CustomPrior.ctor", "null-loss", () => new CustomPrior("c", null!), Expect.Null("loss"));
        yield return C("CustomPrior.ctor", "null-name", () => new CustomPrior(null!, (a, _) => a.sum()), Expect.Null("name"));
        yield return C("CustomPrior.Loss", "loss-returns-NaN", () => new CustomPrior("c", (a, _) => a.sum() * float.NaN).Loss(randn(2, 4), Ctx()), Expect.Error("c", "NaN"));
        yield return C("CustomPrior.Loss", "loss-returns-vector", () => new CustomPrior("c", (a, _) => a).Loss(randn(2, 4), Ctx()), Expect.Error("c", "[2, 4]|scalar"));
        yield return C("GraphLaplacian.ctor", "features-0", () => new GraphLaplacian(0, []), Expect.Error("features", "0"));
        yield return C("GraphLaplacian.ctor", "edge-out-of-range", () => new GraphLaplacian(4, [(0, 9, 1.0)]), Expect.Error("edges", "9"));
        yield return C("GraphLaplacian.ctor", "edge-negative-index", () => new GraphLaplacian(4, [(-1, 2, 1.0)]), Expect.Error("edges", "-1"));
        yield return C("GraphLaplacian.ctor", "edge-NaN-weight", () => new GraphLaplacian(4, [(0, 1, double.NaN)]), Expect.Error("edges|w", "NaN"));
        yield return C("GraphLaplacian.ctor", "null-edges", () => new GraphLaplacian(4, null!), Expect.Null("edges"));
        yield return C("GraphLaplacian.FromAdjacency", "not-square", () => GraphLaplacian.FromAdjacency(ones(3, 4)), Expect.Error("adjacency", "[3, 4]"));
        yield return C("GraphLaplacian.FromAdjacency", "NaN", () => GraphLaplacian.FromAdjacency(M.WithNaN(ones(4, 4))), Expect.Error("adjacency", "NaN"));
        yield return C("GraphLaplacian.FromAdjacency", "disposed", () => GraphLaplacian.FromAdjacency(M.Dead(ones(4, 4))), Expect.Disposed("adjacency"));
        yield return C("GraphLaplacian.FromAdjacency", "asymmetric", () => GraphLaplacian.FromAdjacency(triu(ones(4, 4), 1)), Expect.Error("adjacency", "symmetric"));
        yield return C("GraphLaplacian.Quadratic", "wrong-features", () => GraphLaplacian.FromAdjacency(ones(4, 4) - eye(4)).Quadratic(randn(5)), Expect.Error("phi", "5", "4"));
        yield return C("GraphLaplacian.Quadratic", "after-dispose", () => { var g = GraphLaplacian.FromAdjacency(ones(4, 4) - eye(4)); g.Dispose(); return g.Quadratic(randn(4)); }, Expect.Disposed("GraphLaplacian"));
        yield return C("GraphLaplacian.Quadratic", "constant-is-zero", () => GraphLaplacian.FromAdjacency(ones(4, 4) - eye(4)).Quadratic(ones(4)), Expect.Result("0 for a constant", r => r is Tensor t && Verify.AllFinite(t) && t.abs().max().item<float>() < 1e-5 ? null : Evaluator.Describe(r)));
        yield return C("GraphLaplacian.CheckSampleShape", "wrong-features", () => { GraphLaplacian.FromAdjacency(ones(4, 4) - eye(4)).CheckSampleShape([5]); return "ok"; }, Expect.Error("5", "4"));
        yield return C("GraphLaplacian.Dispose", "twice", () => { var g = GraphLaplacian.FromAdjacency(ones(4, 4) - eye(4)); g.Dispose(); g.Dispose(); return "ok"; }, Expect.Completes());
        yield return C("IAttributionPrior.Loss", "via-interface-null", () => ((IAttributionPrior)new L1Attribution()).Loss(null!, Ctx()), Expect.Null("attributions"));
        yield return C("IAttributionPrior.CheckSampleShape", "default-accepts", () => { ((IAttributionPrior)new L1Attribution()).CheckSampleShape([4]); return "ok"; }, Expect.Completes());
    }
}
