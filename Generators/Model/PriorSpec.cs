namespace AttrDsl.Generators.Model;

/// <summary>One [AttributionPrior(typeof(T), Lambda = λ)].</summary>
/// <param name="TypeName">The prior's fully qualified name with global::.</param>
/// <param name="Lambda">λ as C# source text.</param>
internal sealed record PriorSpec(string TypeName, string Lambda);
