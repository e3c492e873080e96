using System;
using System.Management.Automation;
using System.Runtime.InteropServices;
using UserNsContainer.Engine;

namespace UserNsContainer.Commands;

/// <summary>Refuses to load off Linux, and on removal ends what this process owns.</summary>
public sealed class ModuleLifetime : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            throw new PlatformNotSupportedException(
                "UserNsContainer works only on Linux: it creates containers from Linux user namespaces, which " +
                $"{RuntimeInformation.OSDescription} does not have.");
    }

    // the state directory is looked up only if a container is left to clean: a spec that ran in
    // a Pester TestDrive must not have its (removed) state directory made again by Import -Force
    // only what this runspace's import made: another runspace of the process keeps its containers
    public void OnRemove(PSModuleInfo module) => ContainerEngine.AbortOwnedSessions(module, StateStore.ForCurrentUser);
}
