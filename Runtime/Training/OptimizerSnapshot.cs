using System.Reflection;
using TorchSharp.Modules;

namespace AttrDsl.Training;

/// <summary>
/// A deep copy of everything one <c>optimizer.step()</c> may change — the values of the optimizer's parameters and its
/// per-parameter state (Adam's moments and step count, SGD's momentum buffer, ...) — taken just before the step, so an
/// update that turns out to be non-finite can be undone bitwise.
/// </summary>
/// <remarks>
/// <para>
/// The copies are clones on the parameters' own device, owned by the snapshot (kept out of the caller's dispose scope,
/// whose lifetime is the step's) and freed by <see cref="Dispose"/>: the cost is one extra copy of the parameters plus one of the optimizer state for the duration of a step (3× the
/// parameters' memory for Adam, 2× for SGD with momentum, 1× for plain SGD), and one device-side copy of each per step.
/// </para>
/// <para>
/// TorchSharp's <c>state_dict()</c> hands out the optimizer's live state objects, not copies, so each state object's
/// fields are copied here: tensors are cloned, numbers kept by value. <see cref="Restore"/> writes them back in place —
/// a tensor the step updated in place is overwritten with its copy, a tensor the step replaced (AMSGrad's running
/// maximum) or created (SGD's first momentum buffer) is freed and the field set back to the copy or to null. A state
/// class with fields of any other kind is saved and restored through its own <c>SaveStateDict</c>/<c>LoadStateDict</c>.
/// An optimizer that is not built on TorchSharp's <c>OptimizerHelper</c> keeps its state in native code, out of reach:
/// only its parameters are restored, and <see cref="StateRestorable"/> is false.
/// </para>
/// </remarks>
internal sealed class OptimizerSnapshot : IDisposable
{
    // The clones this snapshot owns; Restore hands some of them to the optimizer, which then owns them.
    private readonly List<Tensor> _owned = [];
    private readonly List<(Tensor Parameter, Tensor Copy)> _parameters = [];
    private readonly List<StateCopy> _states = [];

    private OptimizerSnapshot(optim.Optimizer optimizer)
    {
        try
        {
            using var noGrad = no_grad();
            foreach (var p in optimizer.parameters())
                if (p is { IsInvalid: false }) _parameters.Add((p, Own(p)));
            if (optimizer is OptimizerHelper helper)
            {
                foreach (var state in helper.state_dict().State)
                    if (state is not null) _states.Add(StateCopy.Take(state, Own));
                StateRestorable = true;
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Copies what <paramref name="optimizer"/>'s next step may change.</summary>
    public static OptimizerSnapshot Take(optim.Optimizer optimizer) => new(optimizer);

    /// <summary>Whether the optimizer's state could be copied (it is a managed TorchSharp optimizer).</summary>
    public bool StateRestorable { get; }

    /// <summary>Puts the parameters and the optimizer state back as they were when the snapshot was taken, in place.</summary>
    public void Restore()
    {
        using var noGrad = no_grad();
        foreach (var (parameter, copy) in _parameters) parameter.copy_(copy);
        foreach (var state in _states) state.Restore(handedBack => _owned.Remove(handedBack));
    }

    /// <summary>Frees the copies (those handed back to the optimizer by <see cref="Restore"/> excepted).</summary>
    public void Dispose()
    {
        foreach (var t in _owned) t.Dispose();
        _owned.Clear();
    }

    private Tensor Own(Tensor t)
    {
        var copy = t.detach().clone().DetachFromDisposeScope();
        _owned.Add(copy);
        return copy;
    }

    /// <summary>The fields of one optimizer state object, as they were.</summary>
    private sealed class StateCopy
    {
        private readonly OptimizerState _state;
        private readonly List<(FieldInfo Field, Tensor? Original, Tensor? Copy)> _tensors = [];
        private readonly List<(FieldInfo Field, object? Value)> _values = [];
        private byte[]? _serialized;

        private StateCopy(OptimizerState state) => _state = state;

        public static StateCopy Take(OptimizerState state, Func<Tensor, Tensor> clone)
        {
            var copy = new StateCopy(state);
            var fields = Fields(state.GetType()).ToList();
            if (fields.All(f => typeof(Tensor).IsAssignableFrom(f.FieldType) || f.FieldType.IsValueType || f.FieldType == typeof(string)))
            {
                foreach (var f in fields)
                {
                    if (typeof(Tensor).IsAssignableFrom(f.FieldType))
                    {
                        var t = (Tensor?)f.GetValue(state);
                        copy._tensors.Add((f, t, t is { IsInvalid: false } ? clone(t) : null));
                    }
                    else copy._values.Add((f, f.GetValue(state)));   // value types are boxed copies
                }
            }
            else
            {
                // A state class with lists or other objects: its own serialization is the one deep copy it defines.
                using var buffer = new MemoryStream();
                using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) state.SaveStateDict(writer);
                copy._serialized = buffer.ToArray();
            }
            return copy;
        }

        public void Restore(Action<Tensor> handBack)
        {
            if (_serialized is not null)
            {
                using var reader = new BinaryReader(new MemoryStream(_serialized));
                _state.LoadStateDict(reader);
                return;
            }
            foreach (var (field, value) in _values) field.SetValue(_state, value);
            foreach (var (field, original, copy) in _tensors)
            {
                var current = (Tensor?)field.GetValue(_state);
                if (copy is not null && ReferenceEquals(current, original) && current is { IsInvalid: false } && current.shape.SequenceEqual(copy.shape))
                {
                    current.copy_(copy);   // updated in place by the step: overwrite
                    continue;
                }
                // The step created or replaced the tensor: free its new one and hand the old value back.
                if (current is { IsInvalid: false } && !ReferenceEquals(current, original)) current.Dispose();
                if (copy is not null) handBack(copy);
                field.SetValue(_state, copy);
            }
        }

        // The fields the state class declares (its own and those of its bases up to OptimizerState, whose only field is
        // the parameter the state belongs to).
        private static IEnumerable<FieldInfo> Fields(Type type)
        {
            const BindingFlags flags = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
            for (var t = type; t is not null && t != typeof(OptimizerState) && t != typeof(object); t = t.BaseType)
                foreach (var f in t.GetFields(flags))
                    yield return f;
        }
    }
}
