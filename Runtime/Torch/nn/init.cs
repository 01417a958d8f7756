namespace AttrDsl.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>Weight initialisation, as <c>torch.nn.init</c>; all draw from the global generator (see <see cref="manual_seed"/>).</summary>
        public static class init
        {
            /// <summary>(fan_in, fan_out) of a weight: dim 1 and dim 0 sizes times the receptive field.</summary>
            public static (long fan_in, long fan_out) calculate_fan_in_and_fan_out(Tensor tensor)
            {
                var s = tensor.shape;
                if (s.Length < 2) throw new ArgumentException($"fan in/out needs at least 2 dimensions, got shape [{string.Join(", ", s)}]");
                long receptive = 1;
                for (var i = 2; i < s.Length; i++) receptive *= s[i];
                return (s[1] * receptive, s[0] * receptive);
            }

            /// <summary>The recommended gain for a nonlinearity ("linear", "conv2d", "sigmoid", "tanh", "relu", "leaky_relu", "selu").</summary>
            public static double calculate_gain(string nonlinearity, double param = 0.01) => nonlinearity switch
            {
                "linear" or "conv1d" or "conv2d" or "conv3d" or "sigmoid" => 1.0,
                "tanh" => 5.0 / 3,
                "relu" => Math.Sqrt(2.0),
                "leaky_relu" => Math.Sqrt(2.0 / (1 + param * param)),
                "selu" => 3.0 / 4,
                _ => throw new ArgumentException($"unknown nonlinearity '{nonlinearity}'"),
            };

            /// <summary>U(a, b) in place.</summary>
            public static Tensor uniform_(Tensor t, double a = 0, double b = 1) { using var _ = no_grad(); return t.uniform_(a, b); }
            /// <summary>N(mean, std²) in place.</summary>
            public static Tensor normal_(Tensor t, double mean = 0, double std = 1) { using var _ = no_grad(); return t.normal_(mean, std); }
            /// <summary>Fills with a constant.</summary>
            public static Tensor constant_(Tensor t, double value) { using var _ = no_grad(); return t.fill_(value); }
            /// <summary>Fills with zeros.</summary>
            public static Tensor zeros_(Tensor t) => constant_(t, 0);
            /// <summary>Fills with ones.</summary>
            public static Tensor ones_(Tensor t) => constant_(t, 1);

            /// <summary>He-uniform: U(−b, b), b = gain·√(3/fan), gain from <paramref name="nonlinearity"/> and <paramref name="a"/>.</summary>
            public static Tensor kaiming_uniform_(Tensor t, double a = 0, string mode = "fan_in", string nonlinearity = "leaky_relu")
            {
                var bound = calculate_gain(nonlinearity, a) * Math.Sqrt(3.0 / Fan(t, mode));
                return uniform_(t, -bound, bound);
            }

            /// <summary>He-normal: N(0, (gain/√fan)²).</summary>
            public static Tensor kaiming_normal_(Tensor t, double a = 0, string mode = "fan_in", string nonlinearity = "leaky_relu") =>
                normal_(t, 0, calculate_gain(nonlinearity, a) / Math.Sqrt(Fan(t, mode)));

            /// <summary>Glorot-uniform: U(−b, b), b = gain·√(6/(fan_in + fan_out)).</summary>
            public static Tensor xavier_uniform_(Tensor t, double gain = 1)
            {
                var (fi, fo) = calculate_fan_in_and_fan_out(t);
                var bound = gain * Math.Sqrt(6.0 / (fi + fo));
                return uniform_(t, -bound, bound);
            }

            /// <summary>Glorot-normal: N(0, gain²·2/(fan_in + fan_out)).</summary>
            public static Tensor xavier_normal_(Tensor t, double gain = 1)
            {
                var (fi, fo) = calculate_fan_in_and_fan_out(t);
                return normal_(t, 0, gain * Math.Sqrt(2.0 / (fi + fo)));
            }

            private static long Fan(Tensor t, string mode)
            {
                var (fi, fo) = calculate_fan_in_and_fan_out(t);
                return mode switch { "fan_in" => fi, "fan_out" => fo, _ => throw new ArgumentException($"mode must be fan_in or fan_out, not '{mode}'") };
            }

            /// <summary>
            /// PyTorch's default for Linear and Conv: weight kaiming_uniform_(a = √5), i.e. U(±1/√fan_in),
            /// then bias U(±1/√fan_in). Same order of draws as PyTorch, so the same seed gives the same numbers.
            /// </summary>
            internal static void DefaultLinearInit(Tensor weight, Tensor? bias)
            {
                kaiming_uniform_(weight, a: Math.Sqrt(5));
                if (bias is null) return;
                var (fanIn, _) = calculate_fan_in_and_fan_out(weight);
                var bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
                uniform_(bias, -bound, bound);
            }
        }
    }
}
