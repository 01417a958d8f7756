namespace AttrDsl.Generators.Model;

/// <summary>A layer of the layer map: a field whose call in forward is a split point (only its output is live after it).</summary>
/// <param name="Name">The enum member (the field's name).</param>
/// <param name="OpIndex">The index of its call in <see cref="ForwardSpec.Ops"/>.</param>
internal sealed record LayerSpec(string Name, int OpIndex);
