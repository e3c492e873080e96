using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace UserNsContainer.Commands;

/// <summary>
/// The module carries its architecture-specific files side by side (linux-x64/, linux-arm64/:
/// the helper and Tmds.LibC, whose structures differ per architecture). On import, assemblies
/// that are not beside the module are loaded from this machine's folder.
/// </summary>
public sealed class ArchitectureResolver : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly string ModuleDir = Path.GetDirectoryName(typeof(ArchitectureResolver).Assembly.Location) ?? ".";

    public void OnImport() => AssemblyLoadContext.Default.Resolving += Resolve;

    public void OnRemove(PSModuleInfo psModuleInfo) => AssemblyLoadContext.Default.Resolving -= Resolve;

    private static Assembly? Resolve(AssemblyLoadContext context, AssemblyName name)
    {
        // not through the engine: loading it may be what needs this resolver
        var arch = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        var path = Path.Combine(ModuleDir, arch, name.Name + ".dll");
        return File.Exists(path) ? context.LoadFromAssemblyPath(path) : null;
    }
}
