using AttrDsl.Attribution;
using AttrDsl.Tests.Infrastructure;
using static AttrDsl.Tests.Attribution.Lpm;
using static AttrDsl.Tests.Attribution.Layer.ByNameTestModels;

namespace AttrDsl.Tests.Attribution.Layer;

/// <summary>
/// Layer gradient × activation against float64 central differences of the rest of the model (no autograd in the
/// reference), at a layer chosen by path whose rest also reads the input through a skip connection.
/// </summary>
public class LayerGradientXActivationTests
{
    private const int B = 2, H = 4, Cls = 1;

    /// <summary>∂F(x, z)[b, Cls]/∂z by central differences of the hand-written rest of <see cref="Residual"/> at "block".</summary>
    private static double[] FdGrad(Residual model, double[] xv, double[] z)
    {
        using var noGrad = no_grad();
        double F(double[] v)
        {
            using var scope = NewDisposeScope();
            var x = T(xv, B, 3);
            return A(model.head.forward(T(v, B, H).tanh() + model.H(x)).tanh().select(1, Cls)).Sum();
        }
        return GradCheck.CentralDifferences(F, z);
    }

    private static void Matches(double[] numeric, double[] analytic, string what)
    {
        Assert.Equal(numeric.Length, analytic.Length);
        for (var i = 0; i < numeric.Length; i++)
            Assert.True(Math.Abs(analytic[i] - numeric[i]) <= GradCheck.Atol + GradCheck.Rtol * Math.Abs(numeric[i]),
                $"{what} element {i}: method {analytic[i]}, finite differences {numeric[i]}");
        Assert.Contains(numeric, v => Math.Abs(v) > 1e-3);
    }

    [Fact]
    public void GradientTimesActivationMatchesFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        var model = new Residual();
        var xv = Values(B * 3, 801, -2, 2);
        double[] z;
        using (no_grad()) z = A(model.block.forward(model.H(T(xv, B, 3))));
        var g = FdGrad(model, xv, z);
        var method = new LayerGradientXActivation(model, "block");
        Matches(g.Select((v, i) => v * z[i]).ToArray(), A(method.Attribute(T(xv, B, 3), Target.Class(Cls))), "gradient × activation");
        Matches(g, A(method.Attribute(T(xv, B, 3), Target.Class(Cls), multiplyByInputs: false)), "layer gradient");
        Assert.Equal(0, HookCount(model));
    }

    [Fact]
    public void IntegerInputsAreAccepted()
    {
        using var scope = NewDisposeScope();
        // Token ids into the embedding: z ⊙ ∂f/∂z = E[id_t] ⊙ W[c, :] / T for the linear bag of embeddings.
        var model = new BagOfEmbeddings(nonlinear: false);
        long[] ids = [2, 5, 1];
        double[] e = A(model.embedding.weight!), w = A(model.fc.weight);
        const int d = BagOfEmbeddings.Dim;
        var expected = new double[ids.Length * d];
        for (var t = 0; t < ids.Length; t++)
        for (var k = 0; k < d; k++)
            expected[t * d + k] = e[ids[t] * d + k] * w[0 * d + k] / ids.Length;
        Close(expected, A(new LayerGradientXActivation(model, "embedding").Attribute(tensor(ids, [1, ids.Length]), Target.Class(0))), 1e-12);
    }
}
