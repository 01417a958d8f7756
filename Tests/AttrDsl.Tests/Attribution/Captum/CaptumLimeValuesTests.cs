using AttrDsl.Attribution;
using static AttrDsl.Tests.Attribution.Captum.CaptumBasicModels;

namespace AttrDsl.Tests.Attribution.Captum;

/// <summary>
/// Captum's published LIME values (tests/attr/test_lime.py) for the cases where the model is linear in the interpretable
/// features: every sample's output is 4·s − 8 with s ≥ 10 the sum of BasicModel_MultiLayer's input, so an unpenalised fit
/// recovers 4·(on − off) per group whatever the samples. Captum fits a Lasso (α = 1, scikit-learn's objective
/// (1/2n)·Σ w(y − Xβ)² + α‖β‖₁); on binary features switched on with probability ½ (variance ¼) its coefficients are the
/// least-squares ones moved towards 0 by α / ¼ = 4 (soft thresholding), so the least-squares coefficient AttrDsl's
/// <see cref="Lime"/> fits is Captum's value + 4·sign, to within Captum's delta (1.0; the sample design is only nearly
/// balanced, which is why some Captum values are 48.24 rather than 48).
/// </summary>
public class CaptumLimeValuesTests
{
    private const double LassoShift = 1.0 / 0.25;

    private static double[] Unshrunk(double[] captum) => [.. captum.Select(v => v + Math.Sign(v) * LassoShift)];

    /// <summary>For a model linear in the groups, group g's coefficient is f(all on) − f(all on but g off), from the model.</summary>
    private static double[] ExactCoefficients(nn.Module<Tensor, Tensor> model, Tensor x, Tensor mask, Tensor baseline, long[] groups)
    {
        using var _ = no_grad();
        var b = baseline.expand_as(x);
        var all = model.call(x)[.., 0];
        return [.. groups.Select(g => model.call(where(mask.expand_as(x) == g, b, x))[.., 0]).SelectMany(off => (all - off).to(float64).data<double>().ToArray())];
    }

    [Fact]
    public void LimeWithBaselines()
    {
        // test_simple_lime_with_baselines: BasicModel_MultiLayer, x = (20, 50, 30), feature mask [[0, 0, 1]], baselines 4,
        // target 0, cosine kernel of width 10, 100 samples (the default of _lime_test_assert), perturbations_per_eval
        // 1, 2, 3: Captum (244, 244, 100), coefficients (244, 100).
        using var scope = NewDisposeScope();
        var net = new CaptumMultiLayer();
        var x = tensor(new float[,] { { 20, 50, 30 } });
        var mask = tensor(new long[,] { { 0, 0, 1 } });
        Near(tensor(ExactCoefficients(net, x, mask, tensor(4f), [0, 1])), Unshrunk([244, 100]), 1.0, "model");
        foreach (var ppe in new[] { 1, 2, 3 })
        {
            var a = new Lime(net).Attribute(x, 0, mask, 4, nSamples: 100, perturbationsPerEval: ppe, kernelWidth: 10, seed: ppe);
            Near(a, Unshrunk([244, 244, 100]), 1.0, $"ppe {ppe}");
            Near(a, [248, 248, 104], 1e-2, $"ppe {ppe}, least squares");
        }
    }

    [Fact]
    public void LimeMultiInputWithMaskAndBaselines()
    {
        // test_multi_input_lime_with_mask, the case with baselines (2, 3.0, 4): BasicModel_MultiLayer_MultiInput (scale 1),
        // inputs (20, 50, 30), (0, 100, 0), (2, 10, 3), masks [[0, 1, 0]], [[0, 1, 2]], [[0, 0, 0]], 500 samples,
        // perturbations_per_eval 1, 2, 3: Captum ([180, 576, 180], [180, 576, −8], [180, 180, 180]), coefficients
        // (180, 576, −8).
        using var scope = NewDisposeScope();
        var model = new CaptumMultiLayerMultiInput(1);
        var x = Stack(new float[,] { { 20, 50, 30 } }, new float[,] { { 0, 100, 0 } }, new float[,] { { 2, 10, 3 } });
        var mask = stack([tensor(new long[,] { { 0, 1, 0 } }), tensor(new long[,] { { 0, 1, 2 } }), tensor(new long[,] { { 0, 0, 0 } })], 1);
        var baseline = Stack(new float[,] { { 2, 2, 2 } }, new float[,] { { 3, 3, 3 } }, new float[,] { { 4, 4, 4 } });
        Near(tensor(ExactCoefficients(model, x, mask, baseline, [0, 1, 2])), Unshrunk([180, 576, -8]), 1.0, "model");
        foreach (var ppe in new[] { 1, 2, 3 })
        {
            var a = new Lime(model).Attribute(x, 0, mask, baseline, nSamples: 500, perturbationsPerEval: ppe, kernelWidth: 10, seed: 10 + ppe);
            Near(a, Unshrunk([180, 576, 180, 180, 576, -8, 180, 180, 180]), 1.0, $"ppe {ppe}");
        }
    }

    [Fact]
    public void LimeMultiInputBatchWithBaselines()
    {
        // test_multi_input_batch_lime, the case with baselines (2, 3.0, 4): inputs (23, 100, 0), (20, 50, 30);
        // (20, 50, 30), (0, 100, 0); (0, 100, 10), (2, 10, 3); masks [[1, 1, 1], [0, 1, 0]], [[0, 1, 2]],
        // [[0, 1, 2], [0, 0, 0]], 500 samples, perturbations_per_eval 1, 2, 3: Captum
        // ([[1036.4233 ×3], [180.3035, 575.8969, 180.3035]], [[48.2441, 1036.4233, 128.3161], [180.3035, 575.8969, −8.3229]],
        // [[48.2441, 1036.4233, 128.3161], [180.3035 ×3]]).
        using var scope = NewDisposeScope();
        var model = new CaptumMultiLayerMultiInput(1);
        var x = Stack(new float[,] { { 23, 100, 0 }, { 20, 50, 30 } }, new float[,] { { 20, 50, 30 }, { 0, 100, 0 } }, new float[,] { { 0, 100, 10 }, { 2, 10, 3 } });
        var mask = stack([tensor(new long[,] { { 1, 1, 1 }, { 0, 1, 0 } }), tensor(new long[,] { { 0, 1, 2 }, { 0, 1, 2 } }), tensor(new long[,] { { 0, 1, 2 }, { 0, 0, 0 } })], 1);
        var baseline = Stack(new float[,] { { 2, 2, 2 } }, new float[,] { { 3, 3, 3 } }, new float[,] { { 4, 4, 4 } });
        double[] row0 = [1036.4233, 1036.4233, 1036.4233, 48.2441, 1036.4233, 128.3161, 48.2441, 1036.4233, 128.3161];
        double[] row1 = [180.3035, 575.8969, 180.3035, 180.3035, 575.8969, -8.3229, 180.3035, 180.3035, 180.3035];
        foreach (var ppe in new[] { 1, 2, 3 })
        {
            var a = new Lime(model).Attribute(x, 0, mask, baseline, nSamples: 500, perturbationsPerEval: ppe, kernelWidth: 10, seed: 20 + ppe);
            Near(a, Unshrunk([.. row0, .. row1]), 1.0, $"ppe {ppe}");
        }
    }
}
