namespace AttrDsl.Generators.Tests;

/// <summary>
/// Valid models whose names meet the generator's own: keywords written with @, a forward parameter or local named like
/// a generated parameter (layer, mask, activation). The user's code compiles, so the generated code must too.
/// </summary>
public sealed partial class RobustnessTests
{
    private static string Mlp(string parameter = "x", string fc1 = "fc1", string local = "h") => Usings + $$"""
        [Explainable]
        public partial class Model : nn.Module<Tensor, Tensor>
        {
            private readonly Linear {{fc1}} = nn.Linear(4, 4);
            private readonly Linear fc2 = nn.Linear(4, 2);
            public Model() : base(nameof(Model)) => RegisterComponents();

            public override Tensor forward(Tensor {{parameter}})
            {
                var {{local}} = nn.functional.relu({{fc1}}.forward({{parameter}}));
                return fc2.forward({{local}});
            }
        }
        """;

    private static string Lstm(string parameter = "tokens", string local = "e") => Usings + $$"""
        [Explainable]
        public partial class Model : nn.Module<Tensor, Tensor>
        {
            private readonly Embedding embedding = nn.Embedding(50, 8);
            private readonly LSTM lstm = nn.LSTM(8, 12, batchFirst: true);
            private readonly Linear classifier = nn.Linear(12, 2);
            public Model() : base(nameof(Model)) => RegisterComponents();

            public override Tensor forward(Tensor {{parameter}})
            {
                var {{local}} = embedding.forward({{parameter}});
                var (output, _, _) = lstm.forward({{local}});
                return classifier.forward(output.select(1, -1));
            }
        }
        """;

    public static TheoryData<string, string> EdgeNames => new()
    {
        { "parameter named layer", Mlp(parameter: "layer") },
        { "local named layer", Mlp(local: "layer") },
        { "parameter named activation", Mlp(parameter: "activation") },
        { "local named activation", Mlp(local: "activation") },
        { "keyword parameter @in", Mlp(parameter: "@in") },
        { "keyword local @base", Mlp(local: "@base") },
        { "keyword field @fixed", Mlp(fc1: "@fixed") },
        { "field named Layer", Mlp(fc1: "Layer") },
        { "token parameter named mask", Lstm(parameter: "mask") },
        { "token local named mask", Lstm(local: "mask") },
        { "keyword token parameter @checked", Lstm(parameter: "@checked") },
        { "keyword class name", Mlp().Replace("class Model", "class @class").Replace("public Model()", "public @class()").Replace("nameof(Model)", "\"m\"") },
        { "keyword namespace", Mlp().Replace("namespace Robust;", "namespace Robust.@event;") },
    };

    [Theory]
    [MemberData(nameof(EdgeNames))]
    public void Names_that_meet_the_generated_ones_still_compile(string construct, string source)
    {
        var check = CheckClean(construct, source);
        // The whole model is supported: the decomposition must be generated, not dropped to avoid the clash.
        Assert.Contains("ContextualDecomposition(", check.GeneratedText);
    }
}
