using System.Reflection;

namespace AttrDsl.Internal;

/// <summary>
/// Module-level hooks on a module of any signature, and module type names for messages. Every TorchSharp module with a
/// forward derives from <c>HookableModule&lt;TPreHook, TPostHook&gt;</c>, whose <c>register_forward_hook(Action&lt;Module&gt;)</c>
/// and <c>register_forward_pre_hook(Action&lt;Module&gt;)</c> have no non-generic entry point, so they are found by reflection.
/// </summary>
internal static class ModuleHooks
{
    /// <summary>A hook called after the module's forward; returns how to remove it, or null for a module that takes no hooks (a container such as ModuleList, which is never called).</summary>
    public static Action? AfterForward(nn.Module module, Action<nn.Module> hook) => Register(module, "register_forward_hook", hook);

    /// <summary>A hook called before the module's forward; as <see cref="AfterForward"/>.</summary>
    public static Action? BeforeForward(nn.Module module, Action<nn.Module> hook) => Register(module, "register_forward_pre_hook", hook);

    private static Action? Register(nn.Module module, string register, Action<nn.Module> hook)
    {
        var method = module.GetType().GetMethod(register, BindingFlags.Public | BindingFlags.Instance, [typeof(Action<nn.Module>)]);
        var remover = method?.Invoke(module, [hook]);
        var remove = remover?.GetType().GetMethod("remove", BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes);
        return remove is null ? null : () => remove.Invoke(remover, null);
    }

    /// <summary>A type's name without the generic arity suffix (ModuleList, not ModuleList`1).</summary>
    public static string TypeName(object o)
    {
        var name = o.GetType().Name;
        var tick = name.IndexOf('`');
        return tick < 0 ? name : name[..tick];
    }
}
