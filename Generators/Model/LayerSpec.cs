namespace AttrDsl.Generators.Model;

/// <summary>A split point of the layer map: a module call in forward after which only its result depends on the input.</summary>
/// <param name="Name">The layer's name (the module's field, or the container a loop runs over).</param>
/// <param name="Site">The call site's number in forward (what the instrumented body reports).</param>
/// <param name="InLoop">The call runs once per iteration of a loop: the layer is chosen with an iteration number.</param>
/// <param name="Type">The module's type as written (for the docs of the member).</param>
/// <param name="ModulePath">
/// The module path of the called module in the model (as <c>named_modules()</c> names it) when it is a field or property
/// of the model that forward calls at this one site, outside loops; null otherwise. The layer methods that follow the
/// model's rules (layer DeepLift, layer LRP) read the layer at its module, so they need it.
/// </param>
/// <param name="NoModulePath">Why <paramref name="ModulePath"/> is null, as a clause for the runtime's message; null when it is not.</param>
internal sealed record LayerSpec(string Name, int Site, bool InLoop, string Type, string? ModulePath = null, string? NoModulePath = null);
