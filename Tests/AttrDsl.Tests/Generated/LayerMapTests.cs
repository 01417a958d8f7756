using AttrDsl.Attribution;
using AttrDsl.Tests.Infrastructure;
using AttrDsl.Tests.Models;

namespace AttrDsl.Tests.Generated;

/// <summary>The generated layer map: every split point of every test model, and the layer attributions built on it.</summary>
[Collection(GlobalRngCollection.Name)]   // the models are initialised from the global generator
public sealed class LayerMapTests
{
    [Fact]
    public void Forward_from_a_layer_continues_forward_to_it_for_every_layer_of_the_cnn()
    {
        using var scope = NewDisposeScope();
        var model = new MnistNet();
        var x = rand([3, 1, 28, 28], generator: new Generator(1));
        Assert.Equal(["conv1", "conv2", "fc1", "fc2"], model.ListLayers(x).Select(l => l.Name).ToArray());
        Assert.Equal(model.ListLayers(x), MnistNet.Layer.Fixed);
        AssertSplitsAgree(model, x, [.. model.ListLayers(x)], model.ForwardTo, model.ForwardFrom, expectedLayers: 4);
    }

    [Fact]
    public void Forward_from_a_layer_continues_forward_to_it_for_the_residual_cnn_and_the_mlp()
    {
        using var scope = NewDisposeScope();
        var cnn = new ResidualCnn();
        cnn.eval();
        var image = rand([2, 1, 16, 16], generator: new Generator(2));
        AssertSplitsAgree(cnn, image, [.. cnn.ListLayers(image)], cnn.ForwardTo, cnn.ForwardFrom, expectedLayers: 4);
        var mlp = new MlpModel();
        var rows = randn([5, 8], generator: new Generator(3));
        AssertSplitsAgree(mlp, rows, [.. mlp.ListLayers(rows)], mlp.ForwardTo, mlp.ForwardFrom, expectedLayers: 2);
    }

    [Fact]
    public void The_lstm_model_splits_at_its_embedding_and_its_classifier()
    {
        using var scope = NewDisposeScope();
        var model = new LstmText();
        var tokens = randint(0, 50, [2, 7], generator: new Generator(4));
        // The embedding's output is the layer text models are explained at; the LSTM returns three values, so it is none.
        Assert.Equal([LstmText.Layer.embedding, LstmText.Layer.classifier], model.ListLayers(tokens));
        AssertSplitsAgree(model, tokens, [.. model.ListLayers(tokens)], model.ForwardTo, model.ForwardFrom, expectedLayers: 2);
    }

    [Fact]
    public void Layer_explanations_use_the_split_and_match_the_runtime_class()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);   // an unlucky initialisation can leave Grad-CAM's ReLU all zero, which would prove nothing
        var model = new MnistNet();
        var x = rand([2, 1, 28, 28], generator: new Generator(5));
        var generated = model.Explain(MnistNet.Layer.conv2, x, 3);
        var runtime = new GradCam(new LayerSplit(v => model.ForwardTo(MnistNet.Layer.conv2, v), h => model.ForwardFrom(MnistNet.Layer.conv2, h))).Attribute(x, 3);
        Assert.Equal(runtime.shape, generated.shape);
        Assert.True(allclose(runtime, generated));
        Assert.True(generated.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void An_undefined_layer_value_is_refused()
    {
        using var scope = NewDisposeScope();
        var model = new MnistNet();
        var x = rand([1, 1, 28, 28]);
        var to = Assert.Throws<ArgumentException>(() => model.ForwardTo(default, x));
        Assert.Equal("layer", to.ParamName);
        Assert.Throws<ArgumentException>(() => model.ForwardFrom(default, x));
        Assert.Throws<ArgumentNullException>(() => model.ForwardFrom(MnistNet.Layer.fc1, null!));
    }

    private static void AssertSplitsAgree<TLayer>(nn.Module<Tensor, Tensor> model, Tensor x, TLayer[] layers,
        Func<TLayer, Tensor, Tensor> to, Func<TLayer, Tensor, Tensor> from, int expectedLayers) where TLayer : struct
    {
        Assert.Equal(expectedLayers, layers.Length);
        using var noGrad = no_grad();
        var expected = model.call(x);
        foreach (var layer in layers)
        {
            var activation = to(layer, x);
            var output = from(layer, activation);
            Assert.True(equal(expected, output).all().item<bool>(), $"ForwardFrom({layer}, ForwardTo({layer}, x)) differs from forward(x)");
        }
    }
}
