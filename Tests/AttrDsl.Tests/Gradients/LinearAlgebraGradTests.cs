using AttrDsl.Tests.Infrastructure;
using static AttrDsl.Tests.Infrastructure.GradInputs;

namespace AttrDsl.Tests.Gradients;

/// <summary>Finite-difference checks of matrix products and einsum (float64).</summary>
public class LinearAlgebraGradTests
{
    [Fact]
    public void Mm()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => a[0].mm(a[1]) + mm(a[0], a[1]), [Randn(1, 3, 4), Randn(2, 4, 2)]);
    }

    [Fact]
    public void MmTransposedOperand()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => a[0].t().mm(a[1]), [Randn(3, 4, 3), Randn(4, 4, 2)]);
    }

    [Fact]
    public void MatmulBatchedBroadcast()
    {
        using var scope = NewDisposeScope();
        // [2, 1, 3, 4] @ [3, 4, 2] → [2, 3, 3, 2]: the second operand's batch broadcasts over the first's.
        GradCheck.Check(a => a[0].matmul(a[1]), [Randn(5, 2, 1, 3, 4), Randn(6, 3, 4, 2)]);
    }

    [Fact]
    public void MatmulMatrixVector()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => matmul(a[0], a[1]) + a[2].matmul(a[0].t()).sum(), [Randn(7, 3, 4), Randn(8, 4), Randn(9, 4)]);
    }

    [Fact]
    public void MatmulBatchedTimesMatrix()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => a[0].matmul(a[1]), [Randn(10, 2, 3, 4), Randn(11, 4, 2)]);
    }

    [Fact]
    public void Bmm()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => a[0].bmm(a[1]) + bmm(a[0], a[1]), [Randn(12, 2, 3, 4), Randn(13, 2, 4, 2)]);
    }

    [Fact]
    public void EinsumBatchedMatmul()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => einsum("bij,bjk->bik", a[0], a[1]), [Randn(14, 2, 3, 4), Randn(15, 2, 4, 2)]);
    }

    [Fact]
    public void EinsumTraceAndOuter()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => einsum("ii->", a[0]) * einsum("i,j->ij", a[1], a[2]), [Randn(16, 3, 3), Randn(17, 3), Randn(18, 2)]);
    }

    [Fact]
    public void EinsumThreeOperands()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => einsum("ij,jk,k->i", a[0], a[1], a[2]), [Randn(19, 2, 3), Randn(20, 3, 4), Randn(21, 4)]);
    }

    [Fact]
    public void Addmm()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => a[0].addmm(a[1], a[2]), [Randn(22, 3, 2), Randn(23, 3, 4), Randn(24, 4, 2)]);
    }

    [Fact]
    public void AddmmBetaAlphaBroadcastBias()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => a[0].addmm(a[1], a[2], beta: 0.5, alpha: -2.0), [Randn(25, 2), Randn(26, 3, 4), Randn(27, 4, 2)]);
    }

    [Fact]
    public void Outer()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => a[0].outer(a[1]), [Randn(28, 3), Randn(29, 4)]);
    }

    [Fact]
    public void Dot()
    {
        using var scope = NewDisposeScope();
        GradCheck.Check(a => a[0].dot(a[1]) * a[0], [Randn(30, 4), Randn(31, 4)]);
    }

    [Fact]
    public void Cdist()
    {
        using var scope = NewDisposeScope();
        // Rows are far apart (distinct offsets), so no distance is near the kink at zero.
        var a = Randn(32, 3, 2) * 0.1 + Of([0, 0, 1, 0, 0, 1], 3, 2);
        var b = Randn(33, 4, 2) * 0.1 + Of([2, 2, -1, 0, 0, -1, 3, -2], 4, 2);
        GradCheck.Check(t => cdist(t[0], t[1]), [a, b]);
    }
}
