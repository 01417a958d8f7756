/// <summary>
/// .NET startup hook (<c>DOTNET_STARTUP_HOOKS</c>) of the test assembly: inert unless the scenario variable is set, which
/// only <see cref="AttrDsl.Tests.Checkpoints.ChildProcess.Start"/> does, for the child processes it starts. The runtime
/// looks the hook up by this exact name, in the global namespace.
/// </summary>
internal class StartupHook
{
    public static void Initialize()
    {
        var name = Environment.GetEnvironmentVariable(AttrDsl.Tests.Checkpoints.ChildProcess.Variable);
        if (!string.IsNullOrEmpty(name)) AttrDsl.Tests.Checkpoints.ChildProcess.RunScenarioAndExit(name);
    }
}
