using System.Diagnostics;
using AttrDsl.Tests.Models;

namespace AttrDsl.Tests.Generated;

/// <summary>The generated decomposition carries #line directives: a failure inside it is reported on the user's forward line.</summary>
public sealed class LineMappingTests
{
    [Fact]
    public void An_error_in_a_generated_decomposition_points_at_the_users_forward_statement()
    {
        using var scope = NewDisposeScope();
        var model = new ResidualCnn();
        model.train();   // BatchNorm in training mode has no CD rule: the runtime refuses it inside the block's decomposition
        var x = rand(1, 1, 16, 16);
        var e = Assert.ThrowsAny<Exception>(() => model.ContextualDecomposition(x, ones_like(x)));

        var frame = new StackTrace(e, fNeedFileInfo: true).GetFrames()
            .First(f => f.GetMethod()?.DeclaringType == typeof(ResidualBlock) && f.GetMethod()?.Name == "Decompose");
        var file = frame.GetFileName();
        Assert.NotNull(file);
        Assert.EndsWith("ResidualCnn.cs", file);   // the user's file, not the generated one
        var lines = File.ReadAllLines(file!);
        var expected = Array.FindIndex(lines, l => l.Contains("var h = nn.functional.relu(norm.forward(conv1.forward(x)));")) + 1;
        Assert.Equal(expected, frame.GetFileLineNumber());
    }
}
