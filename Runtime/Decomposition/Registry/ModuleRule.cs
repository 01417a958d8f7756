namespace AttrDsl.Decomposition;

/// <summary>
/// How one kind of module decomposes: given the module and the decomposition of its input, the decomposition of its
/// output, with β + γ equal to what the module's forward computes. A rule describes the module's forward in terms of
/// the existing rules (<see cref="CdFunctional"/>, <see cref="ArithmeticRules"/>, …) and decomposes child modules with
/// <see cref="ContextualDecomposition.Propagate(nn.Module, Decomposition)"/>, so errors name each child by its path.
/// </summary>
/// <param name="module">The module being decomposed (an instance of the type the rule is registered for).</param>
/// <param name="input">The decomposition of its input.</param>
public delegate Decomposition ModuleRule(nn.Module module, Decomposition input);
