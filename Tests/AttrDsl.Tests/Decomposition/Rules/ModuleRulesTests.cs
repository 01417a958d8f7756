using TorchSharp.Modules;
using AttrDsl.Decomposition;
using AttrDsl.Tests.Infrastructure;
using Dec = global::AttrDsl.Decomposition.Decomposition;

namespace AttrDsl.Tests.Decomposition.Rules;

/// <summary>
/// The module rules real models need (GroupNorm, InstanceNorm, ConvTranspose, Upsample, AdaptiveMaxPool, padding), each
/// decomposed through <see cref="ContextualDecomposition.Decompose(nn.Module{Tensor, Tensor}, Dec)"/> in a Sequential,
/// float64, eval mode: completeness, full and empty masks, and one closed-form check per family.
/// </summary>
[Collection(GlobalRngCollection.Name)]
public sealed class ModuleRulesTests
{
    private static T Eval<T>(T m) where T : nn.Module
    {
        m.to(float64);
        m.eval();
        return m;
    }

    private static Dec Run(nn.Module<Tensor, Tensor> m, Dec d) => ContextualDecomposition.Decompose(nn.Sequential(m), d);

    /// <summary>
    /// Completeness on a random split; a full mask (γ = 0) gives γ' = <paramref name="share"/>(x) and an empty one (β = 0)
    /// β' = <paramref name="share"/>(x), exactly (zero without a constant; the masks run without a graph, where the bias
    /// share of a non-zero part is exactly 1).
    /// </summary>
    private static void Check(nn.Module<Tensor, Tensor> m, long[] shape, Func<Tensor, Tensor>? share = null)
    {
        var (d, x) = RuleCheck.Pair(shape);
        RuleCheck.Complete(Run(m, d), m.call(x));
        using var _ = no_grad();
        var full = Run(m, new Dec(x, zeros_like(x)));
        var empty = Run(m, new Dec(zeros_like(x), x));
        var expected = share?.Invoke(x) ?? zeros_like(full.Irrelevant);
        RuleCheck.Close(full.Irrelevant, expected, "γ' of a full mask", 0);
        RuleCheck.Close(empty.Relevant, expected, "β' of an empty mask", 0);
        RuleCheck.Complete(full, m.call(x));
        RuleCheck.Complete(empty, m.call(x));
    }

    private static void RandomAffine(Parameter? w, Parameter? b)
    {
        using var _ = no_grad();
        w?.copy_(randn(w.shape, dtype: float64));
        b?.copy_(randn(b.shape, dtype: float64));
    }

    // ---- GroupNorm, InstanceNorm ------------------------------------------------------------------------------------

    [Fact]
    public void GroupNorm_is_complete_and_exact_under_full_and_empty_masks()
    {
        manual_seed(11);
        using var scope = NewDisposeScope();
        var gn = Eval(nn.GroupNorm(2, 6));
        RandomAffine(gn.weight, gn.bias);
        Check(gn, [3, 6, 5]);
        Check(gn, [2, 6, 3, 4]);
        Check(Eval(nn.GroupNorm(3, 6, affine: false)), [2, 6, 4]);
    }

    [Fact]
    public void GroupNorm_centres_each_part_by_its_own_group_mean_and_divides_by_the_sigma_of_the_sum()
    {
        manual_seed(12);
        using var scope = NewDisposeScope();
        var gn = Eval(nn.GroupNorm(2, 4, eps: 1e-5));
        using (no_grad()) gn.bias!.zero_();
        RandomAffine(gn.weight, null);
        var (d, x) = RuleCheck.Pair(1, 4, 3);
        var o = Run(gn, d);
        // Group g holds channels 2g, 2g+1: 6 values each.
        var b = d.Relevant.reshape(1, 2, 6);
        var sigma = (x.reshape(1, 2, 6).var([2L], unbiased: false, keepdim: true) + 1e-5).sqrt();
        var expected = ((b - b.mean([2L], keepdim: true)) / sigma).reshape(1, 4, 3) * gn.weight!.view(1, 4, 1);
        RuleCheck.Close(o.Relevant, expected, "β'", 1e-12);
    }

    [Fact]
    public void InstanceNorm_with_input_statistics_is_complete_and_normalises_each_channel_by_the_sums_sigma()
    {
        manual_seed(13);
        using var scope = NewDisposeScope();
        Check(Eval(nn.InstanceNorm1d(3)), [2, 3, 7]);
        var affine = Eval(nn.InstanceNorm2d(3, affine: true));
        RandomAffine(affine.weight, affine.bias);
        Check(affine, [2, 3, 4, 5]);

        var plain = Eval(nn.InstanceNorm1d(2));
        var (d, x) = RuleCheck.Pair(1, 2, 5);
        var o = Run(plain, d);
        var sigma = (x.var([2L], unbiased: false, keepdim: true) + 1e-5).sqrt();
        RuleCheck.Close(o.Relevant, (d.Relevant - d.Relevant.mean([2L], keepdim: true)) / sigma, "β'", 1e-12);
    }

    [Fact]
    public void InstanceNorm_with_running_statistics_in_eval_mode_is_the_batch_norm_rule()
    {
        manual_seed(14);
        using var scope = NewDisposeScope();
        var norm = NormalizationRulesTests.Randomised(Eval(nn.InstanceNorm2d(3, affine: true, track_running_stats: true)));
        Check(norm, [2, 3, 4, 4]);
        var (d, _) = RuleCheck.Pair(2, 3, 4, 4);
        var o = Run(norm, d);
        var s = ((norm.running_var! + norm.eps).rsqrt() * norm.weight!).view(1, 3, 1, 1);
        var t = (norm.bias! - norm.running_mean! * s.flatten()).view(1, 3, 1, 1);
        var r = d.Relevant * s;
        var i = d.Irrelevant * s;
        RuleCheck.Close(o.Relevant, r + t * r.abs() / (r.abs() + i.abs()), "β'", 1e-12);
    }

    // ---- ConvTranspose ----------------------------------------------------------------------------------------------

    [Fact]
    public void ConvTranspose_is_complete_and_exact_under_full_and_empty_masks()
    {
        manual_seed(21);
        using var scope = NewDisposeScope();
        Check(Eval(nn.ConvTranspose1d(3, 2, 3, stride: 2, padding: 1, output_padding: 1)), [2, 3, 5]);
        Check(Eval(nn.ConvTranspose2d(4, 2, 3, stride: 2, padding: 1)), [2, 4, 3, 3]);
        Check(Eval(nn.ConvTranspose2d(4, 4, 2, stride: 2, groups: 2, bias: false)), [1, 4, 3, 2]);
    }

    [Fact]
    public void ConvTranspose_without_bias_sends_beta_through_the_transposed_convolution()
    {
        manual_seed(22);
        using var scope = NewDisposeScope();
        var ct = Eval(nn.ConvTranspose2d(2, 3, 3, stride: 2, padding: 1, output_padding: 1, bias: false));
        var (d, _) = RuleCheck.Pair(1, 2, 3, 3);
        var o = Run(ct, d);
        RuleCheck.Close(o.Relevant, ct.call(d.Relevant), "β'", 1e-13);
        RuleCheck.Close(o.Irrelevant, ct.call(d.Irrelevant), "γ'", 1e-13);
    }

    [Fact]
    public void ConvTranspose_bias_is_shared_by_magnitude()
    {
        manual_seed(23);
        using var scope = NewDisposeScope();
        var ct = Eval(nn.ConvTranspose1d(2, 2, 3));
        var (d, _) = RuleCheck.Pair(1, 2, 4);
        var o = Run(ct, d);
        var b = ct.bias!.view(1, 2, 1);
        var r = ct.call(d.Relevant) - b;
        var i = ct.call(d.Irrelevant) - b;
        RuleCheck.Close(o.Relevant, r + b * r.abs() / (r.abs() + i.abs()), "β'", 1e-12);
    }

    // ---- Upsample ---------------------------------------------------------------------------------------------------

    [Fact]
    public void Upsample_nearest_and_bilinear_resample_each_part()
    {
        manual_seed(31);
        using var scope = NewDisposeScope();
        var nearest = Eval(nn.Upsample(scale_factor: [2.0, 2.0], mode: UpsampleMode.Nearest));
        var bilinear = Eval(nn.Upsample(size: [5, 7], mode: UpsampleMode.Bilinear, align_corners: false));
        Check(nearest, [2, 3, 3, 4]);
        Check(bilinear, [2, 3, 3, 4]);
        var (d, _) = RuleCheck.Pair(1, 1, 2, 3);
        RuleCheck.Alike(Run(bilinear, d), d, bilinear.call);
        RuleCheck.Alike(Run(nearest, d), d, nearest.call);
    }

    // ---- AdaptiveMaxPool --------------------------------------------------------------------------------------------

    [Fact]
    public void AdaptiveMaxPool_is_complete_and_exact_under_full_and_empty_masks()
    {
        manual_seed(41);
        using var scope = NewDisposeScope();
        Check(Eval(nn.AdaptiveMaxPool1d(3)), [2, 3, 7]);
        Check(Eval(nn.AdaptiveMaxPool2d([2, 3])), [2, 3, 5, 7]);
    }

    [Fact]
    public void AdaptiveMaxPool_takes_beta_at_the_argmax_of_the_sum()
    {
        using var scope = NewDisposeScope();
        // Windows [0, 2) and [2, 4): the sums are (1, 3 | 5, 2), so positions 1 and 2 are chosen.
        var beta = tensor(new[] { 4.0, 1.0, -2.0, 9.0 }, float64).view(1, 1, 4);
        var gamma = tensor(new[] { -3.0, 2.0, 7.0, -7.0 }, float64).view(1, 1, 4);
        var o = Run(Eval(nn.AdaptiveMaxPool1d(2)), new Dec(beta, gamma));
        RuleCheck.Close(o.Relevant, tensor(new[] { 1.0, -2.0 }, float64).view(1, 1, 2), "β'", 0);
        RuleCheck.Close(o.Irrelevant, tensor(new[] { 2.0, 7.0 }, float64).view(1, 1, 2), "γ'", 0);

        var (d, x) = RuleCheck.Pair(1, 2, 4, 4);
        var o2 = Run(Eval(nn.AdaptiveMaxPool2d([2, 2])), d);
        var (_, idx) = nn.functional.adaptive_max_pool2d_with_indices(x, [2, 2]);
        var expected = d.Relevant.flatten(2).gather(2, idx.flatten(2)).view(idx.shape);
        RuleCheck.Close(o2.Relevant, expected, "β'", 0);
    }

    // ---- Padding ----------------------------------------------------------------------------------------------------

    [Fact]
    public void Linear_padding_is_complete_and_pads_each_part()
    {
        manual_seed(51);
        using var scope = NewDisposeScope();
        nn.Module<Tensor, Tensor>[] pads = [nn.ZeroPad2d(1), nn.ReflectionPad1d(2), nn.ReflectionPad2d((1, 2, 0, 1)), nn.ReplicationPad1d(3), nn.ReplicationPad2d(1)];
        foreach (var pad in pads)
        {
            long[] shape = pad is ReflectionPad1d or ReplicationPad1d ? [2, 3, 5] : [2, 3, 4, 5];
            Check(Eval(pad), shape);
            var (d, _) = RuleCheck.Pair(shape);
            RuleCheck.Alike(Run(pad, d), d, pad.call);
        }
    }

    [Fact]
    public void Constant_padding_shares_the_constant_half_and_half()
    {
        manual_seed(52);
        using var scope = NewDisposeScope();
        var pad1 = Eval(nn.ConstantPad1d((2, 1), 3.0));
        var pad2 = Eval(nn.ConstantPad2d(1, -1.5));
        Check(pad1, [2, 3, 4], x => nn.functional.pad(zeros_like(x), [2, 1], value: 1.5));
        Check(pad2, [2, 3, 4, 4], x => nn.functional.pad(zeros_like(x), [1, 1, 1, 1], value: -0.75));
        var (d, _) = RuleCheck.Pair(1, 2, 3);
        var o = Run(pad1, d);
        RuleCheck.Close(o.Relevant, nn.functional.pad(d.Relevant, [2, 1], value: 1.5), "β'", 0);
        RuleCheck.Close(o.Irrelevant, nn.functional.pad(d.Irrelevant, [2, 1], value: 1.5), "γ'", 0);
    }

    // ---- Functional forms -------------------------------------------------------------------------------------------

    [Fact]
    public void Functional_forms_are_complete()
    {
        manual_seed(61);
        using var scope = NewDisposeScope();
        var (d, x) = RuleCheck.Pair(2, 4, 6);
        var w = randn(4, dtype: float64);
        var b = randn(4, dtype: float64);
        RuleCheck.Complete(CdFunctional.group_norm(d, 2, w, b), nn.functional.group_norm(x, 2, w, b));
        RuleCheck.Complete(CdFunctional.instance_norm(d, weight: w, bias: b), nn.functional.instance_norm(x, weight: w, bias: b));
        var mean = randn(4, dtype: float64);
        var variance = rand(4, dtype: float64) + 0.5;
        RuleCheck.Complete(CdFunctional.instance_norm(d, mean, variance, w, b, use_input_stats: false),
                           nn.functional.instance_norm(x, mean, variance, w, b, use_input_stats: false));

        var w1 = randn(4, 3, 3, dtype: float64);
        RuleCheck.Complete(CdFunctional.conv_transpose1d(d, w1, b.narrow(0, 0, 3), stride: 2, padding: 1),
                           nn.functional.conv_transpose1d(x, w1, b.narrow(0, 0, 3), stride: 2, padding: 1));
        RuleCheck.Complete(CdFunctional.adaptive_max_pool1d(d, 4), nn.functional.adaptive_max_pool1d(x, 4));

        var (d2, x2) = RuleCheck.Pair(2, 4, 3, 5);
        var w2 = randn(4, 2, 2, 2, dtype: float64);
        RuleCheck.Complete(CdFunctional.conv_transpose2d(d2, w2, b.narrow(0, 0, 2), strides: [2, 2]),
                           nn.functional.conv_transpose2d(x2, w2, b.narrow(0, 0, 2), strides: [2, 2]));
        RuleCheck.Complete(CdFunctional.adaptive_max_pool2d(d2, [2, 2]), nn.functional.adaptive_max_pool2d(x2, [2, 2]));
        RuleCheck.Complete(CdFunctional.interpolate(d2, size: [6, 9], mode: InterpolationMode.Bilinear, align_corners: true),
                           nn.functional.interpolate(x2, size: [6, 9], mode: InterpolationMode.Bilinear, align_corners: true));
        RuleCheck.Complete(CdFunctional.upsample(d2, scale_factor: [2.0, 2.0], mode: UpsampleMode.Bilinear), nn.functional.upsample(x2, scale_factor: [2.0, 2.0], mode: UpsampleMode.Bilinear));
        RuleCheck.Complete(CdFunctional.pad(d2, [1, 2, 0, 1], value: 2.5), nn.functional.pad(x2, [1, 2, 0, 1], value: 2.5));
        RuleCheck.Complete(CdFunctional.pad(d2, (1, 1, 1, 1), PaddingModes.Reflect), nn.functional.pad(x2, (1, 1, 1, 1), PaddingModes.Reflect));
        RuleCheck.Complete(CdFunctional.pad(d, [1, 2], PaddingModes.Replicate), nn.functional.pad(x, [1, 2], PaddingModes.Replicate));
    }
}
