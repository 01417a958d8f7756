using AttrDsl.Torch.Native;

namespace AttrDsl.Torch;

public static partial class torch
{
    /// <summary>Switches between libtorch's CPU kernels, as <c>torch.backends</c>.</summary>
    public static class backends
    {
        /// <summary>NNPACK convolutions.</summary>
        public static class nnpack
        {
            /// <summary>Whether libtorch may pick NNPACK.</summary>
            public static bool enabled { get => Flag(0, -1); set => Flag(0, value ? 1 : 0); }
        }

        /// <summary>oneDNN (MKL-DNN) kernels.</summary>
        public static class mkldnn
        {
            /// <summary>Whether libtorch may pick oneDNN.</summary>
            public static bool enabled { get => Flag(1, -1); set => Flag(1, value ? 1 : 0); }
            /// <summary>Whether this libtorch build contains oneDNN.</summary>
            public static bool is_available() => Flag(2, -1);
        }

        private static bool Flag(int which, int value)
        {
            var r = NativeOps.ad_backend_flag(which, value);
            if (r < 0) NativeOps.Check(1);
            return r == 1;
        }
    }
}
