using System.Linq;
using System.Management.Automation;
using UserNsContainer.Engine;
using UserNsContainer.Engine.Images;

namespace UserNsContainer.Commands;

/// <summary>
/// <para type="synopsis">Lists the images you imported: name, tag, Id, size, created, architecture.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "ContainerImage")]
[OutputType(typeof(ImageInfo))]
public sealed class GetContainerImageCommand : UserNsContainerCmdlet
{
    /// <summary>name, name:tag or Id; wildcards allowed.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ImageNameCompleter))]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        var all = Terminating(() => ImageStore.OpenExisting()?.List()) ?? new System.Collections.Generic.List<ImageInfo>();
        if (Name is null)
        {
            WriteObject(all, enumerateCollection: true);
            return;
        }
        foreach (var n in Name)
        {
            var hits = ImageMatch.Select(all, n);
            if (hits.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(n))
                WriteError(ToErrorRecord(ImageMatch.NotFound(n)));
            WriteObject(hits, enumerateCollection: true);
        }
    }
}

/// <summary>How Get- and Remove-ContainerImage match -Name: the name (all its tags), name:tag,
/// or an Id prefix of 12 or more hex digits; wildcards over name and name:tag.</summary>
internal static class ImageMatch
{
    public static System.Collections.Generic.List<ImageInfo> Select(System.Collections.Generic.IEnumerable<ImageInfo> all, string text)
    {
        var pattern = new WildcardPattern(text, WildcardOptions.None);
        bool idLike = text.Length >= 12 && text.All(System.Uri.IsHexDigit);
        return all.Where(i => pattern.IsMatch(i.Name) || pattern.IsMatch(i.Reference) ||
            (idLike && ImageStore.Hex(i.Digest).StartsWith(text, System.StringComparison.OrdinalIgnoreCase))).ToList();
    }

    public static UserNsContainerException NotFound(string text) =>
        new("ImageNotFound", FailureKind.ObjectNotFound, $"No image '{text}' has been imported by this user.", text,
            $"List your images with Get-ContainerImage, or import it: Import-ContainerImage -Reference {text}");
}
