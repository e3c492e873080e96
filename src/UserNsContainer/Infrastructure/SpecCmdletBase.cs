using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using UserNsContainer.Engine;

namespace UserNsContainer.Commands;

/// <summary>The parameters that describe a new container (New- and Invoke-UserNsContainer).</summary>
public abstract class SpecCmdletBase : UserNsContainerCmdlet
{
    /// <summary>The program to run, then its arguments.</summary>
    [Parameter(Position = 0)]
    [AllowEmptyCollection]
    public string[]? Command { get; set; }

    /// <summary>A directory holding the root file system; by default the host's / read-only.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Root")]
    public string? RootFs { get; set; }

    [Parameter]
    public string? Name { get; set; }

    /// <summary>Namespaces to create; user is always one of them.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string[]? Namespace { get; set; }

    [Parameter]
    public string? Hostname { get; set; }

    /// <summary>Variables for the container's otherwise clean environment.</summary>
    [Parameter]
    public Hashtable? Environment { get; set; }

    [Parameter]
    public string? WorkingDirectory { get; set; }

    /// <summary>Mount the root read-write (default: read-only).</summary>
    [Parameter]
    public SwitchParameter Writable { get; set; }

    /// <summary>Builds the spec from the bound parameters; checks that only the engine can't make.</summary>
    protected ContainerSpec BuildSpec(string[]? defaultCommand = null)
    {
        var spec = new ContainerSpec
        {
            Name = Name,
            Command = Command ?? defaultCommand,
            Hostname = Hostname,
            WorkingDirectory = WorkingDirectory,
            Writable = Writable,
        };
        if (RootFs is not null)
            spec.RootFs = RootFs.Length == 0 ? RootFs : SessionState.Path.GetUnresolvedProviderPathFromPSPath(RootFs);
        spec.Namespaces = Terminating(() => Namespaces.Parse(Namespace));
        if (Environment is not null)
        {
            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (DictionaryEntry e in Environment)
                env[e.Key?.ToString() ?? ""] = LanguagePrimitives.ConvertTo<string>(e.Value) ?? "";
            spec.Environment = env;
        }
        return spec;
    }
}
