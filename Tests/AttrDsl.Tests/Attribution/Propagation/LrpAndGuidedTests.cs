using AttrDsl.Attribution;

namespace AttrDsl.Tests.Attribution.Propagation;

/// <summary>LRP's conservation per rule, guided backpropagation and deconvolution against their closed forms, guided Grad-CAM.</summary>
[Collection(AttrDsl.Tests.Infrastructure.GlobalRngCollection.Name)]
public class LrpAndGuidedTests
{
    private static double Max(Tensor t) => t.abs().max().to(float64).item<double>();

    [Fact]
    public void CaptumLrpSimpleAttributionsBatch()
    {
        // Captum tests/attr/test_lrp.py, test_lrp_simple_attributions(_batch): linear(3→3, weights 2), ReLU (in place here,
        // as test_lrp_simple_inplaceReLU), linear(3→1, weights 3), ε rule; x = (1, 2, 3) and 3x → (18, 36, 54), (54, 108, 162).
        using var scope = NewDisposeScope();
        var model = nn.Sequential(("linear", nn.Linear(3, 3, hasBias: false)), ("relu", nn.ReLU(inplace: true)), ("linear2", nn.Linear(3, 1, hasBias: false)));
        using (no_grad())
        {
            ((TorchSharp.Modules.Linear)model[0]).weight!.fill_(2);
            ((TorchSharp.Modules.Linear)model[2]).weight!.fill_(3);
        }
        var x = tensor(new float[,] { { 1, 2, 3 }, { 3, 6, 9 } });
        var r = new Lrp(model).Attribute(x, 0);
        Assert.True(Max(r - tensor(new float[,] { { 18, 36, 54 }, { 54, 108, 162 } })) < 1e-3, r.str());
    }

    private static nn.Module<Tensor, Tensor> CaptumOneConvNet() => Captum.CaptumBasicModels.OneConvNet();

    [Fact]
    public void CaptumGuidedBackpropAndNeuronGuidedBackpropValues()
    {
        // Captum tests/attr/test_guided_backprop_deconvolution.py: test_simple_input_conv_gb and
        // test_simple_input_conv_neuron_gb (x = arange(16) as 1×1×4×4, target 0, neuron 0 of fc1), and
        // test_simple_multi_input_conv_gb / _neuron_gb, whose model adds a second input of ones first: the same as
        // x + 1 through one input (neuron 3 of fc1 there). Captum compares with delta 0.01.
        using var scope = NewDisposeScope();
        var model = CaptumOneConvNet();
        var x = arange(16, dtype: float32).view(1, 1, 4, 4);
        var expected = tensor(new float[] { 0, 1, 1, 1, 1, 3, 3, 2, 1, 3, 3, 2, 1, 2, 2, 1 }).view(1, 1, 4, 4);
        var multi = tensor(new float[] { 1, 2, 2, 1, 2, 4, 4, 2, 2, 4, 4, 2, 1, 2, 2, 1 }).view(1, 1, 4, 4);
        var gb = new GuidedBackprop(model).Attribute(x, 0);
        Assert.True(Max(gb - expected) < 0.01, gb.str());
        var neuron = new NeuronGuidedBackprop(model, "fc1", [0]).Attribute(x);
        Assert.True(Max(neuron - expected) < 0.01, neuron.str());
        var gbMulti = new GuidedBackprop(model).Attribute(x + 1, 0);
        Assert.True(Max(gbMulti - multi) < 0.01, gbMulti.str());
        var neuronMulti = new NeuronGuidedBackprop(model, "fc1", [3]).Attribute(x + 1);
        Assert.True(Max(neuronMulti - multi) < 0.01, neuronMulti.str());
    }

    [Fact]
    public void CaptumDeconvolutionValues()
    {
        // Captum tests/attr/test_deconvolution.py: test_simple_input_conv_deconv (x = arange(16) as 1×1×4×4, target 0) and
        // test_simple_multi_input_conv_deconv (a second input of ones added first: x + 1 through one input), delta 0.01.
        using var scope = NewDisposeScope();
        var model = CaptumOneConvNet();
        var x = arange(16, dtype: float32).view(1, 1, 4, 4);
        var expected = tensor(new float[] { 2, 3, 3, 1, 3, 5, 5, 2, 3, 5, 5, 2, 1, 2, 2, 1 }).view(1, 1, 4, 4);
        var deconv = new Deconvolution(model).Attribute(x, 0);
        Assert.True(Max(deconv - expected) < 0.01, deconv.str());
        var multi = new Deconvolution(model).Attribute(x + 1, 0);
        Assert.True(Max(multi - expected) < 0.01, multi.str());
    }

    [Fact]
    public void CaptumGuidedGradCamValues()
    {
        // Captum tests/attr/test_guided_grad_cam.py: test_simple_input_conv (layer relu1, x = arange(16) as 1×1×4×4,
        // target 0, nearest upsampling) and test_simple_multi_input_conv (layer conv1, a second input of ones added first:
        // x + 1 through one input), delta 0.01.
        using var scope = NewDisposeScope();
        var model = CaptumOneConvNet();
        var x = arange(16, dtype: float32).view(1, 1, 4, 4);
        var atRelu = new GuidedGradCam(model, "relu1").Attribute(x, 0);
        var expected = tensor(new float[] { 0, 0, 4, 4, 0, 0, 12, 8, 28, 84, 97.5f, 65, 28, 56, 65, 32.5f }).view(1, 1, 4, 4);
        Assert.True(Max(atRelu - expected) < 0.01, atRelu.str());
        var atConv = new GuidedGradCam(model, "conv1").Attribute(x + 1, 0);
        var multi = tensor(new float[] { 14.5f, 29, 38, 19, 29, 58, 76, 38, 65, 130, 148, 74, 32.5f, 65, 74, 37 }).view(1, 1, 4, 4);
        Assert.True(Max(atConv - multi) < 0.01, atConv.str());
    }

    [Fact]
    public void EveryRuleConservesRelevanceOnBiasFreeReluNets()
    {
        using var scope = NewDisposeScope();
        manual_seed(21);
        var x = randn(4, 6, dtype: float64);
        var model = PropagationNets.Mlp(bias: false);
        Tensor fx;
        using (no_grad()) fx = model.forward(x)[.., 0];
        foreach (var rule in new[] { LrpRule.Epsilon(0), LrpRule.Gamma(0.25), LrpRule.Alpha1Beta0 })
        {
            // α1β0 needs non-negative inputs: the first layer keeps ε = 0.
            var rules = rule == LrpRule.Alpha1Beta0 ? new Dictionary<string, LrpRule> { ["fc1"] = LrpRule.Epsilon(0) } : null;
            var r = new Lrp(model, rule, rules).Attribute(x, 0);
            // α1β0 (z⁺) propagates positive relevance only: it conserves the outputs that are positive, and a negative output
            // (possible behind the last linear layer) gives no relevance at all.
            var kept = rule == LrpRule.Alpha1Beta0 ? fx.clamp_min(0) : fx;
            if (rule == LrpRule.Alpha1Beta0) Assert.True(fx.gt(0).any().item<bool>(), "no positive output to conserve");
            Assert.True(Max(r.sum(1) - kept) < 1e-9 * Math.Max(1, Max(fx)), $"{rule.Kind}: Σ R = {r.sum(1).str()}, f(x) = {fx.str()}");
        }
        // z^B at the first layer, inputs in [−3, 3]: conserved too (the bounds take their share).
        var zb = new Lrp(model, LrpRule.Epsilon(0), new Dictionary<string, LrpRule> { ["fc1"] = LrpRule.ZB })
            .Attribute(x.clamp(-3, 3), 0, full(1, 6, -3.0, dtype: float64), full(1, 6, 3.0, dtype: float64));
        using (no_grad()) fx = model.forward(x.clamp(-3, 3))[.., 0];
        Assert.True(Max(zb.sum(1) - fx) < 1e-9 * Math.Max(1, Max(fx)));
        // ε = 0 on a ReLU net is gradient × input exactly (Ancona et al. 2018).
        var eps0 = new Lrp(model, LrpRule.Epsilon(0)).Attribute(x, 0);
        Assert.True(Max(eps0 - new InputXGradient(model).Attribute(x, 0)) < 1e-12);
        // γ > 0 is not (the rule map changes the result).
        Assert.True(Max(new Lrp(model, LrpRule.Gamma(1)).Attribute(x, 0) - eps0) > 1e-3);
    }

    [Fact]
    public void LrpOnCnnConservesWithMaxPool()
    {
        using var scope = NewDisposeScope();
        var model = PropagationNets.Cnn(bias: false);
        var x = randn(2, 1, 8, 8, dtype: float64);
        var r = new Lrp(model, LrpRule.Epsilon(0), new Dictionary<string, LrpRule> { ["Conv2d"] = LrpRule.Gamma(0.5) }).Attribute(x, 4);
        Tensor fx;
        using (no_grad()) fx = model.forward(x)[.., 4];
        Assert.True(Max(r.flatten(1).sum(1) - fx) < 1e-9 * Math.Max(1, Max(fx)));
    }

    [Fact]
    public void GuidedBackpropAndDeconvolutionMatchTheirClosedForms()
    {
        // y = w2·relu(W1 x): guided = W1ᵀ(relu(w2) ⊙ [W1 x > 0]), deconvolution = W1ᵀ relu(w2).
        using var scope = NewDisposeScope();
        manual_seed(8);
        var model = nn.Sequential(("fc1", nn.Linear(5, 7, hasBias: false)), ("relu", nn.ReLU()), ("fc2", nn.Linear(7, 1, hasBias: false)));
        model.to(float64);
        var w1 = ((TorchSharp.Modules.Linear)model[0]).weight!.detach();
        var w2 = ((TorchSharp.Modules.Linear)model[2]).weight!.detach();
        var x = randn(3, 5, dtype: float64);
        var open = (x.matmul(w1.t()) > 0).to(float64);
        var guided = (w2.relu() * open).matmul(w1);
        var deconv = w2.relu().matmul(w1).expand(3, 5);
        Assert.True(Max(new GuidedBackprop(model).Attribute(x, 0) - guided) < 1e-12);
        Assert.True(Max(new Deconvolution(model).Attribute(x, 0) - deconv) < 1e-12);
        // Neither is the plain gradient here (w2 has negative entries).
        Assert.True(Max(new GuidedBackprop(model).Attribute(x, 0) - new Saliency(model).Attribute(x, 0, abs: false)) > 1e-6);
    }

    [Fact]
    public void GuidedGradCamIsGuidedBackpropTimesUpsampledGradCam()
    {
        using var scope = NewDisposeScope();
        var model = PropagationNets.Cnn();
        var x = randn(2, 1, 8, 8, dtype: float64);
        var ggc = new GuidedGradCam(model, "conv2").Attribute(x, 3);
        var cam = new GradCam(model, "conv2").Attribute(x, 3, relu: true, upsampleToInput: true, interpolateMode: "nearest");
        var expected = new GuidedBackprop(model).Attribute(x, 3) * cam;
        Assert.Equal(x.shape, ggc.shape);
        Assert.True(Max(ggc - expected) < 1e-12);
        Assert.True(Max(ggc) > 0);
    }
}
