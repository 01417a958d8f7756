using AttrDsl.Torch.Native;

namespace AttrDsl.Torch;

public static unsafe partial class torch
{
    /// <summary>Functional autograd.</summary>
    public static class autograd
    {
        /// <summary>
        /// Gradients of <paramref name="outputs"/> with respect to <paramref name="inputs"/>, returned
        /// without touching any <c>.grad</c> — the primitive expected gradients and attribution priors need.
        /// <paramref name="grad_outputs"/> weights each output (null entries mean ones, for scalar outputs).
        /// With <paramref name="create_graph"/> the result is itself differentiable (second order).
        /// An input the outputs do not depend on raises unless <paramref name="allow_unused"/>, which returns null for it.
        /// </summary>
        public static Tensor?[] grad(IReadOnlyList<Tensor> outputs, IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? grad_outputs = null,
            bool? retain_graph = null, bool create_graph = false, bool allow_unused = false)
        {
            if (grad_outputs is not null && grad_outputs.Count != outputs.Count)
                throw new ArgumentException($"grad_outputs has {grad_outputs.Count} entries but there are {outputs.Count} outputs");
            for (var k = 0; k < outputs.Count; k++)
                if ((grad_outputs is null || grad_outputs[k] is null) && outputs[k].numel() != 1)
                    throw new ArgumentException($"output {k} has shape [{string.Join(", ", outputs[k].shape)}]: non-scalar outputs need a grad_outputs entry (e.g. torch.ones_like(output)).");
            var o = Tensor.Handles(outputs);
            var i = Tensor.Handles(inputs);
            var g = new nint[outputs.Count];
            for (var k = 0; k < g.Length; k++) g[k] = grad_outputs?[k]?.Handle ?? 0;
            var result = new nint[inputs.Count];
            fixed (nint* po = o) fixed (nint* pi = i) fixed (nint* pg = g) fixed (nint* pr = result)
                NativeOps.Check(NativeOps.ad_autograd_grad(po, o.Length, pi, i.Length, pg, g.Length,
                    retain_graph is null ? -1 : retain_graph.Value ? 1 : 0, create_graph ? 1 : 0, allow_unused ? 1 : 0, pr));
            var tensors = new Tensor?[result.Length];
            for (var k = 0; k < result.Length; k++) tensors[k] = result[k] == 0 ? null : new Tensor(result[k]);
            return tensors;
        }

        /// <summary>Gradient of one scalar output with respect to one input.</summary>
        public static Tensor grad(Tensor output, Tensor input, bool create_graph = false, bool? retain_graph = null) =>
            grad([output], [input], null, retain_graph, create_graph)[0]!;
    }
}
