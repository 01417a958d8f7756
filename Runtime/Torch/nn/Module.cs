using System.Reflection;

namespace AttrDsl.Torch;

public static partial class torch
{
    /// <summary>Neural-network building blocks, shaped like TorchSharp's <c>torch.nn</c>.</summary>
    public static partial class nn
    {
        /// <summary>
        /// Base of every layer and model: owns parameters, buffers and child modules by name,
        /// switches train/eval, and reads/writes its state dictionary.
        /// </summary>
        public abstract partial class Module : IDisposable
        {
            private readonly List<(string Name, Module Module)> _modules = [];
            private readonly List<(string Name, Parameter? Parameter)> _parameters = [];
            private readonly List<(string Name, BufferTensor? BufferTensor)> _buffers = [];
            private readonly string _name;

            /// <summary>Creates a module called <paramref name="name"/>.</summary>
            protected Module(string name) => _name = name;

            /// <summary>The module's type-level name.</summary>
            public string GetName() => _name;

            /// <summary>True in training mode (dropout active, batch norm updating statistics).</summary>
            public bool training { get; private set; } = true;

            /// <summary>
            /// Registers every field of the derived class that holds a <see cref="Module"/> or a
            /// <see cref="Parameter"/>, under the field's name, in declaration order — call it last in
            /// your constructor, as in TorchSharp.
            /// </summary>
            protected void RegisterComponents()
            {
                var types = new List<Type>();
                for (var t = GetType(); t != null && t != typeof(Module); t = t.BaseType) types.Insert(0, t);
                foreach (var type in types)
                foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    var name = FieldName(field.Name);
                    switch (field.GetValue(this))
                    {
                        case Module m when !_modules.Any(x => ReferenceEquals(x.Module, m)):
                            register_module(name, m);
                            break;
                        case Parameter p when !_parameters.Any(x => ReferenceEquals(x.Parameter, p)):
                            register_parameter(name, p);
                            break;
                        case BufferTensor b when !_buffers.Any(x => ReferenceEquals(x.BufferTensor, b)):
                            register_buffer(name, b);
                            break;
                    }
                }
            }

            private static string FieldName(string field) =>
                field.StartsWith('<') && field.Contains(">k__BackingField") ? field[1..field.IndexOf('>')] : field.TrimStart('_');

            /// <summary>Adds a child module under <paramref name="name"/>.</summary>
            public void register_module(string name, Module module)
            {
                CheckName(name);
                _modules.Add((name, module));
            }

            /// <summary>Adds a parameter under <paramref name="name"/> (null reserves the name, e.g. a bias-free layer).</summary>
            public void register_parameter(string name, Parameter? parameter)
            {
                CheckName(name);
                _parameters.Add((name, parameter));
            }

            /// <summary>Adds a buffer (state saved with the module but not trained).</summary>
            public void register_buffer(string name, BufferTensor? buffer)
            {
                CheckName(name);
                _buffers.Add((name, buffer));
            }

            private void CheckName(string name)
            {
                if (string.IsNullOrEmpty(name) || name.Contains('.'))
                    throw new ArgumentException($"'{name}' is not a valid component name (non-empty, no dots)");
                if (_modules.Any(m => m.Name == name) || _parameters.Any(p => p.Name == name) || _buffers.Any(b => b.Name == name))
                    throw new ArgumentException($"{_name} already has a component named '{name}'");
            }

            /// <summary>Direct children with their names.</summary>
            public IEnumerable<(string name, Module module)> named_children() => _modules.Select(m => (m.Name, m.Module));

            /// <summary>Direct children.</summary>
            public IEnumerable<Module> children() => _modules.Select(m => m.Module);

            /// <summary>This module and all descendants, depth first, with dotted names ("" for this one).</summary>
            public IEnumerable<(string name, Module module)> named_modules()
            {
                yield return ("", this);
                foreach (var (name, child) in _modules)
                foreach (var (sub, m) in child.named_modules())
                    yield return (sub.Length == 0 ? name : $"{name}.{sub}", m);
            }

            /// <summary>This module and all descendants, depth first.</summary>
            public IEnumerable<Module> modules() => named_modules().Select(m => m.module);

            /// <summary>
            /// Parameters with dotted names (e.g. "conv1.weight"). A parameter shared by several modules is
            /// listed once unless <paramref name="remove_duplicate"/> is false (state dicts list it under every name, as PyTorch).
            /// </summary>
            public IEnumerable<(string name, Parameter parameter)> named_parameters(bool recurse = true, bool remove_duplicate = true)
            {
                var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
                foreach (var (prefix, m) in recurse ? named_modules() : [("", this)])
                foreach (var (name, p) in m._parameters)
                    if (p is not null && (!remove_duplicate || seen.Add(p)))
                        yield return (prefix.Length == 0 ? name : $"{prefix}.{name}", p);
            }

            /// <summary>All parameters.</summary>
            public IEnumerable<Parameter> parameters(bool recurse = true) => named_parameters(recurse).Select(p => p.parameter);

            /// <summary>Buffers with dotted names.</summary>
            public IEnumerable<(string name, BufferTensor buffer)> named_buffers(bool recurse = true)
            {
                foreach (var (prefix, m) in recurse ? named_modules() : [("", this)])
                foreach (var (name, b) in m._buffers)
                    if (b is not null)
                        yield return (prefix.Length == 0 ? name : $"{prefix}.{name}", b);
            }

            /// <summary>All buffers.</summary>
            public IEnumerable<BufferTensor> buffers(bool recurse = true) => named_buffers(recurse).Select(b => b.buffer);

            /// <summary>Sets training (true) or evaluation (false) mode on this module and its descendants.</summary>
            public Module train(bool on = true)
            {
                foreach (var m in modules()) m.training = on;
                return this;
            }

            /// <summary>Evaluation mode: dropout off, batch norm uses running statistics.</summary>
            public Module eval() => train(false);

            /// <summary>Clears every parameter's gradient (sets it to none, as PyTorch does by default).</summary>
            public void zero_grad()
            {
                foreach (var p in parameters()) p.grad = null;
            }

            /// <summary>Converts parameters and buffers of floating type to <paramref name="type"/> (e.g. float64 for gradient checks).</summary>
            public Module to(ScalarType type)
            {
                using var _ = no_grad();
                foreach (var p in parameters())
                    if (p.dtype.IsFloatingPoint() && p.dtype != type) { using var c = p.to(type); p.SetData(c); }
                foreach (var b in buffers())
                    if (b.dtype.IsFloatingPoint() && b.dtype != type) { using var c = b.to(type); b.SetData(c); }
                return this;
            }

            /// <summary>Names to tensors (new handles to the live parameters and buffers, not copies).</summary>
            public Dictionary<string, Tensor> state_dict()
            {
                var d = new Dictionary<string, Tensor>();
                foreach (var (n, p) in named_parameters(remove_duplicate: false)) d[n] = p.detach();
                foreach (var (n, b) in named_buffers()) d[n] = b.alias();
                return d;
            }

            /// <summary>
            /// Copies values from <paramref name="state"/> into the parameters and buffers. With
            /// <paramref name="strict"/>, missing and unexpected keys are errors; shapes must always match.
            /// </summary>
            public (IList<string> missing, IList<string> unexpected) load_state_dict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
            {
                var targets = new Dictionary<string, Tensor>();
                foreach (var (n, p) in named_parameters(remove_duplicate: false)) targets[n] = p;
                foreach (var (n, b) in named_buffers()) targets[n] = b;
                var missing = targets.Keys.Where(k => !state.ContainsKey(k)).ToList();
                var unexpected = state.Keys.Where(k => !targets.ContainsKey(k)).ToList();
                if (strict && (missing.Count > 0 || unexpected.Count > 0))
                    throw new ArgumentException($"state dict does not fit {_name}: missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", unexpected)}]. Pass strict: false to load the overlap.");
                foreach (var (name, target) in targets)
                {
                    if (!state.TryGetValue(name, out var src)) continue;
                    if (!src.shape.SequenceEqual(target.shape))
                        throw new ArgumentException($"'{name}': checkpoint shape [{string.Join(", ", src.shape)}] but the module has [{string.Join(", ", target.shape)}]");
                }
                using (no_grad())
                    foreach (var (name, target) in targets)
                        if (state.TryGetValue(name, out var src))
                        {
                            if (src.dtype == target.dtype) target.copy_(src);
                            else { using var c = src.to(target.dtype); target.copy_(c); }
                        }
                return (missing, unexpected);
            }

            /// <summary>Frees the native memory of every parameter and buffer (this module and descendants).</summary>
            public void Dispose()
            {
                foreach (var p in parameters()) p.Dispose();
                foreach (var b in buffers()) b.Dispose();
                GC.SuppressFinalize(this);
            }

            /// <inheritdoc/>
            public override string ToString() => _name;
        }

        /// <summary>A module with one input.</summary>
        public abstract class Module<T, TResult> : Module
        {
            /// <summary>Creates a module called <paramref name="name"/>.</summary>
            protected Module(string name) : base(name) { }

            /// <summary>The computation.</summary>
            public abstract TResult forward(T input);

            /// <summary>Runs <see cref="forward"/> (TorchSharp's name for invoking a module).</summary>
            public TResult call(T input) => forward(input);
        }

        /// <summary>A module with two inputs (losses: input, target).</summary>
        public abstract class Module<T1, T2, TResult> : Module
        {
            /// <summary>Creates a module called <paramref name="name"/>.</summary>
            protected Module(string name) : base(name) { }

            /// <summary>The computation.</summary>
            public abstract TResult forward(T1 input1, T2 input2);

            /// <summary>Runs <see cref="forward"/>.</summary>
            public TResult call(T1 input1, T2 input2) => forward(input1, input2);
        }

        /// <summary>Makes a trainable parameter from <paramref name="data"/>.</summary>
        public static Parameter Parameter(Tensor data, bool requires_grad = true) => new(data, requires_grad);
    }
}
