using System.Reflection;

namespace AttrDsl.Decomposition;

/// <summary>
/// CD of a single-layer, unidirectional <see cref="LSTM"/> started from a zero state, gate by gate as ACD's
/// <c>cd_text</c> (Murdoch et al. 2018), batched over the samples, with each step's input projection of β and γ done
/// for all time steps in one stacked call and the recurrent projection of (β_h, γ_h) in one stacked call per step.
/// <para>
/// Per step, the gate pre-activations split into relevant r, irrelevant i and the bias b; each sigmoid/tanh gate is
/// split by the three-player linearisation (ACD's <c>propagate_three</c>): cr = ½[f(r+b) − f(b) + f(r+i+b) − f(i+b)],
/// ci = ½[f(i+b) − f(b) + f(r+i+b) − f(r+b)], cb = f(b). The cell c = i⊙g + f⊙c₋₁ is expanded product by product:
/// products with a relevant factor and no irrelevant one go to β, any product with an irrelevant factor to γ, and the
/// bias⊙bias product cb_i⊙cb_g is split by the input's relevant share at that step, |β_t|₁/(|β_t|₁ + |γ_t|₁) per sample
/// (½ where both are 0) — for 0/1 word masks this is ACD's rule (to β inside the relevant phrase, to γ outside).
/// The hidden state h = o⊙tanh(c) takes the full output gate o and splits tanh(c) by the two-player rule.
/// </para>
/// </summary>
public static class LstmRules
{
    /// <summary>
    /// CD of <paramref name="layer"/> over the input sequence decomposition <paramref name="d"/> ([N, T, I] when the
    /// layer is batch_first, else [T, N, I]). Returns the decomposition of the output sequence (same layout, hidden
    /// size H last) and of the final hidden and cell states ([1, N, H], as the LSTM returns them).
    /// </summary>
    public static (Decomposition Output, Decomposition Hidden, Decomposition Cell) Lstm(LSTM layer, Decomposition d) =>
        Lstm(layer, d, BatchFirst(layer));

    /// <summary>As <see cref="Lstm(LSTM, Decomposition)"/> with the layout given explicitly.</summary>
    public static (Decomposition Output, Decomposition Hidden, Decomposition Cell) Lstm(LSTM layer, Decomposition d, bool batchFirst)
    {
        Interpretation.Refuse("an LSTM");
        ArgumentNullException.ThrowIfNull(layer);
        var p = layer.named_parameters().ToDictionary(x => x.name, x => (Tensor)x.parameter);
        if (p.ContainsKey("weight_ih_l1") || p.ContainsKey("weight_ih_l0_reverse"))
            throw new NotSupportedException("CD supports single-layer, unidirectional LSTMs; split a stacked LSTM into one LSTM per layer (and decompose a bidirectional one per direction).");
        if (!p.TryGetValue("weight_ih_l0", out var wih) || !p.TryGetValue("weight_hh_l0", out var whh))
            throw new InvalidOperationException("The LSTM has no weight_ih_l0/weight_hh_l0 parameters; CD needs TorchSharp's LSTM parameter layout.");
        if (d.Relevant.dim() != 3)
            throw new ArgumentException($"An LSTM input is [batch, time, features] or [time, batch, features]; got {d.Relevant.dim()} dimensions.", nameof(d));
        using var scope = NewDisposeScope();
        var hidden = whh.shape[1];
        var bias = p.TryGetValue("bias_ih_l0", out var bih) ? bih + p["bias_hh_l0"] : zeros(4 * hidden, dtype: wih.dtype, device: wih.device);
        var beta = batchFirst ? d.Relevant.transpose(0, 1) : d.Relevant;    // [T, N, I]
        var gamma = batchFirst ? d.Irrelevant.transpose(0, 1) : d.Irrelevant;
        long steps = beta.shape[0], n = beta.shape[1];
        // Input projections of β and γ for every step in one call; the input's relevant share per (step, sample).
        if (beta.shape[2] != wih.shape[1])
            throw new ArgumentException($"The LSTM takes {wih.shape[1]} input features per step but the input has {beta.shape[2]}.", nameof(d));
        // Input projections of β and γ for every step in one mm: [2T·N, I] → [2T, N, 4H], split back into β and γ.
        var proj = StackedCall.Apply(new Decomposition(beta, gamma), x => x.reshape(-1, x.shape[2]).mm(wih.t()).view(x.shape[0], x.shape[1], -1));
        var ab = beta.abs().sum(dim: 2, keepdim: true);
        var share = (ab + BiasShare.Epsilon / 2) / (ab + gamma.abs().sum(dim: 2, keepdim: true) + BiasShare.Epsilon);
        var bGates = bias.chunk(4);   // i, f, g, o (PyTorch's order)
        var relH = zeros(n, hidden, dtype: beta.dtype, device: beta.device);
        var irrH = zeros_like(relH);
        var relC = zeros_like(relH);
        var irrC = zeros_like(relH);
        var outR = new List<Tensor>();
        var outI = new List<Tensor>();
        for (long t = 0; t < steps; t++)
        {
            var rec = StackedCall.Apply(new Decomposition(relH, irrH), h => h.mm(whh.t()));
            var r = (proj.Relevant[t] + rec.Relevant).chunk(4, 1);
            var i = (proj.Irrelevant[t] + rec.Irrelevant).chunk(4, 1);
            var (ri, ii, bi) = Three(r[0], i[0], bGates[0], x => x.sigmoid());
            var (rf, iff, bf) = Three(r[1], i[1], bGates[1], x => x.sigmoid());
            var (rg, ig, bg) = Three(r[2], i[2], bGates[2], x => x.tanh());
            var o = (r[3] + i[3] + bGates[3]).sigmoid();
            var s = share[t];
            var bb = bi * bg;
            var newRelC = ri * (rg + bg) + bi * rg + bb * s + (rf + bf) * relC;
            var newIrrC = ii * (rg + ig + bg) + (ri + bi) * ig + bb * (1 - s) + (rf + iff + bf) * irrC + iff * relC;
            relC = newRelC;
            irrC = newIrrC;
            var tanhC = ActivationRules.Tanh(new Decomposition(relC, irrC));
            relH = o * tanhC.Relevant;
            irrH = o * tanhC.Irrelevant;
            outR.Add(relH);
            outI.Add(irrH);
        }
        var seqR = stack(outR, 0);
        var seqI = stack(outI, 0);
        if (batchFirst) { seqR = seqR.transpose(0, 1); seqI = seqI.transpose(0, 1); }
        var output = new Decomposition(seqR.contiguous(), seqI.contiguous()).MoveToOuterDisposeScope();
        var h = new Decomposition(relH.unsqueeze(0), irrH.unsqueeze(0)).MoveToOuterDisposeScope();
        var c = new Decomposition(relC.unsqueeze(0), irrC.unsqueeze(0)).MoveToOuterDisposeScope();
        return (output, h, c);
    }

    // ACD's propagate_three: the linearised Shapley split of f(r + i + b) among r, i and the bias b; cr + ci + f(b) = f(r+i+b).
    private static (Tensor R, Tensor I, Tensor B) Three(Tensor r, Tensor i, Tensor b, Func<Tensor, Tensor> f)
    {
        var fb = f(b).expand_as(r);
        var frb = f(r + b);
        var fib = f(i + b);
        var fall = f(r + i + b);
        var cr = (frb - fb + fall - fib) * 0.5;
        var ci = fall - fb - cr;
        return (cr, ci, fb);
    }

    // TorchSharp's LSTM keeps batch_first in a private field; read it so the rule follows the module's configuration.
    private static bool BatchFirst(LSTM layer)
    {
        for (var t = layer.GetType(); t is not null; t = t.BaseType)
            foreach (var f in t.GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
                if (f.FieldType == typeof(bool) && f.Name.Replace("_", "").Contains("batchfirst", StringComparison.OrdinalIgnoreCase))
                    return (bool)f.GetValue(layer)!;
        throw new InvalidOperationException("Could not read the LSTM's batch_first setting from this TorchSharp version; call LstmRules.Lstm(layer, d, batchFirst) with the layout you built it with.");
    }
}
