namespace AttrDsl.Generators.Model;

/// <summary>A split point of the layer map: a module call in forward after which only its result depends on the input.</summary>
/// <param name="Name">The layer's name (the module's field, or the container a loop runs over).</param>
/// <param name="Site">The call site's number in forward (what the instrumented body reports).</param>
/// <param name="InLoop">The call runs once per iteration of a loop: the layer is chosen with an iteration number.</param>
/// <param name="Type">The module's type as written (for the docs of the member).</param>
internal sealed record LayerSpec(string Name, int Site, bool InLoop, string Type);
