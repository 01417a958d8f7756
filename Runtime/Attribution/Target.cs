using TorchSharp;
using static TorchSharp.torch;

namespace AttrDsl.Attribution;

/// <summary>
/// What is being explained: one scalar per sample picked from the model output (lib-attribution's
/// "quantity of interest", Captum's <c>target</c>). The attribution is the gradient of Σ_b q_b.
/// </summary>
public abstract class Target
{
    /// <summary>The output itself; valid when the model returns one value per sample ([B] or [B, 1]).</summary>
    public static Target Output { get; } = new OutputTarget();

    /// <summary>The logit of one class for every sample.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="c"/> is negative.</exception>
    public static Target Class(long c) => new ClassTarget(ClassIndex(c, nameof(c)));

    /// <summary>A class per sample (int64 [B]), e.g. the true labels.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="classes"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="classes"/> was disposed.</exception>
    /// <exception cref="ArgumentException"><paramref name="classes"/> is not a non-empty 1-D integer tensor.</exception>
    public static Target PerSample(Tensor classes)
    {
        var target = new PerSampleTarget(classes);
        if (classes.size(0) == 0)
            throw new ArgumentException("per-sample targets: classes is empty (shape [0]); pass one class index per sample", nameof(classes));
        return target;
    }

    /// <summary>The largest output of each sample.</summary>
    public static Target Max { get; } = new MaxTarget();

    /// <summary>Class <paramref name="c1"/> minus class <paramref name="c2"/> (lib-attribution's comparative quantity).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A class is negative.</exception>
    /// <exception cref="ArgumentException">The two classes are the same (the difference would be 0 for every input).</exception>
    public static Target Comparative(long c1, long c2)
    {
        ClassIndex(c1, nameof(c1));
        ClassIndex(c2, nameof(c2));
        if (c1 == c2)
            throw new ArgumentException($"Target.Comparative: c1 and c2 are the same class ({c1}); the difference of a class with itself is 0 for every input. Pass two different classes.", nameof(c2));
        return new ComparativeTarget(c1, c2);
    }

    private static long ClassIndex(long c, string name) => c >= 0 ? c : throw new ArgumentOutOfRangeException(name, c,
        $"a target class is an index into the model's outputs, so it is at least 0; got {c}");

    /// <summary>The output a target selects from: not null, not disposed.</summary>
    private protected static void CheckOutput(Tensor output)
    {
        Checks.Live(output, "Target.Select", nameof(output));
    }

    /// <summary>Repeat counts are at least 1.</summary>
    private protected static void CheckTimes(long times)
    {
        if (times < 1) throw new ArgumentOutOfRangeException(nameof(times), times, $"Target.Repeat: times must be at least 1, got {times}");
    }

#pragma warning disable CS1591
    public static implicit operator Target(long c) => Class(c);
    public static implicit operator Target(int c) => Class(c);
    public static implicit operator Target(Tensor classes) => PerSample(classes);
#pragma warning restore CS1591

    /// <summary>Selects one value per sample from <paramref name="output"/> ([B, ...]); returns [B].</summary>
    public abstract Tensor Select(Tensor output);

    /// <summary>
    /// The same target for inputs repeated <paramref name="times"/> per sample, sample-major
    /// ([B·times] rows: sample 0's copies first) — what path methods feed through the model.
    /// </summary>
    public virtual Target Repeat(long times)
    {
        CheckTimes(times);
        return this;
    }

    /// <summary>
    /// The target for rows <paramref name="start"/> .. start + length − 1 of a batch it addresses (for internal
    /// batching). Targets that treat every row alike return themselves.
    /// </summary>
    public virtual Target Slice(long start, long length) => this;

    /// <summary>
    /// The number of samples this target addresses when it has one entry per sample (per-sample labels); null when it
    /// treats every row alike. Methods check it against their inputs' batch size up front.
    /// </summary>
    internal virtual long? SampleCount => null;

    /// <summary>
    /// The target for rows that belong to the samples <paramref name="samples"/> (int64 [R], indices into the batch
    /// this target addresses): what <see cref="Repeat"/> then <see cref="Slice"/> give, without building the repeated
    /// target for all rows. Targets that treat every row alike return themselves. The result's tensors belong to the
    /// current dispose scope: use it inside that scope only.
    /// </summary>
    internal virtual Target ForSamples(Tensor samples) => this;

    private protected static Tensor Flat(Tensor output)
    {
        CheckOutput(output);
        if (output.dim() == 0)
            throw new ArgumentException("the model returned a 0-dim tensor; attribution needs one output row per sample ([B] or [B, classes]). Don't reduce over the batch inside forward.");
        // One output per sample ([B]) is one class: [B, 1], so Class(0), Max and per-sample labels 0 apply to it
        // (indexing dimension 1 of a [B] tensor would fail inside libtorch with a message about dimensions).
        return output.dim() == 1 ? output.unsqueeze(1) : output.flatten(1);
    }

    private sealed class OutputTarget : Target
    {
        public override Tensor Select(Tensor output)
        {
            CheckOutput(output);
            if (output.dim() == 0)
                throw new ArgumentException("the model returned a 0-dim tensor; attribution needs one output per sample ([B] or [B, 1]). Don't reduce over the batch inside forward.");
            if (output.dim() > 1 && output.numel() != output.size(0))
                throw new ArgumentException($"Target.Output needs one value per sample, but the output has shape [{string.Join(", ", output.shape)}]; pass a class (Target.Class(c)) or per-sample labels.");
            return output.reshape(output.size(0));
        }
    }

    private sealed class ClassTarget(long c) : Target
    {
        public override Tensor Select(Tensor output)
        {
            using var flat = Flat(output);
            if (c < 0 || c >= flat.size(1))
                throw new ArgumentOutOfRangeException(nameof(c), c, $"target class {c} is outside the model's {flat.size(1)} outputs");
            return flat.select(1, c);
        }
    }

    private sealed class PerSampleTarget : Target, IPerSample
    {
        private readonly Tensor _classes;

        public PerSampleTarget(Tensor classes)
        {
            ArgumentNullException.ThrowIfNull(classes);
            if (classes.IsInvalid)
                throw new ObjectDisposedException(nameof(classes), "per-sample targets: the class tensor was disposed; pass a live 1-D int64 tensor");
            if (classes.dim() != 1 || classes.dtype is not (ScalarType.Int64 or ScalarType.Int32))
                throw new ArgumentException(
                    $"per-sample targets must be a 1-D int64 tensor of class indices, got a {classes.dtype} tensor of shape [{string.Join(", ", classes.shape)}]",
                    nameof(classes));
            _classes = classes;
        }

        internal override long? SampleCount => _classes.size(0);

        public override Tensor Select(Tensor output)
        {
            using var flat = Flat(output);
            if (flat.size(0) != _classes.size(0))
                throw new ArgumentException($"{_classes.size(0)} per-sample targets for a model output of {flat.size(0)} rows");
            using var asLong = _classes.@long();
            using var labels = asLong.to(flat.device); // labels may sit on the CPU while the model runs elsewhere
            if (labels.size(0) > 0)
            {
                // gather with an index out of range fails inside libtorch with a message that names no class; say which.
                using var low = labels.min();
                using var high = labels.max();
                var (lo, hi) = (low.item<long>(), high.item<long>());
                if (lo < 0 || hi >= flat.size(1))
                    throw new ArgumentOutOfRangeException("target", lo < 0 ? lo : hi,
                        $"per-sample target class {(lo < 0 ? lo : hi)} is outside the model's {flat.size(1)} outputs (valid: 0 .. {flat.size(1) - 1})");
            }
            using var idx = labels.unsqueeze(1);
            using var picked = flat.gather(1, idx);
            return picked.squeeze(1);
        }

        public override Target Slice(long start, long length)
        {
            if (start < 0 || length < 0 || start + length > _classes.size(0))
                throw new ArgumentOutOfRangeException(nameof(start), $"rows [{start}, {start + length}) (start {start}, length {length}) are outside the {_classes.size(0)} per-sample targets");
            if (start == 0 && length == _classes.size(0)) return this;
            using var scope = torch.NewDisposeScope();
            return new PerSampleTarget(_classes.narrow(0, start, length).clone().MoveToOuterDisposeScope().DetachFromDisposeScope());
        }

        // The selected classes stay in the caller's dispose scope (unlike Slice/Repeat), so a per-chunk target is
        // freed with its chunk instead of waiting for a finalizer.
        internal override Target ForSamples(Tensor samples) => new PerSampleTarget(_classes.index_select(0, samples.to(_classes.device)));

        public Target Row(long b)
        {
            using var scope = torch.NewDisposeScope();
            return new PerSampleTarget(_classes.narrow(0, b, 1).clone().MoveToOuterDisposeScope().DetachFromDisposeScope());
        }

        public override Target Repeat(long times)
        {
            CheckTimes(times);
            if (times == 1) return this;
            using var scope = torch.NewDisposeScope();
            var repeated = _classes.unsqueeze(1).expand(_classes.size(0), times).reshape(-1);
            return new PerSampleTarget(repeated.MoveToOuterDisposeScope().DetachFromDisposeScope());
        }
    }

    private sealed class MaxTarget : Target
    {
        public override Tensor Select(Tensor output)
        {
            using var flat = Flat(output);
            return flat.amax([1]);
        }
    }

    private sealed class ComparativeTarget(long c1, long c2) : Target
    {
        public override Tensor Select(Tensor output)
        {
            using var flat = Flat(output);
            foreach (var c in new[] { c1, c2 })
                if (c < 0 || c >= flat.size(1))
                    throw new ArgumentOutOfRangeException(nameof(c1), c, $"comparative target class {c} is outside the model's {flat.size(1)} outputs");
            using var a = flat.select(1, c1);
            using var b = flat.select(1, c2);
            return a - b;
        }
    }
}

/// <summary>A target with one entry per sample, from which a single sample's target can be taken.</summary>
internal interface IPerSample
{
    /// <summary>The target of sample <paramref name="b"/> alone.</summary>
    Target Row(long b);
}
