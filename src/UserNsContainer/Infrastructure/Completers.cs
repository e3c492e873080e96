using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using UserNsContainer.Engine;

namespace UserNsContainer.Commands;

/// <summary>Completes -Name with the names of this user's containers.</summary>
public sealed class ContainerNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
        string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        ContainerCompletion.Complete(wordToComplete, h => h.Name);
}

/// <summary>Completes -Id with the Ids of this user's containers.</summary>
public sealed class ContainerIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
        string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        ContainerCompletion.Complete(wordToComplete, h => h.Id);
}

internal static class ContainerCompletion
{
    /// <summary>This user's containers whose key starts with what was typed; the tooltip shows
    /// the name, state and pid.</summary>
    public static IEnumerable<CompletionResult> Complete(string wordToComplete, System.Func<ContainerHandle, string> key)
    {
        IReadOnlyList<ContainerHandle> all;
        try
        {
            all = new ContainerEngine(StateStore.ForCurrentUser()).List();
        }
        catch (UserNsContainerException)
        {
            return Enumerable.Empty<CompletionResult>();
        }
        var prefix = wordToComplete.Trim('\'', '"');
        return all.Where(h => key(h).StartsWith(prefix, System.StringComparison.Ordinal))
            .Select(h => new CompletionResult(key(h), key(h), CompletionResultType.ParameterValue, $"{h.Name} ({h.State}, pid {h.Pid})"));
    }
}

/// <summary>Completes -Namespace with the namespace names.</summary>
public sealed class NamespaceCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
        string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Namespaces.Names.Where(n => n.StartsWith(wordToComplete, System.StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n + " namespace"));
}

/// <summary>Completes -Image and Get-/Remove-ContainerImage's -Name with imported images' name:tag.</summary>
public sealed class ImageNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
        string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        IReadOnlyList<Engine.Images.ImageInfo> all;
        try
        {
            all = Engine.Images.ImageStore.OpenExisting()?.List() ?? new List<Engine.Images.ImageInfo>();
        }
        catch (UserNsContainerException)
        {
            return Enumerable.Empty<CompletionResult>();
        }
        var prefix = wordToComplete.Trim('\'', '"');
        return all.Where(i => i.Reference.StartsWith(prefix, System.StringComparison.Ordinal))
            .Select(i => new CompletionResult(i.Reference, i.Reference, CompletionResultType.ParameterValue,
                $"{i.Reference} ({i.Id}, {i.Architecture}, {i.Size / 1048576.0:F1} MiB)"));
    }
}
