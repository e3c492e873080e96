using System;
using System.IO;
using System.Management.Automation;
using UserNsContainer.Engine;

namespace UserNsContainer.Commands;

/// <summary>
/// -RedirectStandardInput, -RedirectStandardOutput and -RedirectStandardError (Start-Process's
/// names): the files are checked and opened before the container exists; an output file is
/// emptied only once the command runs, and one this call created is removed again when the
/// container never starts.
/// </summary>
internal sealed class Redirections : IDisposable
{
    private string? _createdStdout, _createdStderr;

    private Redirections()
    {
    }

    public FileStream? Stdin { get; private set; }
    public FileStream? Stdout { get; private set; }
    public FileStream? Stderr { get; private set; }

    /// <summary>No file is involved: the caller's terminal may be handed over.</summary>
    public bool AllowsTerminal => Stdin is null && Stdout is null && Stderr is null;

    /// <exception cref="InvalidSpecException">A path that cannot be used, or two that collide.</exception>
    public static Redirections Open(PSCmdlet cmdlet, string? stdin, string? stdout, string? stderr, bool pipelineInput)
    {
        string? Resolve(string? path, string parameter)
        {
            if (path is null)
                return null;
            if (path.Length == 0)
                throw new InvalidSpecException("InvalidRedirection", parameter, path, "a file path");
            return cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
        }
        var inPath = Resolve(stdin, "RedirectStandardInput");
        var outPath = Resolve(stdout, "RedirectStandardOutput");
        var errPath = Resolve(stderr, "RedirectStandardError");
        if (inPath is not null && pipelineInput)
            throw new InvalidSpecException("InvalidRedirection", "RedirectStandardInput", stdin,
                "the command's stdin comes from the pipeline or from a file, not both");
        if (outPath is not null && outPath == errPath)
            throw new InvalidSpecException("InvalidRedirection", "RedirectStandardError", stderr,
                "a file other than -RedirectStandardOutput's (use 2>&1 to merge the streams)");
        if (inPath is not null && (inPath == outPath || inPath == errPath))
            throw new InvalidSpecException("InvalidRedirection", "RedirectStandardInput", stdin,
                "a file that is not also an output of the command");
        var r = new Redirections();
        try
        {
            if (inPath is not null)
                r.Stdin = OpenFile(inPath, "RedirectStandardInput", stdin!, FileMode.Open, FileAccess.Read, out _);
            if (outPath is not null)
            {
                r.Stdout = OpenFile(outPath, "RedirectStandardOutput", stdout!, FileMode.OpenOrCreate, FileAccess.Write, out bool created);
                r._createdStdout = created ? outPath : null;
            }
            if (errPath is not null)
            {
                r.Stderr = OpenFile(errPath, "RedirectStandardError", stderr!, FileMode.OpenOrCreate, FileAccess.Write, out bool created);
                r._createdStderr = created ? errPath : null;
            }
            return r;
        }
        catch
        {
            r.Discard();
            throw;
        }
    }

    private static FileStream OpenFile(string path, string parameter, string given, FileMode mode, FileAccess access, out bool created)
    {
        created = mode == FileMode.OpenOrCreate && !File.Exists(path);
        if (Directory.Exists(path))
            throw new InvalidSpecException("InvalidRedirection", parameter, given, "a file, not a directory");
        try
        {
            return new FileStream(path, mode, access, access == FileAccess.Read ? FileShare.ReadWrite : FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidSpecException("InvalidRedirection", parameter, given,
                access == FileAccess.Read ? $"a file you can read ({e.Message})" : $"a file you can write, in an existing directory ({e.Message})");
        }
    }

    /// <summary>Where the output goes, once the container runs (output files emptied now).</summary>
    public OutputTargets Targets(bool asByteStream, bool stderrToConsole)
    {
        Stdout?.SetLength(0);
        Stderr?.SetLength(0);
        _createdStdout = _createdStderr = null;
        return new OutputTargets(Stdout, Stderr, asByteStream, stderrToConsole && Stderr is null);
    }

    /// <summary>The container never ran: the files are closed and those this call made are gone.</summary>
    public void Discard()
    {
        Dispose();
        foreach (var path in new[] { _createdStdout, _createdStderr })
            if (path is not null)
                File.Delete(path);
        _createdStdout = _createdStderr = null;
    }

    public void Dispose()
    {
        Stdin?.Dispose();
        Stdout?.Dispose();
        Stderr?.Dispose();
    }
}
