using AttrDsl.Decomposition;
using Pair = AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Attribution;

/// <summary>
/// Guided backpropagation (Springenberg et al. 2015) and deconvolution (Zeiler &amp; Fergus 2014) as interpretations of
/// the decomposition rules: every ReLU — module, functional or in place — passes relu(x) forward, and backward passes
/// only the positive part of the incoming gradient, at positive inputs (guided) or everywhere (deconvolution). Other
/// non-linearities keep their gradient, as in Captum. The reference part is not used (zeros).
/// </summary>
internal sealed class GuidedRules(string method, bool deconvolution) : Interpretation
{
    internal override string Method => method;

    internal override Pair Elementwise(Pair d, Func<Tensor, Tensor> f, bool isRelu)
    {
        using var scope = NewDisposeScope();
        Tensor reference;
        using (no_grad()) reference = OnReference(d.Irrelevant, f);
        var y = !isRelu ? f(d.Relevant) : deconvolution ? DeconvolutionRelu.apply(d.Relevant) : GuidedRelu.apply(d.Relevant);
        return new Pair(y, reference).MoveToOuterDisposeScope();
    }

    /// <summary>relu forward; backward relu(g) where the input was positive.</summary>
    private sealed class GuidedRelu : autograd.SingleTensorFunction<GuidedRelu>
    {
        public override string Name => "GuidedRelu";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var x = (Tensor)vars[0];
            ctx.save_for_backward([x.gt(0)]);
            return x.relu();
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output) =>
            [grad_output.clamp_min(0) * ctx.get_saved_variables()[0].to(grad_output.dtype)];
    }

    /// <summary>relu forward; backward relu(g) whatever the input.</summary>
    private sealed class DeconvolutionRelu : autograd.SingleTensorFunction<DeconvolutionRelu>
    {
        public override string Name => "DeconvolutionRelu";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars) => ((Tensor)vars[0]).relu();

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output) => [grad_output.clamp_min(0)];
    }
}
