using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;

namespace UserNsContainer.Commands;

/// <summary>
/// Lets -Container take a handle that went through serialization (remoting, jobs,
/// PSSerializer, Export-Clixml): PowerShell hands such a handle over as a property bag typed
/// "Deserialized.UserNsContainer.ContainerHandle". It becomes a handle that carries only its
/// Id and Name; the cmdlet then looks the container up by Id like any other handle, so a
/// stale handle, or one of another user or machine, gives ContainerNotFound. Anything else is
/// left to PowerShell's own conversion (and its usual error).
/// </summary>
internal sealed class HandleArgumentAttribute : ArgumentTransformationAttribute
{
    private const string DeserializedTypeName = "Deserialized." + nameof(UserNsContainer) + "." + nameof(ContainerHandle);

    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        if (inputData is IList list && inputData is not ContainerHandle[])
        {
            var converted = new List<object?>(list.Count);
            bool changed = false;
            foreach (var item in list)
            {
                var one = Rebind(item);
                changed |= !ReferenceEquals(one, item);
                converted.Add(one);
            }
            return changed ? converted.ToArray() : inputData;
        }
        return Rebind(inputData) ?? inputData;
    }

    private static object? Rebind(object? value)
    {
        if (value is not PSObject pso || pso.BaseObject is ContainerHandle || !pso.TypeNames.Contains(DeserializedTypeName))
            return value;
        return new ContainerHandle
        {
            Id = pso.Properties["Id"]?.Value?.ToString() ?? "",
            Name = pso.Properties["Name"]?.Value?.ToString() ?? "",
        };
    }
}
