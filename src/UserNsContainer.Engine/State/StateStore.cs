// State: the per-user state directory (records, names, logs, the monitors' sockets), the
// private-directory checks it and the image store share, and what no container may see.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace UserNsContainer.Engine;

/// <summary>
/// The per-user state directory: one JSON record per container (ID.json), the helper's
/// exit record (ID.status), the monitor's socket (ID.sock), the detached container's log (ID.log), and one file per
/// name (names/NAME) so two processes cannot take the same name.
/// </summary>
public sealed class StateStore
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Every file of the store is made 0600, whatever the umask.</summary>
    internal static FileStream CreatePrivate(string path, FileMode mode) =>
        new(path, new FileStreamOptions
        {
            Mode = mode,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });

    public StateStore(string directory)
    {
        Directory = directory;
        EnsurePrivateDirectory(directory);
        EnsurePrivateDirectory(NamesDirectory);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, StateStore> Verified = new();

    public string Directory { get; }
    private string NamesDirectory => Path.Combine(Directory, "names");

    /// <summary>$XDG_RUNTIME_DIR/usernscontainer, else /run/usernscontainer for root (root-only
    /// ground, no container's -HostTmp shows it), else /tmp/usernscontainer-UID.</summary>
    public static StateStore ForCurrentUser()
    {
        var dir = DirectoryForCurrentUser();
        // checked once per process while it still exists (someone may remove it meanwhile)
        if (Verified.TryGetValue(dir, out var store) && System.IO.Directory.Exists(store.NamesDirectory))
            return store;
        return Verified[dir] = new StateStore(dir);
    }

    /// <summary>The state directory's path (<see cref="ForCurrentUser"/>), neither made nor checked.</summary>
    public static string DirectoryForCurrentUser()
    {
        var over = Environment.GetEnvironmentVariable("USERNSCONTAINER_STATE_DIR");
        var xdg = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        return !string.IsNullOrEmpty(over) ? over
            : !string.IsNullOrEmpty(xdg) && System.IO.Directory.Exists(xdg) && OwnedByMe(xdg) ? Path.Combine(xdg, "usernscontainer")
            : Native.Libc.geteuid() == 0 ? "/run/usernscontainer"
            : $"/tmp/usernscontainer-{Native.Libc.geteuid()}";
    }

    private static bool OwnedByMe(string path) => Native.Libc.OwnerOf(path, followLinks: false) == Native.Libc.geteuid();

    /// <summary>Creates the directory 0700, or checks that an existing one is a real
    /// directory owned by this user and closed to others (a shared /tmp is hostile ground).</summary>
    private static void EnsurePrivateDirectory(string path)
    {
        var (fault, detail) = PrivateDirectory.Ensure(path);
        switch (fault)
        {
            case PrivateDirectory.Fault.CannotCreate:
                throw new UserNsContainerException("StateDirectoryUnusable", FailureKind.PermissionDenied,
                    $"Cannot create the state directory '{path}': {detail}", path,
                    "Set USERNSCONTAINER_STATE_DIR to a directory of yours that can be created.");
            case PrivateDirectory.Fault.NotPrivate:
                throw new UserNsContainerException("StateDirectoryUnsafe", FailureKind.PermissionDenied,
                    $"The state directory '{path}' is not a private directory of yours: {detail}.", path,
                    $"Run 'chmod 700 {path}' if it is yours, or remove it (or set USERNSCONTAINER_STATE_DIR to a private directory), and try again.");
            case PrivateDirectory.Fault.NotWritable:
                throw new UserNsContainerException("StateDirectoryUnusable", FailureKind.PermissionDenied,
                    $"The state directory '{path}' is not writable (mode {detail}): container records cannot be kept there.", path,
                    $"Run 'chmod 700 {path}', or set USERNSCONTAINER_STATE_DIR to a directory of yours.");
        }
    }

    public string RecordPath(string id) => Path.Combine(Directory, id + ".json");
    public string StatusPath(string id) => Path.Combine(Directory, id + ".status");
    public string LogPath(string id) => Path.Combine(Directory, id + ".log");
    /// <summary>The monitor's socket (its link to the container's outer namespaces).</summary>
    public string SocketPath(string id) => Path.Combine(Directory, id + ".sock");
    /// <summary>pasta's log, for a container with a private network.</summary>
    public string NetworkLogPath(string id) => Path.Combine(Directory, id + ".network.log");

    /// <summary>Takes <paramref name="name"/> for <paramref name="id"/>, atomically. The name
    /// file also names the creating process (pid and start time): a foreground container has
    /// no record until it runs, and its name must not be taken meanwhile.</summary>
    public void ReserveName(string name, string id, int ownerPid, ulong ownerStartTime)
    {
        var path = Path.Combine(NamesDirectory, name);
        for (int attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                using var fs = CreatePrivate(path, FileMode.CreateNew);
                fs.Write(System.Text.Encoding.UTF8.GetBytes($"{id} {ownerPid} {ownerStartTime}"));
                return;
            }
            catch (IOException) when (File.Exists(path))
            {
                var (owner, _) = ReadNameFile(path);
                if (attempt == 0 && IsStaleName(path))
                {
                    FreeStaleName(path);
                    continue;
                }
                throw new InvalidSpecException("NameInUse", "Name", name,
                    $"a name no other container of yours has; '{name}' belongs to container {owner} (remove it with Remove-UserNsContainer -Name {name})");
            }
        }
    }

    /// <summary>The container's Id and the process that reserved the name (0 when not recorded).</summary>
    private static (string Id, (int Pid, ulong StartTime) Owner) ReadNameFile(string path)
    {
        var parts = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        int pid = parts.Length > 2 && int.TryParse(parts[1], out var p) ? p : 0;
        ulong start = parts.Length > 2 && ulong.TryParse(parts[2], out var t) ? t : 0;
        return (parts.Length > 0 ? parts[0] : "", (pid, start));
    }

    /// <summary>A name is free again when its container has no record and the process that
    /// reserved it is gone (a record-less name of a live process is a start in progress).</summary>
    private bool IsStaleName(string path)
    {
        var (id, owner) = ReadNameFile(path);
        return !File.Exists(RecordPath(id)) && (owner.Pid == 0 || !ProcessInfo.IsSame(owner.Pid, owner.StartTime));
    }

    /// <summary>Removes what creators that died before their container was recorded left
    /// behind: the name, and the files the helper had begun (an unfinished record, pasta's log).</summary>
    public void SweepNames()
    {
        foreach (var path in System.IO.Directory.EnumerateFiles(NamesDirectory))
        {
            try
            {
                if (IsStaleName(path))
                    FreeStaleName(path);
            }
            catch (IOException)
            {
                // another process removed or replaced it meanwhile
            }
        }
    }

    private void FreeStaleName(string path)
    {
        var id = ReadNameFile(path).Id;
        if (id.Length > 0 && id.All(Uri.IsHexDigit))
            DeleteFiles(id);
        File.Delete(path);
    }

    /// <summary>The Id that holds <paramref name="name"/>, or null.</summary>
    public string? IdOfName(string name)
    {
        try
        {
            var id = ReadNameFile(Path.Combine(NamesDirectory, name)).Id;
            return id.Length > 0 ? id : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Save(ContainerHandle handle)
    {
        var tmp = RecordPath(handle.Id) + ".tmp";
        using (var fs = CreatePrivate(tmp, FileMode.Create))
            JsonSerializer.Serialize(fs, handle, Json);
        File.Move(tmp, RecordPath(handle.Id), overwrite: true);
    }

    public ContainerHandle? Load(string id)
    {
        try
        {
            return JsonSerializer.Deserialize<ContainerHandle>(File.ReadAllText(RecordPath(id)), Json);
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    public IEnumerable<ContainerHandle> LoadAll() =>
        System.IO.Directory.EnumerateFiles(Directory, "*.json")
            .Select(f => Load(Path.GetFileNameWithoutExtension(f)))
            .Where(h => h is not null)
            .Select(h => h!)
            .OrderBy(h => h.Created)
            .ToList();

    /// <summary>The helper's exit record: ("exited", code), ("signaled", signal) or ("failed", errno).</summary>
    public (string Kind, int Value)? ReadStatus(string id)
    {
        try
        {
            var parts = File.ReadAllText(StatusPath(id)).Trim().Split(' ');
            return parts.Length == 2 && int.TryParse(parts[1], out var v) ? (parts[0], v) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Removes every file of the container: record, status, log, name.</summary>
    public void Delete(ContainerHandle handle)
    {
        DeleteFiles(handle.Id);
        var namePath = Path.Combine(NamesDirectory, handle.Name);
        if (File.Exists(namePath) && ReadNameFile(namePath).Id == handle.Id)
            File.Delete(namePath);
        File.Delete(RecordPath(handle.Id));
    }

    private void DeleteFiles(string id)
    {
        foreach (var path in Files(id))
            File.Delete(path);
    }

    private string[] Files(string id) =>
        new[] { StatusPath(id), StatusPath(id) + ".tmp", SocketPath(id), LogPath(id), LogPath(id) + ".1", NetworkLogPath(id), RecordPath(id) + ".tmp" };

    /// <summary>Every file a container of this Id and name may have here (the monitor removes
    /// them when its engine dies before the container is on its own).</summary>
    public string[] FilesOf(string id, string name) =>
        Files(id).Append(RecordPath(id)).Append(Path.Combine(NamesDirectory, name)).ToArray();
}
