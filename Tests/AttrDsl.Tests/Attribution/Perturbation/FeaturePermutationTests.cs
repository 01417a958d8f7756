using AttrDsl.Attribution;
using AttrDsl.Tests.Infrastructure;
using static AttrDsl.Tests.Attribution.Lpm;

namespace AttrDsl.Tests.Attribution.Perturbation;

[Collection(GlobalRngCollection.Name)]
public class FeaturePermutationTests
{
    [Fact]
    public void LinearModelWithAFixedPermutationGivesWeightTimesDifference()
    {
        // f = x·w + c: permuting feature i of row b to row π(b)'s changes f by w_i (x_bi − x_π(b)i).
        using var scope = NewDisposeScope();
        const int b = 4, n = 3;
        var w = Values(n, 71);
        var xv = Values(b * n, 72);
        long[] perm = [2, 0, 3, 1];
        var attr = A(new FeaturePermutation(LinearModel(w, 0.5)).Attribute(T(xv, b, n), Target.Output, null, 2, [perm], default));
        var expected = new double[b * n];
        for (var r = 0; r < b; r++) for (var i = 0; i < n; i++) expected[r * n + i] = w[i] * (xv[r * n + i] - xv[perm[r] * n + i]);
        Close(expected, attr, 1e-12);
    }

    [Fact]
    public void GroupsArePermutedTogetherAndPermutationsAveraged()
    {
        // f = x0·x1 (one group) + x2: the group's drop is x0x1 − x0'x1' with both taken from the same row.
        using var scope = NewDisposeScope();
        double[] xv = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        static Tensor F(Tensor x) => x.select(1, 0) * x.select(1, 1) + x.select(1, 2);
        long[][] perms = [[1, 2, 0], [2, 0, 1]];
        var attr = A(new FeaturePermutation(F).Attribute(T(xv, 3, 3), Target.Output, tensor(new long[] { 0, 0, 1 }), 1, perms, default));
        double Prod(int r) => xv[r * 3] * xv[r * 3 + 1];
        var expected = new double[9];
        for (var r = 0; r < 3; r++)
        {
            var group = perms.Average(p => Prod(r) - Prod((int)p[r]));
            var third = perms.Average(p => xv[r * 3 + 2] - xv[p[r] * 3 + 2]);
            expected[r * 3] = expected[r * 3 + 1] = group;
            expected[r * 3 + 2] = third;
        }
        Close(expected, attr, 1e-12);
    }

    [Fact]
    public void CaptumMultiplePerturbationsPerEval()
    {
        // Captum test_multiple_perturbations_per_eval: forward 1 − x, target 1, batch 2 (the only non-identity permutation
        // swaps the rows): only feature 1 matters, and it gets [y0 − y1, y1 − y0] of output 1.
        using var scope = NewDisposeScope();
        var xv = Values(8, 73);
        var attr = A(new FeaturePermutation(x => 1 - x).Attribute(T(xv, 2, 4), 1, perturbationsPerEval: 4, seed: 0));
        var y0 = 1 - xv[1];
        var y1 = 1 - xv[5];
        Close([0, y0 - y1, 0, 0, 0, y1 - y0, 0, 0], attr, 1e-12);
    }

    [Fact]
    public void CaptumBroadcastableMasks()
    {
        // Captum test_broadcastable_masks: sum of a [2, 3, 4, 4] input, masks broadcast from [1], [1, 4] and [1, 4, 4];
        // with two rows the permutation swaps them, so row 0's attributions are minus row 1's, and a group's attribution is
        // the difference of the rows' sums over that group.
        using var scope = NewDisposeScope();
        var x = T(Values(96, 74), 2, 3, 4, 4);
        var fp = new FeaturePermutation(t => t.reshape(t.size(0), -1).sum(1));
        Tensor[] masks = [tensor(new long[] { 0 }), tensor(new long[,] { { 0, 1, 2, 3 } }),
            tensor(new long[] { 0, 1, 2, 3, 3, 3, 4, 5, 6, 6, 4, 6, 7, 8, 9, 10 }, 1, 4, 4)];
        foreach (var mask in masks)
        {
            var attr = fp.Attribute(x, Target.Output, mask, seed: 1);
            Close(A(-attr[1]), A(attr[0]), 1e-12);
            var full = mask.expand(3, 4, 4);
            foreach (var id in full.unique().output.data<long>().ToArray())
            {
                var m = full.eq(id);
                var group = (x[0] - x[1]).masked_select(m).sum().item<double>();
                Close(Enumerable.Repeat(group, (int)m.sum().item<long>()).ToArray(), A(attr[0].masked_select(m)), 1e-9, $"group {id}");
            }
        }
    }

    [Fact]
    public void DrawnPermutationsAreNeverTheIdentityAndSeeded()
    {
        using var scope = NewDisposeScope();
        var fp = new FeaturePermutation(LinearModel([1.0, 1.0]));
        var x = T([1.0, 2.0, 3.0, 4.0], 2, 2);
        // Two rows: every drawn permutation swaps them, whatever the seed.
        for (var seed = 0; seed < 20; seed++)
            Close([-2, -2, 2, 2], A(fp.Attribute(x, Target.Output, seed: seed, nPermutations: 3)), 1e-12, $"seed {seed}");
        var big = T(Values(40, 75), 10, 4);
        var wide = new FeaturePermutation(LinearModel([1.0, -2.0, 0.5, 3.0]));
        Close(A(wide.Attribute(big, Target.Output, seed: 8, nPermutations: 2)), A(wide.Attribute(big, Target.Output, perturbationsPerEval: 3, seed: 8, nPermutations: 2)), 1e-12);
    }
}
