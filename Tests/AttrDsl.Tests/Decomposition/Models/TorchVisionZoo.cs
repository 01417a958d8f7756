using System.Reflection;

namespace AttrDsl.Tests.Decomposition.Models;

/// <summary>
/// Every model constructor of TorchVision 0.107's <c>torchvision.models</c>, with the smallest input side the tests use
/// for it (random weights; nothing is downloaded). <see cref="TorchVisionZooTests.EveryConstructorIsListed"/> fails when
/// the package gains a constructor this list lacks.
/// </summary>
internal static class TorchVisionZoo
{
    /// <summary>Inception v3 reduces its input by 32 with unpadded convolutions: below 75 pixels a Mixed block has nothing left.</summary>
    public const int InceptionSide = 80;

    public static readonly IReadOnlyDictionary<string, Func<nn.Module<Tensor, Tensor>>> Constructors = new Dictionary<string, Func<nn.Module<Tensor, Tensor>>>
    {
        ["alexnet"] = () => torchvision.models.alexnet(),
        ["vgg11"] = () => torchvision.models.vgg11(),
        ["vgg11_bn"] = () => torchvision.models.vgg11_bn(),
        ["vgg13"] = () => torchvision.models.vgg13(),
        ["vgg13_bn"] = () => torchvision.models.vgg13_bn(),
        ["vgg16"] = () => torchvision.models.vgg16(),
        ["vgg16_bn"] = () => torchvision.models.vgg16_bn(),
        ["vgg19"] = () => torchvision.models.vgg19(),
        ["vgg19_bn"] = () => torchvision.models.vgg19_bn(),
        ["resnet18"] = () => torchvision.models.resnet18(),
        ["resnet34"] = () => torchvision.models.resnet34(),
        ["resnet50"] = () => torchvision.models.resnet50(),
        ["resnet101"] = () => torchvision.models.resnet101(),
        ["resnet152"] = () => torchvision.models.resnet152(),
        ["resnext50_32x4d"] = () => torchvision.models.resnext50_32x4d(),
        ["resnext101_32x8d"] = () => torchvision.models.resnext101_32x8d(),
        ["resnext101_64x4d"] = () => torchvision.models.resnext101_64x4d(),
        ["wide_resnet50_2"] = () => torchvision.models.wide_resnet50_2(),
        ["wide_resnet101_2"] = () => torchvision.models.wide_resnet101_2(),
        ["googlenet"] = () => torchvision.models.googlenet(),
        ["inception_v3"] = () => torchvision.models.inception_v3(),
        ["mobilenet_v2"] = () => torchvision.models.mobilenet_v2(),
        ["mobilenet_v3_large"] = () => torchvision.models.mobilenet_v3_large(),
        ["mobilenet_v3_small"] = () => torchvision.models.mobilenet_v3_small(),
    };

    public static IEnumerable<object[]> Names => Constructors.Keys.Select(k => new object[] { k });

    public static int Side(string name) => name == "inception_v3" ? InceptionSide : 64;

    /// <summary>The smallest side the architecture takes: AlexNet's pooling needs 63 pixels, Inception v3's 75; the others run on 32.</summary>
    public static int SmallSide(string name) => name switch { "inception_v3" => InceptionSide, "alexnet" => 64, _ => 32 };

    /// <summary>The public static methods of <c>torchvision.models</c> that build a model.</summary>
    public static IEnumerable<string> PackageConstructors() =>
        typeof(torchvision.models).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => typeof(nn.Module).IsAssignableFrom(m.ReturnType))
            .Select(m => m.Name).Distinct();

    /// <summary>The model in eval mode with the given dtype, built from a fixed seed.</summary>
    public static nn.Module<Tensor, Tensor> Build(string name, ScalarType dtype)
    {
        manual_seed(7);
        var model = Constructors[name]();
        model.eval();
        if (dtype != ScalarType.Float32) model.to(dtype);
        return model;
    }
}
