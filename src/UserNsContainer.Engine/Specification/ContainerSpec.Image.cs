using System;
using UserNsContainer.Engine.Images;

namespace UserNsContainer.Engine;

/// <summary>-Image: a container whose root is an imported image's unpacked rootfs, shared
/// read-only by every container of that image, with the image's defaults applied.</summary>
public sealed partial class ContainerSpec
{
    /// <summary>An imported image: "name[:tag]" or its Id (Get-ContainerImage lists them).</summary>
    public string? Image { get; set; }

    /// <summary>What runs when neither -Command nor the image says (Invoke's shell); null: the
    /// container idles until entered or stopped.</summary>
    public string[]? DefaultCommand { get; set; }

    /// <summary>The container only idles, whatever the image's Entrypoint and Cmd (a join
    /// group's container, which peers enter with their own command).</summary>
    public bool Idle { get; set; }

    /// <summary>The image found for <see cref="Image"/>, once validated.</summary>
    internal ImageInfo? ResolvedImage { get; private set; }

    /// <summary>The main process's user came from the image's configuration, not from -User.</summary>
    private bool _userFromImage;

    /// <summary>Finds the image and takes its rootfs as the root and its Env, Entrypoint, Cmd,
    /// WorkingDir and User as defaults under what the caller gave. Before anything else is
    /// checked: the root decides how binds, accounts and the command are looked up.</summary>
    private void ResolveImage()
    {
        if (Image is null)
        {
            if (!Idle)
                Command ??= DefaultCommand;
            return;
        }
        if (Writable)
            throw new UserNsContainerException("ImageNotWritable", FailureKind.InvalidArgument,
                $"-Writable cannot be used with -Image '{Image}': the image's files are shared by every container of it and stay as imported.", Image,
                "Use -WriteFake for writes that vanish when the container ends, or -Bind a host directory for writes that stay; nothing was created.");
        if (Image.Length == 0 || HasControlCharacter(Image))
            throw new InvalidSpecException("InvalidImageReference", "Image", Image, "the name[:tag] or Id of an imported image (Get-ContainerImage lists them)");
        var store = ImageStore.OpenExisting();
        var image = store?.Find(Image)
            ?? throw new UserNsContainerException("ImageNotFound", FailureKind.ObjectNotFound,
                $"No image '{Image}' has been imported by this user{(store is not null ? $" (store {store.Directory})" : "")}.", Image,
                $"Import it first: Import-ContainerImage -Reference {Image}; Get-ContainerImage lists what is there.");
        if (RootFs is not null && RootFs != image.RootFsPath) // a handle piped in brings its image's own root
            throw new UserNsContainerException("ImageConflict", FailureKind.InvalidArgument,
                $"-Image '{Image}' and -RootFs '{RootFs}' cannot be used together: an image brings its own root.", Image,
                "Give -Image or -RootFs, not both; nothing was created.");
        ResolvedImage = image;
        RootFs = image.RootFsPath;
        bool userGiven = User is not null || UserName is not null;
        image.Config.ApplyTo(this, applyCommand: !Idle);
        _userFromImage = !userGiven && (User is not null || UserName is not null);
        if (!Idle)
            Command ??= DefaultCommand;
    }

    /// <summary>The image's user is not mapped: said as the image's, with the ways out.</summary>
    private InvalidSpecException ImageUserNotMapped(uint uid) =>
        new("UserNotMapped", "Image", $"{Image} (its configured User {uid})",
            $"the image runs as uid {uid}, which the container's uid map does not cover; " +
            "map more ids with -HostIdCount 65536 or -IdMap Auto, or run as root inside with -User 0");
}
