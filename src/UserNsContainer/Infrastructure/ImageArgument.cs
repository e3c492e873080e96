using System.Management.Automation;
using UserNsContainer.Engine.Images;

namespace UserNsContainer.Commands;

/// <summary>An image object piped to Invoke-UserNsContainer: the image to run.</summary>
internal static class ImageArgument
{
    public static string? From(PSObject value) => value.BaseObject is ImageInfo image ? image.Reference : null;
}
