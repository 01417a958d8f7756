using AttrDsl.Autograd;

namespace AttrDsl.Tests.Decomposition.Penalties;

/// <summary>
/// Checks a penalty's gradient with respect to a float64 model's weights against central differences: every weight
/// element is moved by ±ε in place and the penalty recomputed (re-seeding the global generator first when the penalty
/// draws random numbers, so both sides see the same draw).
/// </summary>
internal static class PenaltyGradCheck
{
    public const double Eps = 1e-6, Atol = 1e-6, Rtol = 1e-5;

    public static void AssertWeightGradient(nn.Module<Tensor, Tensor> model, Func<Tensor> penalty, int? seed = null)
    {
        var parameters = model.parameters().ToList();
        Assert.All(parameters, p => Assert.Equal(ScalarType.Float64, p.dtype));
        double[][] analytic;
        using (var scope = NewDisposeScope())
        {
            if (seed is int s) manual_seed(s);
            var loss = penalty();
            Assert.True(loss.requires_grad, "the penalty carries no gradient to the weights");
            // A weight the penalty does not reach (e.g. the last bias, for a penalty on input gradients) has gradient 0.
            analytic = GuardedAutograd.GradOrNull([loss], parameters)
                .Select((g, j) => g is null ? new double[parameters[j].numel()] : g.contiguous().data<double>().ToArray()).ToArray();
        }

        double Eval()
        {
            using var scope = NewDisposeScope();
            if (seed is int s) manual_seed(s);
            return penalty().ToDouble();
        }

        var worst = 0.0;
        var nonZero = 0;
        for (var j = 0; j < parameters.Count; j++)
        {
            // A flat view of the weight's storage, so one index reaches every element.
            using var p = parameters[j].detach().view(-1);
            var n = p.numel();
            for (var i = 0; i < n; i++)
            {
                double original;
                using (no_grad()) original = p.data<double>()[i];
                using (no_grad()) p.data<double>()[i] = original + Eps;
                var plus = Eval();
                using (no_grad()) p.data<double>()[i] = original - Eps;
                var minus = Eval();
                using (no_grad()) p.data<double>()[i] = original;
                var numeric = (plus - minus) / (2 * Eps);
                var a = analytic[j][i];
                if (Math.Abs(numeric) > 1e-8) nonZero++;
                var error = Math.Abs(a - numeric) - Rtol * Math.Abs(numeric);
                worst = Math.Max(worst, error);
                Assert.True(error <= Atol, $"parameter {j} element {i}: autograd {a:R}, central difference {numeric:R}");
            }
        }
        Assert.True(nonZero > 0, "every weight gradient is zero: the check would pass for a penalty that ignores the weights");
    }
}
