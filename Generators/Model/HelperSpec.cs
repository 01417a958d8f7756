namespace AttrDsl.Generators.Model;

/// <summary>A helper method of the model translated for the decomposition: a private generated member.</summary>
/// <param name="FilePath">The file holding the helper (#line).</param>
/// <param name="Line">The 1-based line where <see cref="Text"/> starts.</param>
/// <param name="Text">The whole member, from its return type to its body, with the placeholders of <see cref="ForwardSpec"/>.</param>
internal sealed record HelperSpec(string FilePath, int Line, string Text);
