using AttrDsl.Attribution;
using System.Collections;
using System.Reflection;
using TorchSharp.Modules;
using static AttrDsl.Tests.Attribution.Lpm;

namespace AttrDsl.Tests.Attribution.Layer;

/// <summary>
/// Float64 models with custom forwards for the layers chosen by module path, each with the hand-written pieces that
/// compute the same thing without hooks (children called through <c>forward</c>), as the independent reference.
/// </summary>
internal static class ByNameTestModels
{
    /// <summary>Linear(<paramref name="inF"/> → <paramref name="outF"/>) in float64 with weights and bias from <paramref name="seed"/>.</summary>
    public static Linear Lin(int inF, int outF, int seed)
    {
        var l = nn.Linear(inF, outF, dtype: float64);
        using (no_grad())
        {
            using var scope = NewDisposeScope();
            l.weight.copy_(T(Values(inF * outF, seed), outF, inF));
            l.bias!.copy_(T(Values(outF, seed + 1), outF));
        }
        return l;
    }

    /// <summary>
    /// h = tanh(stem(x)); z = block(h); output = tanh(head(tanh(z) + h)): a residual skip around "block", so the rest
    /// of the model after "block" reads the input through h.
    /// </summary>
    public sealed class Residual : nn.Module<Tensor, Tensor>
    {
        public readonly Linear stem, block, head;

        public Residual() : base(nameof(Residual))
        {
            stem = Lin(3, 4, 501);
            block = Lin(4, 4, 503);
            head = Lin(4, 2, 505);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            var h = stem.call(x).tanh();
            var z = block.call(h);
            return head.call(z.tanh() + h).tanh();
        }

        /// <summary>The skip: h(x), without hooks.</summary>
        public Tensor H(Tensor x) => stem.forward(x).tanh();

        /// <summary>Hand split at "block": bottom(x) = block(h(x)); the rest reads x as well, so its top is top(x, z).</summary>
        public LayerSplit BlockSplit() => new(x => block.forward(H(x)), (x, z) => head.forward(z.tanh() + H(x)).tanh());

        /// <summary>Hand split at "stem": nothing after it reads x, so the skip lives inside a one-argument top.</summary>
        public LayerSplit StemSplit() => new(x => stem.forward(x), z =>
        {
            var h = z.tanh();
            return head.forward(block.forward(h).tanh() + h).tanh();
        });
    }

    /// <summary>A Sequential body inside a custom module: output = sigmoid(head(body(x))), body = [Linear(3, 5), Tanh, Linear(5, 4), Tanh].</summary>
    public sealed class Nested : nn.Module<Tensor, Tensor>
    {
        public readonly Sequential body;
        public readonly Linear head;

        public Nested() : base(nameof(Nested))
        {
            body = nn.Sequential(Lin(3, 5, 511), nn.Tanh(), Lin(5, 4, 513), nn.Tanh());
            head = Lin(4, 2, 515);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => head.call(body.call(x)).sigmoid();

        /// <summary>Hand split after "body.2" (the second Linear).</summary>
        public LayerSplit Body2Split() => new(
            x => ((Linear)body[2]).forward(((Linear)body[0]).forward(x).tanh()),
            z => head.forward(z.tanh()).sigmoid());
    }

    /// <summary>
    /// A TorchVision-style forward: everything inside a dispose scope that is moved out at the end, and the layer's
    /// output changed in place after it (out.add_(identity).relu_(), as ResNet's blocks do).
    /// output = fc(relu(conv(x) + x)).
    /// </summary>
    public sealed class InPlaceBlock : nn.Module<Tensor, Tensor>
    {
        public readonly Linear conv, fc;

        public InPlaceBlock() : base(nameof(InPlaceBlock))
        {
            conv = Lin(4, 4, 521);
            fc = Lin(4, 2, 523);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var identity = x;
            var output = conv.call(x);
            output.add_(identity).relu_();
            return scope.MoveToOuter(fc.call(output));
        }

        public LayerSplit Split() => new(x => conv.forward(x), (x, z) => fc.forward((z + x).relu()));
    }

    /// <summary>Token ids [B, T] → Embedding(6, 3) → mean over tokens → (tanh when <paramref name="nonlinear"/>) → Linear(3, 2).</summary>
    public sealed class BagOfEmbeddings : nn.Module<Tensor, Tensor>
    {
        public const int Vocabulary = 6, Dim = 3;
        public readonly Embedding embedding;
        public readonly Linear fc;
        private readonly bool _nonlinear;

        public BagOfEmbeddings(bool nonlinear) : base(nameof(BagOfEmbeddings))
        {
            embedding = nn.Embedding(Vocabulary, Dim, dtype: float64);
            using (no_grad())
            {
                using var scope = NewDisposeScope();
                embedding.weight!.copy_(T(Values(Vocabulary * Dim, 531, -2, 2), Vocabulary, Dim));
            }
            fc = Lin(Dim, 2, 533);
            _nonlinear = nonlinear;
            RegisterComponents();
        }

        public override Tensor forward(Tensor ids)
        {
            var mean = embedding.call(ids).mean([1]);
            return fc.call(_nonlinear ? mean.tanh() : mean);
        }
    }

    /// <summary>Calls child "a" with <c>forward</c> (no hooks fire) and "b" with <c>call</c>.</summary>
    public sealed class ForwardCallsChild : nn.Module<Tensor, Tensor>
    {
        public readonly Linear a, b;

        public ForwardCallsChild() : base(nameof(ForwardCallsChild))
        {
            a = Lin(3, 4, 541);
            b = Lin(4, 2, 543);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => b.call(a.forward(x).tanh());
    }

    /// <summary>One Tanh module "act" used twice: b(act(a(act(x)))).</summary>
    public sealed class Reused : nn.Module<Tensor, Tensor>
    {
        public readonly Linear a, b;
        public readonly Tanh act;

        public Reused() : base(nameof(Reused))
        {
            a = Lin(3, 3, 551);
            b = Lin(3, 2, 553);
            act = nn.Tanh();
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => b.call(act.call(a.call(act.call(x))));
    }

    /// <summary>The number of hooks (of all four kinds) registered on <paramref name="model"/> and its modules, read from TorchSharp's private hook tables.</summary>
    public static int HookCount(nn.Module model)
    {
        var count = 0;
        foreach (var module in model.modules().Prepend(model))
        {
            var type = module.GetType();
            while (type is not null && !(type.IsGenericType && type.GetGenericTypeDefinition().Name.StartsWith("HookableModule", StringComparison.Ordinal)))
                type = type.BaseType;
            Assert.NotNull(type);
            foreach (var field in new[] { "pre_hooks", "post_hooks", "module_pre_hooks", "module_post_hooks" })
            {
                var table = type!.GetField(field, BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(module) as ICollection;
                Assert.NotNull(table);
                count += table!.Count;
            }
        }
        return count;
    }
}
