using System;
using System.IO;
using System.Management.Automation;
using System.Text;

namespace UserNsContainer.Commands;

/// <summary>Where a container's stderr lines go (Invoke-UserNsContainer, Enter-ContainerNamespace,
/// Get-UserNsContainerLog): this process's own fd 2 when PowerShell would not redirect a native
/// command's stderr, else error records of the native kind (NativeCommandError for the first
/// line, NativeCommandErrorMessage for the rest).</summary>
internal sealed class StandardErrorLines
{
    private static readonly Lazy<Stream> ProcessStandardError = new(Console.OpenStandardError);
    private readonly PSCmdlet _cmdlet;
    private readonly bool _toConsole;
    private bool _first = true;

    public StandardErrorLines(PSCmdlet cmdlet, bool toConsole)
    {
        _cmdlet = cmdlet;
        _toConsole = toConsole;
    }

    public void Write(string line)
    {
        if (_toConsole)
            WriteBytes(Encoding.UTF8.GetBytes(line + "\n"));
        else if (!_cmdlet.Stopping)
        {
            NativeParity.WriteStandardError(_cmdlet, line, _first);
            _first = false;
        }
    }

    /// <summary>Bytes to this process's fd 2, unbuffered.</summary>
    public static void WriteBytes(byte[] bytes)
    {
        try
        {
            ProcessStandardError.Value.Write(bytes);
        }
        catch (IOException)
        {
            // fd 2 closed or a broken pipe: dropped, as a native command's would be
        }
    }
}
