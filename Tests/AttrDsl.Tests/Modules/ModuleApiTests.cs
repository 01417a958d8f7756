using static AttrDsl.Tests.Modules.ModuleKit;

namespace AttrDsl.Tests.Modules;

/// <summary>Module API: registration, naming, modes, gradients, state dictionaries, dtype conversion, disposal.</summary>
public class ModuleApiTests
{
    /// <summary>A model mixing plain fields, an auto-property, an underscore field, a parameter and a buffer.</summary>
    private sealed class Net : nn.Module<Tensor, Tensor>
    {
        private readonly Sequential features;
        public Linear head { get; }
        private readonly Parameter _scale;
        private readonly BufferTensor steps;
        private readonly Dropout drop;
        private readonly Linear? unused = null;

        public Net(long classes = 3) : base(nameof(Net))
        {
            features = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten());
            head = nn.Linear(2 * 3 * 3, classes);
            _scale = new Parameter(ones(1));
            steps = new BufferTensor(zeros(1));
            drop = nn.Dropout(0.5);
            RegisterComponents();
        }

        public Sequential Features => features;
        public Parameter Scale => _scale;
        public BufferTensor Steps => steps;
        public bool UnusedIsNull => unused is null;

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var h = features.forward(x);
            var d = drop.forward(h);
            return (head.forward(d) * _scale).MoveToOuterDisposeScope();
        }
    }

    private class Base : nn.Module<Tensor, Tensor>
    {
        protected readonly Linear first;
        protected Base() : base("Base") => first = nn.Linear(2, 2);
        public override Tensor forward(Tensor x) => first.forward(x);
    }

    private sealed class Derived : Base
    {
        private readonly Linear second;
        public Tanh act { get; } = nn.Tanh();
        private readonly Linear third;
        public Derived()
        {
            second = nn.Linear(2, 2);
            third = nn.Linear(2, 2);
            RegisterComponents();
        }
    }

    private static Tensor Input(int seed = 110) => tensor(Uniform(new Random(seed), 4 * 5 * 5).Select(v => (float)v).ToArray(), [4, 1, 5, 5]);

    // ------------------------------------------------------------------ registration and naming

    [Fact]
    public void RegisterComponentsUsesFieldNamesInDeclarationOrder()
    {
        using var net = new Net();
        Assert.True(net.UnusedIsNull);
        // Auto-property backing field "<head>k__BackingField" → "head"; "_scale" → "scale"; null fields skipped.
        Assert.Equal(new[] { "features", "head", "drop" }, net.named_children().Select(c => c.name).ToArray());
        Assert.Equal(
            new[] { "scale", "features.0.weight", "features.0.bias", "features.1.weight", "features.1.bias", "head.weight", "head.bias" },
            net.named_parameters().Select(p => p.name).ToArray());
        Assert.Equal(
            new[] { "steps", "features.1.running_mean", "features.1.running_var", "features.1.num_batches_tracked" },
            net.named_buffers().Select(b => b.name).ToArray());
        Assert.Same(net.Scale, net.named_parameters().First().parameter);
        Assert.Same(net.head.weight, net.named_parameters().Single(p => p.name == "head.weight").parameter);
    }

    [Fact]
    public void OwnParametersOnlyWithoutRecursion()
    {
        using var net = new Net();
        Assert.Equal(new[] { "scale" }, net.named_parameters(recurse: false).Select(p => p.name).ToArray());
        Assert.Equal(new[] { "steps" }, net.named_buffers(recurse: false).Select(b => b.name).ToArray());
    }

    [Fact]
    public void RegisterComponentsWalksBaseClassFieldsFirst()
    {
        using var m = new Derived();
        Assert.Equal(new[] { "first", "second", "act", "third" }, m.named_children().Select(c => c.name).ToArray());
        Assert.Equal(new[] { "", "first", "second", "act", "third" }, m.named_modules().Select(x => x.name).ToArray());
    }

    [Fact]
    public void NamedModulesHaveDottedPaths()
    {
        using var net = new Net();
        Assert.Equal(
            new[] { "", "features", "features.0", "features.1", "features.2", "features.3", "head", "drop" },
            net.named_modules().Select(m => m.name).ToArray());
        Assert.IsType<BatchNorm2d>(net.named_modules().Single(m => m.name == "features.1").module);
    }

    [Fact]
    public void InvalidOrDuplicateNamesAreRejected()
    {
        using var net = new Net();
        Assert.Throws<ArgumentException>(() => net.register_module("a.b", nn.ReLU()));
        Assert.Throws<ArgumentException>(() => net.register_module("", nn.ReLU()));
        var e = Assert.Throws<ArgumentException>(() => net.register_module("head", nn.ReLU()));
        Assert.Contains("head", e.Message);
        Assert.Throws<ArgumentException>(() => net.register_parameter("steps", new Parameter(ones(1))));
    }

    [Fact]
    public void ParameterSharedTwiceIsListedOnce()
    {
        var a = nn.Linear(3, 3);
        using var tied = nn.Sequential(("a", a), ("b", nn.Linear(3, 3)));
        tied.register_parameter("tied", a.weight);
        var names = tied.named_parameters().Select(p => p.name).ToArray();
        // The first registration seen wins: the container's own parameter comes before its children's.
        Assert.Equal(new[] { "tied", "a.bias", "b.weight", "b.bias" }, names);
        Assert.Equal(4, tied.parameters().Count());
        Assert.Equal(tied.parameters().Count(), tied.parameters().Distinct(ReferenceEqualityComparer.Instance).Count());
    }

    // ------------------------------------------------------------------ modes and gradients

    [Fact]
    public void TrainAndEvalPropagateToAllDescendants()
    {
        using var net = new Net();
        Assert.All(net.modules(), m => Assert.True(m.training));
        net.eval();
        Assert.All(net.modules(), m => Assert.False(m.training, m.GetName()));
        using var x = Input();
        using var y1 = net.forward(x);
        using var y2 = net.forward(x);
        Assert.Equal(D(y1), D(y2)); // dropout off, batch norm on running stats: deterministic
        net.train();
        Assert.All(net.modules(), m => Assert.True(m.training, m.GetName()));
        net.train(false);
        Assert.False(net.Features[1].training);
    }

    [Fact]
    public void ZeroGradClearsEveryGradient()
    {
        using var net = new Net();
        using var x = Input();
        Assert.All(net.parameters(), p => Assert.Null(p.grad));
        using (var y = net.forward(x))
        using (var s = y.sum())
            s.backward();
        foreach (var (name, p) in net.named_parameters())
        {
            using var g = p.grad;
            Assert.True(g is not null, $"{name} has no grad after backward");
            Assert.Equal(p.shape, g.shape);
        }
        net.zero_grad();
        Assert.All(net.parameters(), p => Assert.Null(p.grad));
    }

    // ------------------------------------------------------------------ state dict

    [Fact]
    public void StateDictHoldsParametersAndBuffers()
    {
        using var net = new Net();
        var sd = net.state_dict();
        Assert.Equal(
            new[]
            {
                "scale", "features.0.weight", "features.0.bias", "features.1.weight", "features.1.bias", "head.weight", "head.bias",
                "steps", "features.1.running_mean", "features.1.running_var", "features.1.num_batches_tracked",
            }.OrderBy(k => k, StringComparer.Ordinal),
            sd.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(ScalarType.Int64, sd["features.1.num_batches_tracked"].dtype);
        Assert.Equal(D(net.head.weight), D(sd["head.weight"]));
        Assert.False(sd["head.weight"].requires_grad);
        foreach (var t in sd.Values) t.Dispose();
    }

    [Fact]
    public void LoadStateDictRoundTripsIntoFreshModel()
    {
        using var a = new Net();
        using var x = Input();
        // Move the running statistics and the counter away from their initial values.
        for (var i = 0; i < 3; i++) { using var warm = a.forward(Input(111 + i)); }
        using (no_grad()) a.Scale.fill_(1.5);
        Assert.Equal(3L, ((BatchNorm)a.Features[1]).num_batches_tracked!.item<long>());

        using var b = new Net();
        a.eval();
        b.eval();
        using (var ya = a.forward(x))
        using (var yb = b.forward(x))
            Assert.NotEqual(D(ya), D(yb));

        var sd = a.state_dict();
        var (missing, unexpected) = b.load_state_dict(sd);
        Assert.Empty(missing);
        Assert.Empty(unexpected);
        foreach (var t in sd.Values) t.Dispose();

        using (var ya = a.forward(x))
        using (var yb = b.forward(x))
            Assert.Equal(D(ya), D(yb));
        var bnB = (BatchNorm)b.Features[1];
        Assert.Equal(3L, bnB.num_batches_tracked!.item<long>());
        Assert.Equal(D(((BatchNorm)a.Features[1]).running_var!), D(bnB.running_var!));

        // Values were copied, not aliased.
        using (no_grad()) a.head.weight.fill_(0.25);
        Assert.DoesNotContain(0.25, D(b.head.weight));
        Assert.True(b.head.weight.requires_grad);
    }

    [Fact]
    public void StrictLoadReportsMissingAndUnexpectedKeysByName()
    {
        using var a = new Net();
        using var b = new Net();
        var sd = a.state_dict();
        sd.Remove("head.bias", out var removed);
        removed!.Dispose();
        sd["extra.weight"] = ones(2);
        var before = D(b.head.weight);

        var e = Assert.Throws<ArgumentException>(() => b.load_state_dict(sd));
        Assert.Contains("head.bias", e.Message);
        Assert.Contains("extra.weight", e.Message);
        Assert.Equal(before, D(b.head.weight)); // nothing loaded

        var (missing, unexpected) = b.load_state_dict(sd, strict: false);
        Assert.Equal(new[] { "head.bias" }, missing);
        Assert.Equal(new[] { "extra.weight" }, unexpected);
        Assert.Equal(D(a.head.weight), D(b.head.weight)); // the overlap was loaded
        foreach (var t in sd.Values) t.Dispose();
    }

    [Fact]
    public void ShapeMismatchNamesTheKey()
    {
        using var a = new Net(classes: 5);
        using var b = new Net(classes: 3);
        var sd = a.state_dict();
        var e = Assert.Throws<ArgumentException>(() => b.load_state_dict(sd));
        Assert.Contains("head.weight", e.Message);
        Assert.Contains("[5, 18]", e.Message);
        Assert.Contains("[3, 18]", e.Message);
        var e2 = Assert.Throws<ArgumentException>(() => b.load_state_dict(sd, strict: false));
        Assert.Contains("head.", e2.Message);
        foreach (var t in sd.Values) t.Dispose();
    }

    [Fact]
    public void LoadConvertsDtypeOfSourceTensors()
    {
        using var a = new Net();
        using var b = new Net();
        b.to(ScalarType.Float64);
        var sd = a.state_dict();
        b.load_state_dict(sd);
        Assert.Equal(ScalarType.Float64, b.head.weight.dtype);
        Assert.Equal(D(a.head.weight), D(b.head.weight));
        foreach (var t in sd.Values) t.Dispose();
    }

    /// <summary>
    /// PyTorch's state_dict lists a shared (tied) parameter under every name it is reachable by
    /// (e.g. GPT-2's "lm_head.weight" and "transformer.wte.weight"), and load_state_dict expects all of
    /// them. named_parameters de-duplicates, state_dict must not — or a checkpoint of a tied model
    /// fails a strict load with "unexpected" keys.
    /// </summary>
    [Fact]
    public void StateDictListsSharedParameterUnderEveryName()
    {
        var shared = nn.Linear(3, 3);
        using var net = nn.Sequential(shared, nn.Tanh(), shared);
        var sd = net.state_dict();
        Assert.Equal(new[] { "0.bias", "0.weight", "2.bias", "2.weight" }, sd.Keys.OrderBy(k => k, StringComparer.Ordinal));

        // A checkpoint written by PyTorch for the same architecture has all four keys.
        var checkpoint = new Dictionary<string, Tensor>
        {
            ["0.weight"] = zeros(3, 3), ["0.bias"] = ones(3), ["2.weight"] = zeros(3, 3), ["2.bias"] = ones(3),
        };
        var (missing, unexpected) = net.load_state_dict(checkpoint);
        Assert.Empty(missing);
        Assert.Empty(unexpected);
        Assert.Equal(new float[] { 1, 1, 1 }, shared.bias!.ToArray<float>());
    }

    // ------------------------------------------------------------------ dtype conversion

    [Fact]
    public void ToFloat64KeepsParameterIdentityAndChangesDtype()
    {
        using var net = new Net();
        var before = net.named_parameters().ToList();
        var buffersBefore = net.named_buffers().ToList();
        var values = before.Select(p => D(p.parameter)).ToList();

        var returned = net.to(ScalarType.Float64);
        Assert.Same(net, returned);
        var after = net.named_parameters().ToList();
        Assert.Equal(before.Count, after.Count);
        for (var i = 0; i < before.Count; i++)
        {
            Assert.Equal(before[i].name, after[i].name);
            Assert.Same(before[i].parameter, after[i].parameter);
            Assert.Equal(ScalarType.Float64, after[i].parameter.dtype);
            Assert.True(after[i].parameter.requires_grad, after[i].name);
            Assert.Equal(values[i], D(after[i].parameter));
        }
        foreach (var (name, buf) in net.named_buffers())
        {
            Assert.Same(buffersBefore.Single(b => b.name == name).buffer, buf);
            Assert.Equal(name.EndsWith("num_batches_tracked") ? ScalarType.Int64 : ScalarType.Float64, buf.dtype);
        }
        Assert.Same(net.head.weight, before.Single(p => p.name == "head.weight").parameter);

        // The converted model runs in float64 and its gradients land on the same objects.
        using var x = Input().to(ScalarType.Float64);
        using var y = net.forward(x);
        Assert.Equal(ScalarType.Float64, y.dtype);
        using var s = y.sum();
        s.backward();
        using var g = before.Single(p => p.name == "head.weight").parameter.grad;
        Assert.NotNull(g);
        Assert.Equal(ScalarType.Float64, g!.dtype);

        // And back.
        net.to(ScalarType.Float32);
        Assert.All(net.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.Same(net.head.weight, before.Single(p => p.name == "head.weight").parameter);
    }

    // ------------------------------------------------------------------ disposal

    [Fact]
    public void DisposeFreesParametersAndBuffers()
    {
        var net = new Net();
        var ps = net.parameters().ToList();
        var bs = net.buffers().ToList();
        net.Dispose();
        Assert.All(ps, p => Assert.True(p.IsInvalid));
        Assert.All(bs, b => Assert.True(b.IsInvalid));
        Assert.Throws<ObjectDisposedException>(() => ps[0].sum());
        Assert.Throws<ObjectDisposedException>(() => net.head.weight.ToArray<float>());
        using var x = Input();
        Assert.Throws<ObjectDisposedException>(() => net.forward(x));
        net.Dispose(); // idempotent
        // The process carries on.
        using var other = nn.Linear(2, 2);
        using var y = other.forward(ones(1, 2));
        Assert.Equal(new long[] { 1, 2 }, y.shape);
    }

    [Fact]
    public void ParametersSurviveDisposeScopes()
    {
        Linear layer;
        using (var scope = NewDisposeScope())
        {
            layer = nn.Linear(2, 3);
            using var y = layer.forward(ones(1, 2));
        }
        Assert.False(layer.weight.IsInvalid);
        Assert.False(layer.bias!.IsInvalid);
        using var y2 = layer.forward(ones(1, 2));
        Assert.Equal(new long[] { 1, 3 }, y2.shape);
        layer.Dispose();
    }
}
