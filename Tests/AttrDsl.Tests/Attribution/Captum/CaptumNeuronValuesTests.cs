using AttrDsl.Attribution;
using static AttrDsl.Tests.Attribution.Captum.CaptumBasicModels;

namespace AttrDsl.Tests.Attribution.Captum;

/// <summary>
/// Captum's published values for the neuron methods (tests/attr/neuron/*.py) on the translations of Captum's basic
/// models. For the multi-input model the inputs are stacked [B, 3, 3]; where Captum passes the third input as an
/// additional forward argument only the first two slots are compared (and the third gets a baseline equal to itself).
/// </summary>
public class CaptumNeuronValuesTests
{
    private static readonly float[,] X0_100_0 = { { 0, 100, 0 } };

    /// <summary>The first <paramref name="slots"/> inputs of a stacked multi-input attribution [B, 3, 3].</summary>
    private static Tensor Slots(Tensor a, int slots) => a[.., ..slots];

    // ---- NeuronGradient: tests/attr/neuron/test_neuron_gradient.py (Captum's default delta 1e-4) ----

    [Fact]
    public void NeuronGradientValues()
    {
        using var scope = NewDisposeScope();
        var net = new CaptumMultiLayer();
        var x = tensor(X0_100_0);
        Near(new NeuronGradient(net, "linear2", [0]).Attribute(x), [4, 4, 4], 1e-4, "linear2");   // test_simple_gradient_input_linear2
        Near(new NeuronGradient(net, "linear1", [0]).Attribute(x), [1, 1, 1], 1e-4, "linear1");   // test_simple_gradient_input_linear1
        var y = tensor(new float[,] { { 0, 5, 4 } });
        Near(new NeuronGradient(new CaptumMultiLayer(inplace: true), "linear1", [0]).Attribute(y), [1, 1, 1], 1e-4, "linear1, in place"); // test_simple_gradient_input_linear1_inplace
        Near(new NeuronGradient(net, "relu", [0]).Attribute(y), [0, 0, 0], 1e-4, "relu 0");        // test_simple_gradient_input_relu
        Near(new NeuronGradient(net, "relu", [1]).Attribute(y), [1, 1, 1], 1e-4, "relu 1");        // test_simple_gradient_input_relu2
        // test_simple_gradient_multi_input_linear2: three inputs (0, 100, 0), scale 3: 12 everywhere.
        var three = Stack(X0_100_0, X0_100_0, X0_100_0);
        Near(new NeuronGradient(new CaptumMultiLayerMultiInput(3), "model.linear2", [0]).Attribute(three), [.. Enumerable.Repeat(12.0, 9)], 1e-4, "multi-input linear2");
        // test_simple_gradient_multi_input_linear1: inputs 1 and 2 (0, 100, 0), the third additional, scale 5: 5 everywhere.
        Near(Slots(new NeuronGradient(new CaptumMultiLayerMultiInput(5), "model.linear1", [0]).Attribute(three), 2), [.. Enumerable.Repeat(5.0, 6)], 1e-4, "multi-input linear1");
    }

    // ---- NeuronIntegratedGradients: tests/attr/neuron/test_neuron_integrated_gradients.py (n_steps 200,
    //      Gauss–Legendre, delta 0.1) ----

    [Fact]
    public void NeuronIntegratedGradientsValues()
    {
        using var scope = NewDisposeScope();
        var net = new CaptumMultiLayer();
        NeuronIg(net, "linear2", 0, tensor(X0_100_0), [0, 390, 0]);                             // test_simple_ig_input_linear2
        NeuronIg(net, "linear1", 0, tensor(X0_100_0), [0, 100, 0]);                             // test_simple_ig_input_linear1
        NeuronIg(net, "relu", 0, tensor(new float[,] { { 0, 6, 14 } }), [0, 3, 7]);             // test_simple_ig_input_relu
        NeuronIg(net, "relu", 1, tensor(new float[,] { { 0, 5, 4 } }), [0, 5, 4]);              // test_simple_ig_input_relu2
        // test_simple_ig_multi_input_linear2: (0, 10, 0), (0, 10, 0), (0, 5, 0), scale 4.
        NeuronIg(new CaptumMultiLayerMultiInput(4), "model.linear2", 0,
            Stack(new float[,] { { 0, 10, 0 } }, new float[,] { { 0, 10, 0 } }, new float[,] { { 0, 5, 0 } }), [0, 156, 0, 0, 156, 0, 0, 78, 0]);
        // test_simple_ig_multi_input_relu: (0, 6, 14) twice, additional (0, 0, 0), scale 0.5.
        NeuronIg(new CaptumMultiLayerMultiInput(0.5), "model.relu", 0,
            Stack(new float[,] { { 0, 6, 14 } }, new float[,] { { 0, 6, 14 } }, new float[,] { { 0, 0, 0 } }), [0, 1.5, 3.5, 0, 1.5, 3.5], slots: 2);
        // test_simple_ig_multi_input_relu_batch: the additional input (0, 0, 0), (0, 20, 0) held by its baseline.
        var inp3 = new float[,] { { 0, 0, 0 }, { 0, 20, 0 } };
        NeuronIg(new CaptumMultiLayerMultiInput(0.5), "model.relu", 0,
            Stack(new float[,] { { 0, 6, 14 }, { 0, 80, 0 } }, new float[,] { { 0, 6, 14 }, { 0, 20, 0 } }, inp3),
            [0, 1.5, 3.5, 0, 1.5, 3.5, 0, 40, 0, 0, 10, 0], slots: 2, baselines: Stack(new float[2, 3], new float[2, 3], inp3));
    }

    private static void NeuronIg(nn.Module<Tensor, Tensor> model, string layer, long neuron, Tensor x, double[] expected, int slots = 0, Tensor? baselines = null)
    {
        var a = new NeuronIntegratedGradients(model, layer, [neuron]).Attribute(x, baselines, nSteps: 200);
        Near(slots > 0 ? Slots(a, slots) : a, expected, 0.1, $"{layer}[{neuron}]");
    }

    // ---- NeuronConductance: tests/attr/neuron/test_neuron_conductance.py (target 0, n_steps 500, Gauss–Legendre,
    //      delta 0.1) ----

    [Fact]
    public void NeuronConductanceValues()
    {
        using var scope = NewDisposeScope();
        var net = new CaptumMultiLayer();
        Conductance(net, "linear2", 0, tensor(X0_100_0), [0, 390, 0]);                          // test_simple_conductance_input_linear2
        Conductance(net, "linear1", 0, tensor(X0_100_0), [0, 90, 0]);                           // test_simple_conductance_input_linear1
        Conductance(net, "relu", 3, tensor(new float[,] { { 0, 70, 30 } }), [0, 70, 30]);       // test_simple_conductance_input_relu
        // test_simple_conductance_multi_input_linear2: (0, 10, 0), (0, 10, 0), (0, 5, 0), scale 4.
        Conductance(new CaptumMultiLayerMultiInput(4), "model.linear2", 0,
            Stack(new float[,] { { 0, 10, 0 } }, new float[,] { { 0, 10, 0 } }, new float[,] { { 0, 5, 0 } }), [0, 156, 0, 0, 156, 0, 0, 78, 0]);
        // test_simple_conductance_multi_input_relu: (0, 10, 1), (0, 4, 5), additional (0, 0, 0), scale 5, neuron 3.
        Conductance(new CaptumMultiLayerMultiInput(5), "model.relu", 3,
            Stack(new float[,] { { 0, 10, 1 } }, new float[,] { { 0, 4, 5 } }, new float[,] { { 0, 0, 0 } }), [0, 50, 5, 0, 20, 25], slots: 2);
        // test_simple_conductance_multi_input_batch_relu: the additional input (0, 0, 0), (0, 0, 5) held by its baseline.
        var inp3 = new float[,] { { 0, 0, 0 }, { 0, 0, 5 } };
        Conductance(new CaptumMultiLayerMultiInput(5), "model.relu", 3,
            Stack(new float[,] { { 0, 10, 1 }, { 0, 0, 10 } }, new float[,] { { 0, 4, 5 }, { 0, 0, 10 } }, inp3),
            [0, 50, 5, 0, 20, 25, 0, 0, 50, 0, 0, 50], slots: 2, baselines: Stack(new float[2, 3], new float[2, 3], inp3));
    }

    private static void Conductance(nn.Module<Tensor, Tensor> model, string layer, long neuron, Tensor x, double[] expected, int slots = 0, Tensor? baselines = null)
    {
        var a = new NeuronConductance(model, layer, [neuron]).Attribute(x, 0, baselines, nSteps: 500);
        Near(slots > 0 ? Slots(a, slots) : a, expected, 0.1, $"{layer}[{neuron}]");
    }

    // ---- NeuronDeepLift: tests/attr/neuron/test_neuron_deeplift.py (ReLULinearModel, Captum's default delta 1e-4) ----

    private static Tensor ReluLinearInput() => stack([tensor(new float[] { -10, 1, -5 }), tensor(new float[] { 3, 3, 1 })]).unsqueeze(0);

    [Fact]
    public void NeuronDeepLiftValues()
    {
        using var scope = NewDisposeScope();
        // test_relu_neuron_deeplift and test_deeplift_compare_with_and_without_inplace: neuron 0 of relu (its input is
        // −29), baseline 0: zeros for both inputs, in place or not.
        foreach (var inplace in new[] { true, false })
            Near(new NeuronDeepLift(new CaptumReluLinear(inplace), "relu", [0]).Attribute(ReluLinearInput()), [0, 0, 0, 0, 0, 0], 1e-4, $"relu, in place {inplace}");
        // test_linear_neuron_deeplift: neuron 0 of l3 (attribute_to_neuron_input=False): (0, 0, 0), (6, 9, 0); its input
        // neuron 0 (attribute_to_neuron_input=True) is relu's neuron 0 above: zeros.
        var model = new CaptumReluLinear();
        Near(new NeuronDeepLift(model, "l3", [0]).Attribute(ReluLinearInput(), zeros(1, 2, 3)), [0, 0, 0, 6, 9, 0], 1e-4, "l3");
        // test_linear_neuron_deeplift_wo_inp_marginal_effects: multiply_by_inputs=False: (0, 0, 0), (2, 3, 0).
        Near(new NeuronDeepLift(model, "l3", [0]).Attribute(ReluLinearInput(), zeros(1, 2, 3), multiplyByInputs: false), [0, 0, 0, 2, 3, 0], 1e-4, "l3, multipliers");
    }
}
