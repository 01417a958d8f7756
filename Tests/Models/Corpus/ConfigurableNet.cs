using AttrDsl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AttrDsl.Tests.Models.Corpus;

/// <summary>An MLP whose forward branches on its configuration and on training mode, and returns early for features.</summary>
[Explainable]
public partial class ConfigurableNet : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1 = nn.Linear(8, 16);
    private readonly Linear fc2 = nn.Linear(16, 16);
    private readonly Dropout dropout = nn.Dropout(0.25);
    private readonly Linear classifier = nn.Linear(16, 4);
    private readonly bool useDropout;
    private readonly bool useSecondLayer;

    public bool ReturnFeatures { get; set; }

    public ConfigurableNet(bool useDropout = true, bool useSecondLayer = true) : base(nameof(ConfigurableNet))
    {
        this.useDropout = useDropout;
        this.useSecondLayer = useSecondLayer;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = nn.functional.relu(fc1.call(x));
        if (useDropout)
            h = dropout.call(h);
        if (useSecondLayer)
        {
            h = nn.functional.tanh(fc2.call(h));
            if (training)
                h = nn.functional.dropout(h, 0.1, training);
        }
        if (ReturnFeatures)
            return h;
        return classifier.call(h);
    }
}
