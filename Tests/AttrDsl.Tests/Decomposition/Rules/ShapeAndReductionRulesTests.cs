using AttrDsl.Decomposition;
using AttrDsl.Tests.Infrastructure;
using Dec = global::AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Decomposition.Rules;

[Collection(GlobalRngCollection.Name)]
public sealed class ShapeAndReductionRulesTests
{
    [Fact]
    public void Reductions_apply_to_beta_and_gamma_alike_in_every_overload()
    {
        manual_seed(141);
        using var scope = NewDisposeScope();
        var (d, x) = RuleCheck.Pair(2, 3, 4);
        void Check(Dec o, Func<Tensor, Tensor> op) { RuleCheck.Alike(o, d, op); RuleCheck.Complete(o, op(x)); }
        Check(CdFunctional.mean(d), t => t.mean());
        Check(CdFunctional.mean(d, new long[] { 1 }, keepdim: true), t => t.mean([1], keepdim: true));
        Check(CdFunctional.mean(d, [0, 2]), t => t.mean([0, 2]));
        Check(CdFunctional.sum(d), t => t.sum());
        Check(CdFunctional.sum(d, dim: 1), t => t.sum(dim: 1));
        Check(CdFunctional.sum(d, 2, true), t => t.sum(2, true));
        Check(CdFunctional.sum(d, 0, 2), t => t.sum(0, 2));
        Check(CdFunctional.sum(d, 0, 1, 2, keepdim: true), t => t.sum(0, 1, 2, keepdim: true));
        Check(CdFunctional.sum(d, new long[] { 0, 1 }), t => t.sum(new long[] { 0, 1 }));
        Check(CdFunctional.sum(d, new long[] { 2 }, keepdim: true, type: ScalarType.Float64), t => t.sum(new long[] { 2 }, keepdim: true));
        Assert.Throws<ArgumentException>(() => CdFunctional.sum(d, dim: 5));
        Assert.Throws<ArgumentException>(() => CdFunctional.mean(d, [7]));
    }

    [Fact]
    public void Shape_ops_apply_to_beta_and_gamma_alike_with_the_users_argument_spelling()
    {
        manual_seed(142);
        using var scope = NewDisposeScope();
        var (d, x) = RuleCheck.Pair(2, 3, 4);
        void Check(Dec o, Func<Tensor, Tensor> op) { RuleCheck.Alike(o, d, op); RuleCheck.Complete(o, op(x)); }
        Check(CdFunctional.transpose(d, -2, -1), t => t.transpose(1, 2));
        Check(CdFunctional.transpose(d, dim0: 0, dim1: 2), t => t.permute(2, 1, 0));
        Check(CdFunctional.contiguous(CdFunctional.transpose(d, 0, 1)), t => t.transpose(0, 1).contiguous());
        Check(CdFunctional.clone(d), t => t.clone());
        Check(CdFunctional.detach(d), t => t.detach());
        Check(CdFunctional.narrow(d, 2, 1, 2), t => t.narrow(2, 1, 2));
        Check(CdFunctional.narrow(d, dim: 1, start: 0, length: 1), t => t[.., ..1]);
        Check(CdFunctional.repeat(d, 1, 2, 1), t => t.repeat(1, 2, 1));
        Check(CdFunctional.unflatten(d, 2, 2, 2), t => t.reshape(2, 3, 2, 2));
        Check(CdFunctional.unsqueeze(CdFunctional.t(CdFunctional.select(d, 0, 1)), 0), t => t[1].t().unsqueeze(0));
        var (s, xs) = RuleCheck.Pair(3, 1);
        RuleCheck.Complete(CdFunctional.expand(s, 3, 4), xs.expand(3, 4));
        RuleCheck.Complete(CdFunctional.expand(s, new long[] { 2, 3, 4 }), xs.expand(2, 3, 4));
        RuleCheck.Complete(CdFunctional.expand(s, new long[] { -1, 5 }, isImplicit: false), xs.expand(3, 5));
        RuleCheck.Complete(CdFunctional.expand(s, [3, 2]), xs.expand(3, 2));
        Assert.Throws<ArgumentException>(() => CdFunctional.transpose(d, 0, 3));
        Assert.Throws<ArgumentException>(() => CdFunctional.narrow(d, 2, 3, 4));
        Assert.Throws<ArgumentException>(() => CdFunctional.expand(s, 4, 4));
    }

    [Fact]
    public void Chunk_and_split_pair_the_pieces_of_beta_and_gamma()
    {
        manual_seed(143);
        using var scope = NewDisposeScope();
        var (d, x) = RuleCheck.Pair(4, 6);
        void Pieces(Dec[] o, Tensor[] beta, Tensor[] gamma, Tensor[] full)
        {
            Assert.Equal(beta.Length, o.Length);
            for (var i = 0; i < o.Length; i++)
            {
                RuleCheck.Close(o[i].Relevant, beta[i], "β'", 0);
                RuleCheck.Close(o[i].Irrelevant, gamma[i], "γ'", 0);
                RuleCheck.Complete(o[i], full[i]);
            }
        }
        Pieces(CdFunctional.chunk(d, 2, -1), d.Relevant.chunk(2, -1), d.Irrelevant.chunk(2, -1), x.chunk(2, -1));
        Pieces(CdFunctional.chunk(d, 3), d.Relevant.chunk(3), d.Irrelevant.chunk(3), x.chunk(3));
        Pieces(CdFunctional.split(d, 4, dim: 1), d.Relevant.split(4, 1), d.Irrelevant.split(4, 1), x.split(4, 1));
        Pieces(CdFunctional.split(d, new long[] { 1, 3 }), d.Relevant.split(new long[] { 1, 3 }), d.Irrelevant.split(new long[] { 1, 3 }), x.split(new long[] { 1, 3 }));
        Pieces(CdFunctional.split(d, new long[] { 2, 4 }, 1), d.Relevant.split(new long[] { 2, 4 }, 1), d.Irrelevant.split(new long[] { 2, 4 }, 1), x.split(new long[] { 2, 4 }, 1));
        Pieces(CdFunctional.split(d, 2, 1, 1), d.Relevant.split(2, 1, 1), d.Irrelevant.split(2, 1, 1), x.split(2, 1, 1));
        Assert.Throws<ArgumentException>(() => CdFunctional.split(d, new long[] { 1, 1 }));
    }

    [Fact]
    public void Indexing_mirrors_every_tensor_indexer()
    {
        manual_seed(144);
        using var scope = NewDisposeScope();
        var (d, x) = RuleCheck.Pair(3, 4, 5);
        void Check(Dec o, Func<Tensor, Tensor> op) { RuleCheck.Alike(o, d, op); RuleCheck.Complete(o, op(x)); }
        Check(CdFunctional.index(d, .., 0), t => t[.., 0]);
        Check(CdFunctional.index(d, 0), t => t[0]);
        Check(CdFunctional.index(d, 2, 1), t => t[2, 1]);
        Check(CdFunctional.index(d, 2, 1, 3), t => t[2, 1, 3]);
        Check(CdFunctional.index(d, TensorIndex.Ellipsis, 1), t => t[TensorIndex.Ellipsis, 1]);
        Check(CdFunctional.index(d, TensorIndex.Slice(1, 3), TensorIndex.None, TensorIndex.Colon, -1), t => t[TensorIndex.Slice(1, 3), TensorIndex.None, TensorIndex.Colon, -1]);
        Check(CdFunctional.index(d, new long[] { 1, 2 }), t => t[1, 2]);
        var rows = tensor(new long[] { 2, 0 });
        Check(CdFunctional.index(d, rows), t => t[rows]);
        var mask = x > 0;
        Check(CdFunctional.index(d, mask), t => t[mask]);
        Assert.Throws<ArgumentException>(() => CdFunctional.index(d, TensorIndex.Slice(0, 2, 0)));
        Assert.Throws<ArgumentException>(() => CdFunctional.index(d, 7));
        var (e, xe) = RuleCheck.Pair(2, 2, 2, 2, 2, 2);
        RuleCheck.Complete(CdFunctional.index(e, 1, 0, 1, 1), xe[1, 0, 1, 1]);
        RuleCheck.Complete(CdFunctional.index(e, 1, 0, 1, 1, 0), xe[1, 0, 1, 1, 0]);
        RuleCheck.Complete(CdFunctional.index(e, 1, 0, 1, 1, 0, 1), xe[1, 0, 1, 1, 0, 1]);
    }

    [Fact]
    public void Stack_and_cat_accept_arrays_lists_and_sequences()
    {
        manual_seed(145);
        using var scope = NewDisposeScope();
        var (a, xa) = RuleCheck.Pair(2, 3);
        var (b, xb) = RuleCheck.Pair(2, 3);
        RuleCheck.Complete(CdFunctional.stack([a, b], 1), stack([xa, xb], 1));
        RuleCheck.Complete(CdFunctional.stack(new List<Dec> { a, b }), stack([xa, xb]));
        RuleCheck.Complete(CdFunctional.stack(new[] { a, b }.Select(p => p), dim: -1), stack([xa, xb], -1));
        RuleCheck.Complete(CdFunctional.cat(new[] { a, b }), cat([xa, xb], 0));
        RuleCheck.Complete(CdFunctional.cat(new[] { a, b }, dim: 1), cat([xa, xb], 1));
        RuleCheck.Complete(CdFunctional.cat(new List<Dec> { a, b }, 1), cat([xa, xb], 1));
        RuleCheck.Complete(CdFunctional.cat(new[] { a, b }.Where(_ => true), 0), cat([xa, xb], 0));
        var c = CdFunctional.stack([a, b], 0);
        RuleCheck.Close(c.Relevant, stack([a.Relevant, b.Relevant], 0), "β'", 0);
        var (w, _) = RuleCheck.Pair(3, 3);
        Assert.Throws<ArgumentException>(() => CdFunctional.stack([a, w]));
        Assert.Throws<ArgumentException>(() => CdFunctional.cat([a, w], 1));
        Assert.Throws<ArgumentException>(() => CdFunctional.stack(Array.Empty<Dec>()));
    }

    [Fact]
    public void Masked_fill_shares_the_fill_value_fifty_fifty()
    {
        manual_seed(146);
        using var scope = NewDisposeScope();
        var (d, x) = RuleCheck.Pair(3, 4);
        var mask = tensor(new[] { true, false, false, true }, [4]);   // broadcast over the rows
        var o = CdFunctional.masked_fill(d, mask, -3.0);
        RuleCheck.Complete(o, x.masked_fill(mask, -3.0));
        RuleCheck.Close(o.Relevant[.., 0], full(3, -1.5, dtype: float64), "β' at a filled position", 0);
        RuleCheck.Close(o.Irrelevant[.., 3], full(3, -1.5, dtype: float64), "γ' at a filled position", 0);
        RuleCheck.Close(o.Relevant[.., 1], d.Relevant[.., 1], "β' elsewhere", 0);
        RuleCheck.Close(o.Irrelevant[.., 2], d.Irrelevant[.., 2], "γ' elsewhere", 0);
        Assert.Throws<ArgumentException>(() => CdFunctional.masked_fill(d, tensor(new[] { 1.0, 0, 0, 1 }, [4]), 0));
        Assert.Throws<ArgumentException>(() => CdFunctional.masked_fill(d, ones(2, 3, 4, dtype: ScalarType.Bool), 0));
    }

    [Fact]
    public void Where_selects_beta_and_gamma_alike_and_shares_a_constant_branch()
    {
        manual_seed(147);
        using var scope = NewDisposeScope();
        var (a, xa) = RuleCheck.Pair(3, 4);
        var (b, xb) = RuleCheck.Pair(3, 4);
        var cond = rand(3, 4) > 0.5;
        var c = randn(4, dtype: float64);
        var o = CdFunctional.where(cond, a, b);
        RuleCheck.Complete(o, where(cond, xa, xb));
        RuleCheck.Close(o.Relevant, where(cond, a.Relevant, b.Relevant), "β'", 0);
        RuleCheck.Complete(CdFunctional.where(a, cond, b), xa.where(cond, xb));
        var k = CdFunctional.where(cond, a, c);
        RuleCheck.Complete(k, where(cond, xa, c));
        RuleCheck.Close(k.Relevant, where(cond, a.Relevant, c / 2), "β' with a constant branch", 0);
        RuleCheck.Complete(CdFunctional.where(a, cond, c), xa.where(cond, c));
        Assert.Throws<ArgumentException>(() => CdFunctional.where(cond.to(float64), a, b));
        Assert.Throws<ArgumentException>(() => CdFunctional.where(cond, a, RuleCheck.Pair(5, 4).D));
    }

    [Fact]
    public void Helpers_for_generated_code()
    {
        manual_seed(148);
        using var outer = NewDisposeScope();
        var (d, x) = RuleCheck.Pair(2, 3);
        RuleCheck.Close(CdFunctional.value(d), x, "value");
        Assert.Same(d.Relevant, CdFunctional.like(d));
        var k = CdFunctional.constant(tensor(new[] { 4.0, -2.0 }, [2]));
        RuleCheck.Close(k.Relevant, tensor(new[] { 2.0, -1.0 }, [2]), "β of a constant", 0);
        RuleCheck.Close(k.Irrelevant, tensor(new[] { 2.0, -1.0 }, [2]), "γ of a constant", 0);
        var z = CdFunctional.constant(3.0, d);
        Assert.Equal(d.Relevant.shape, z.Relevant.shape);
        Assert.Equal(ScalarType.Float64, z.Irrelevant.dtype);
        RuleCheck.Close(z.Relevant + z.Irrelevant, full(2, 3, 3.0, dtype: float64), "constant", 0);
        // An accumulator initialised to a constant, then a decomposition added: complete.
        RuleCheck.Complete(CdFunctional.add(CdFunctional.constant(0.0, d), d), x);

        Dec moved;
        using (var inner = NewDisposeScope())
        {
            var tmp = CdFunctional.mul(d, 2.0);
            moved = CdFunctional.MoveToOuter(inner, tmp);
        }
        Assert.False(moved.Relevant.IsInvalid);
        Assert.False(moved.Irrelevant.IsInvalid);
        RuleCheck.Complete(moved, x * 2);
        Dec lost;
        using (var inner = NewDisposeScope()) lost = CdFunctional.mul(d, 2.0);
        Assert.Throws<ObjectDisposedException>(() => lost.Relevant);   // the check above can fail: without the move the parts are disposed (and reading one says so)
    }
}
