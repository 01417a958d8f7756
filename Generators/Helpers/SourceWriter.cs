using System.Text;

namespace AttrDsl.Generators.Helpers;

/// <summary>An indented writer for the parts of the output that read better as code than as a template (the translated statements).</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public SourceWriter(int indent = 0) => _indent = indent;

    public SourceWriter Line(string line = "")
    {
        if (line.Length > 0) _text.Append(' ', 4 * _indent).Append(line);
        _text.Append('\n');
        return this;
    }

    /// <summary>A preprocessor line (#line ...): always in column 0.</summary>
    public SourceWriter Directive(string directive)
    {
        _text.Append(directive).Append('\n');
        return this;
    }

    public SourceWriter Indent()
    {
        _indent++;
        return this;
    }

    public SourceWriter Unindent()
    {
        _indent--;
        return this;
    }

    public override string ToString() => _text.ToString();
}
