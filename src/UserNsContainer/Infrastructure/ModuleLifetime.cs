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

    public void OnRemove(PSModuleInfo module) => ContainerEngine.AbortOwnedSessions(StateStore.ForCurrentUser());
}
