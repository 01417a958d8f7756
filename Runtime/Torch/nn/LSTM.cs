namespace AttrDsl.Torch;

/// <summary>
/// A multi-layer (optionally bidirectional) LSTM running libtorch's fused kernel. Parameters are named
/// as PyTorch's (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, ..._reverse) and initialised
/// U(±1/√hidden_size). Returns (output, h_n, c_n).
/// </summary>
public sealed class LSTM : torch.nn.Module<Tensor, (Tensor output, Tensor h_n, Tensor c_n)>
{
    private readonly List<Parameter> _flat = [];
    /// <summary>Features per time step.</summary>
    public long input_size { get; }
    /// <summary>Hidden state size.</summary>
    public long hidden_size { get; }
    /// <summary>Stacked layers.</summary>
    public long num_layers { get; }
    /// <summary>Whether a reverse direction runs too.</summary>
    public bool bidirectional { get; }
    /// <summary>Input is [batch, seq, feature] rather than [seq, batch, feature].</summary>
    public bool batch_first { get; }
    private readonly bool _bias;
    private readonly double _dropout;

    /// <summary>Creates the LSTM.</summary>
    public LSTM(long input_size, long hidden_size, long num_layers = 1, bool bias = true, bool batch_first = false, double dropout = 0, bool bidirectional = false, ScalarType? dtype = null)
        : base(nameof(LSTM))
    {
        if (input_size <= 0 || hidden_size <= 0 || num_layers <= 0) throw new ArgumentOutOfRangeException(nameof(input_size), "LSTM sizes must be positive");
        (this.input_size, this.hidden_size, this.num_layers, _bias, this.batch_first, _dropout, this.bidirectional) =
            (input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional);
        var k = 1 / Math.Sqrt(hidden_size);
        var dirs = bidirectional ? 2 : 1;
        using var scope = torch.NewDisposeScope();
        for (var layer = 0; layer < num_layers; layer++)
        for (var d = 0; d < dirs; d++)
        {
            var inSize = layer == 0 ? input_size : hidden_size * dirs;
            var suffix = $"_l{layer}{(d == 1 ? "_reverse" : "")}";
            Add($"weight_ih{suffix}", [4 * hidden_size, inSize]);
            Add($"weight_hh{suffix}", [4 * hidden_size, hidden_size]);
            if (bias)
            {
                Add($"bias_ih{suffix}", [4 * hidden_size]);
                Add($"bias_hh{suffix}", [4 * hidden_size]);
            }
        }

        void Add(string name, long[] shape)
        {
            var p = new Parameter(torch.empty(shape, dtype));
            torch.nn.init.uniform_(p, -k, k);
            register_parameter(name, p);
            _flat.Add(p);
        }
    }

    /// <inheritdoc/>
    public override (Tensor output, Tensor h_n, Tensor c_n) forward(Tensor input) => forward(input, null);

    /// <summary>Runs the LSTM from initial states (h0, c0), each [layers·directions, batch, hidden]; zeros when null.</summary>
    public unsafe (Tensor output, Tensor h_n, Tensor c_n) forward(Tensor input, (Tensor h0, Tensor c0)? state)
    {
        if (input.dim() != 3) throw new ArgumentException($"LSTM expects a 3-D input ({(batch_first ? "[batch, seq, feature]" : "[seq, batch, feature]")}), got shape [{string.Join(", ", input.shape)}]");
        if (input.size(-1) != input_size) throw new ArgumentException($"LSTM was built for {input_size} input features, got {input.size(-1)}");
        var batch = input.size(batch_first ? 0 : 1);
        var dirs = bidirectional ? 2 : 1;
        Tensor h0, c0;
        bool own = state is null;
        if (state is { } s)
        {
            (h0, c0) = s;
            long[] expected = [num_layers * dirs, batch, hidden_size];
            if (!h0.shape.SequenceEqual(expected) || !c0.shape.SequenceEqual(expected))
                throw new ArgumentException($"LSTM initial state: expected h0 and c0 of shape [{string.Join(", ", expected)}] (layers·directions, batch, hidden), got [{string.Join(", ", h0.shape)}] and [{string.Join(", ", c0.shape)}]");
        }
        else
        {
            h0 = torch.zeros([num_layers * dirs, batch, hidden_size], input.dtype);
            c0 = torch.zeros([num_layers * dirs, batch, hidden_size], input.dtype);
        }
        try
        {
            var hx = new[] { h0.Handle, c0.Handle };
            var ps = _flat.Select(p => p.Handle).ToArray();
            fixed (nint* phx = hx) fixed (nint* pp = ps)
            {
                var (o, h, c) = Native.NativeOps.lstm_input(input.Handle, phx, 2, pp, ps.Length, _bias ? 1 : 0, num_layers, _dropout, training ? 1 : 0, bidirectional ? 1 : 0, batch_first ? 1 : 0);
                return (new Tensor(o), new Tensor(h), new Tensor(c));
            }
        }
        finally
        {
            if (own) { h0.Dispose(); c0.Dispose(); }
        }
    }
}
