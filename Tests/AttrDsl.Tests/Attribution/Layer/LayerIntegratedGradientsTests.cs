using AttrDsl.Attribution;
using static AttrDsl.Tests.Attribution.Lpm;
using static AttrDsl.Tests.Attribution.Layer.ByNameTestModels;

namespace AttrDsl.Tests.Attribution.Layer;

/// <summary>
/// Layer integrated gradients: the closed form at the first layer of a linear model, completeness and the convergence
/// delta on a smooth model, and a text model with integer token ids whose embedding layer is attributed.
/// </summary>
public class LayerIntegratedGradientsTests
{
    /// <summary>f = W2(W1 x + b1) + b2: at layer "0" the attribution to unit j is (z_j − z'_j)·W2[c, j] exactly.</summary>
    [Fact]
    public void FirstLayerOfALinearModelHasTheClosedForm()
    {
        using var scope = NewDisposeScope();
        var l1 = Lin(3, 4, 701);
        var l2 = Lin(4, 2, 703);
        var model = nn.Sequential(l1, l2);
        double[] w1 = A(l1.weight), b1 = A(l1.bias!), w2 = A(l2.weight);
        var xv = Values(6, 705, -2, 2);
        var bv = Values(3, 706);
        double Z(double[] v, int row, int j) => b1[j] + Enumerable.Range(0, 3).Sum(i => w1[j * 3 + i] * v[row * 3 + i]);
        const int c = 1;
        var expected = new double[2 * 4];
        for (var r = 0; r < 2; r++)
        for (var j = 0; j < 4; j++)
            expected[r * 4 + j] = (Z(xv, r, j) - Z(bv, 0, j)) * w2[c * 4 + j];
        var (attr, delta) = new LayerIntegratedGradients(model, "0").AttributeWithDelta(T(xv, 2, 3), Target.Class(c), baselines: T(bv, 3), nSteps: 3);
        Close(expected, A(attr), 1e-12);
        Close([0, 0], A(delta), 1e-12, "delta");
        // Without the product: the average gradient, here W2[c, :] for every row.
        var local = A(new LayerIntegratedGradients(model, "0").Attribute(T(xv, 2, 3), Target.Class(c), baselines: T(bv, 3), nSteps: 3, multiplyByInputs: false));
        Close(w2[(c * 4)..(c * 4 + 4)].Concat(w2[(c * 4)..(c * 4 + 4)]).ToArray(), local, 1e-12, "gradient");
    }

    /// <summary>A smooth model whose output depends on the input only through layer "2": the attributions sum to f(x) − f(x').</summary>
    [Fact]
    public void AttributionsAreCompleteAndTheDeltaShrinksWithTheSteps()
    {
        using var scope = NewDisposeScope();
        var model = nn.Sequential(Lin(3, 5, 711), nn.Tanh(), Lin(5, 4, 713), nn.Tanh(), Lin(4, 2, 715), nn.Sigmoid());
        var x = T(Values(9, 717, -2, 2), 3, 3);
        var xb = T(Values(3, 718), 3);
        var lig = new LayerIntegratedGradients(model, "2");
        double[] f;
        using (no_grad()) f = A(model.forward(x).select(1, 0) - model.forward(xb.unsqueeze(0)).select(1, 0));

        double[] Delta(int n, IntegrationMethod method)
        {
            var (attr, delta) = lig.AttributeWithDelta(x, Target.Class(0), baselines: xb, nSteps: n, method: method, internalBatchSize: 16);
            var sums = A(attr.sum(1));
            // The delta is Σ attributions − (f(x) − f(x')), with f computed here from the model directly.
            Close(sums.Select((s, i) => s - f[i]).ToArray(), A(delta), 1e-12, $"delta at {n} {method} steps");
            return A(delta);
        }
        var coarse = Delta(10, IntegrationMethod.RiemannTrapezoid);
        var fine = Delta(200, IntegrationMethod.RiemannTrapezoid);
        Assert.All(fine, d => Assert.True(Math.Abs(d) < 1e-3, $"delta {d} at 200 steps"));
        for (var i = 0; i < fine.Length; i++)
            Assert.True(Math.Abs(fine[i]) < Math.Abs(coarse[i]) / 10, $"sample {i}: delta {fine[i]} at 200 steps, {coarse[i]} at 10");
        Assert.Contains(coarse, d => Math.Abs(d) > 1e-6);   // the coarse rule does have an error to shrink
        // Gauss–Legendre (the default) is far more accurate at its default 50 steps.
        Assert.All(Delta(50, IntegrationMethod.GaussLegendre), d => Assert.True(Math.Abs(d) < 1e-9, $"Gauss–Legendre delta {d}"));
    }

    /// <summary>
    /// BagOfEmbeddings (linear): f = W·mean_t E[id_t] + b, so token t's attribution is (E[id_t] − E[0]) ⊙ W[c, :] / T,
    /// exactly, and positions holding the padding id get nothing.
    /// </summary>
    [Fact]
    public void TokenIdsWithAPaddingBaselineHaveTheClosedForm()
    {
        using var scope = NewDisposeScope();
        var model = new BagOfEmbeddings(nonlinear: false);
        long[] ids = [3, 1, 0, 5, 2, 2, 4, 0];
        const int b = 2, t = 4, d = BagOfEmbeddings.Dim, c = 1;
        var inputs = tensor(ids, [b, t]);
        double[] e = A(model.embedding.weight!), w = A(model.fc.weight);
        var expected = new double[b * t * d];
        for (var i = 0; i < b * t; i++)
        for (var k = 0; k < d; k++)
            expected[i * d + k] = (e[ids[i] * d + k] - e[0 * d + k]) * w[c * d + k] / t;
        var (attr, delta) = new LayerIntegratedGradients(model, "embedding").AttributeWithDelta(inputs, Target.Class(c), nSteps: 4);
        Assert.Equal([(long)b, t, d], attr.shape);
        Close(expected, A(attr), 1e-12);
        Close([0, 0], A(delta), 1e-12, "delta");
        Assert.Equal(ScalarType.Int64, inputs.dtype);
        Assert.Equal(ids, inputs.data<long>().ToArray());
    }

    /// <summary>With a tanh after the mean the path integral is not exact: the per-token attributions still sum to f(x) − f(x') up to the (small) delta.</summary>
    [Fact]
    public void PerTokenAttributionsOfANonlinearTextModelAreComplete()
    {
        using var scope = NewDisposeScope();
        var model = new BagOfEmbeddings(nonlinear: true);
        var inputs = tensor(new long[] { 3, 1, 5, 0, 4, 4, 2, 1, 0, 0, 5, 3 }, [3, 4]);
        var baseline = zeros([1, 4], int64);   // all padding id 0
        var (attr, delta) = new LayerIntegratedGradients(model, "embedding").AttributeWithDelta(inputs, Target.Class(0), baselines: baseline);
        var perToken = attr.sum(2);            // [B, T]: one attribution per token
        Assert.Equal([3L, 4], perToken.shape);
        double[] f;
        using (no_grad()) f = A(model.forward(inputs).select(1, 0) - model.forward(zeros([3, 4], int64)).select(1, 0));
        var sums = A(perToken.sum(1));
        Close(sums.Select((s, i) => s - f[i]).ToArray(), A(delta), 1e-12, "delta");
        Assert.All(A(delta), dv => Assert.True(Math.Abs(dv) < 1e-8, $"delta {dv}"));
        Assert.Contains(f, v => Math.Abs(v) > 1e-2);
        // Padding positions (id 0, as in the baseline) get exactly nothing.
        var tokens = A(perToken);
        Assert.Equal(0.0, tokens[3]);
        Assert.Equal(0.0, tokens[2 * 4 + 0]);
        Assert.Equal(0.0, tokens[2 * 4 + 1]);
    }

    [Fact]
    public void FloatingBaselinesForTokenIdsAreRejected()
    {
        using var scope = NewDisposeScope();
        var model = new BagOfEmbeddings(nonlinear: false);
        var ex = Assert.Throws<ArgumentException>(() =>
            new LayerIntegratedGradients(model, "embedding").Attribute(tensor(new long[] { 1, 2 }, [1, 2]), Target.Class(0), baselines: zeros([1, 2], float64)));
        Assert.StartsWith("LayerIntegratedGradients: the baselines are Float64 but the inputs are Int64", ex.Message);
        Assert.Equal("baselines", ex.ParamName);
        Assert.Equal(0, HookCount(model));
    }

    [Fact]
    public void HandWrittenSplitWorksLikeTheOtherLayerMethods()
    {
        using var scope = NewDisposeScope();
        // bottom = x ↦ x (the layer is the input), top = product of the first two features: IG's closed form.
        Func<Tensor, Tensor> top = z => (z.select(1, 0) * z.select(1, 1)).unsqueeze(1);
        var xv = Values(4, 721, -2, 2);
        var attr = A(new LayerIntegratedGradients(x => x.alias(), top).Attribute(T(xv, 2, 2), Target.Class(0), nSteps: 2));
        // ∫₀¹ ∂(αx0·αx1)/∂z0 dα · x0 = x0·x1/2, likewise for z1; Gauss–Legendre with 2 points integrates α exactly.
        Close([xv[0] * xv[1] / 2, xv[0] * xv[1] / 2, xv[2] * xv[3] / 2, xv[2] * xv[3] / 2], attr, 1e-12);
    }
}
