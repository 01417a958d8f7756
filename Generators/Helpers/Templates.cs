using System;
using System.Collections.Concurrent;
using System.IO;
using Scriban;
using Scriban.Runtime;

namespace AttrDsl.Generators.Helpers;

/// <summary>
/// The Scriban templates embedded in the generator (Templates/*.scriban), each parsed once per process and rendered
/// with a model object whose members keep their C# names.
/// </summary>
internal static class Templates
{
    private static readonly ConcurrentDictionary<string, Template> Parsed = new();

    public static string Render(string name, object model)
    {
        var template = Parsed.GetOrAdd(name, Load);
        var globals = new ScriptObject();
        globals.Import(model, renamer: member => member.Name);
        var context = new TemplateContext { MemberRenamer = member => member.Name, StrictVariables = true };
        context.PushGlobal(globals);
        return template.Render(context);
    }

    private static Template Load(string name)
    {
        var resource = $"AttrDsl.Generators.Templates.{name}.scriban";
        using var stream = typeof(Templates).Assembly.GetManifestResourceStream(resource)
                           ?? throw new InvalidOperationException($"the generator lacks its embedded template {resource}");
        using var reader = new StreamReader(stream);
        var template = Template.Parse(reader.ReadToEnd(), resource);
        if (template.HasErrors) throw new InvalidOperationException($"template {resource}: {string.Join("; ", template.Messages)}");
        return template;
    }
}
