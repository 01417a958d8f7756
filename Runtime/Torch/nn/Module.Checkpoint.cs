namespace AttrDsl.Torch;

public static partial class torch
{
    public static partial class nn
    {
        public abstract partial class Module
        {
            /// <summary>
            /// Writes the state dictionary to <paramref name="path"/> in the safetensors format (readable by
            /// Python's <c>safetensors.torch.load_file</c>). The write is atomic: an interrupted save leaves
            /// any previous checkpoint intact.
            /// </summary>
            public Module save(string path, IReadOnlyDictionary<string, string>? metadata = null)
            {
                var state = state_dict();
                try { safetensors.save_file(state, path, metadata); }
                finally { foreach (var t in state.Values) t.Dispose(); }
                return this;
            }

            /// <summary>Loads a safetensors checkpoint written by <see cref="save"/> (or by Python) into this module.</summary>
            public Module load(string path, bool strict = true)
            {
                var state = safetensors.load_file(path);
                try { load_state_dict(state, strict); }
                finally { foreach (var t in state.Values) t.Dispose(); }
                return this;
            }
        }
    }
}
