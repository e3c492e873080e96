using System;
using System.Collections;
using System.IO;
using System.Management.Automation;
using System.Text;
using System.Threading;
using UserNsContainer.Engine;

namespace UserNsContainer.Commands;

/// <summary>Where a foreground command's output goes, as its cmdlet was asked.</summary>
internal sealed record OutputTargets(FileStream? Stdout, FileStream? Stderr, bool AsByteStream, bool StderrToConsole)
{
    /// <summary>Files take their stream's bytes straight from the pipe (splice), not through the pipeline.</summary>
    public OutputForms Forms => new(StdoutBytes: Stdout is not null || AsByteStream, StderrBytes: Stderr is not null || StderrToConsole,
        StdoutFile: Stdout?.SafeFileHandle, StderrFile: Stderr?.SafeFileHandle);
}

/// <summary>
/// A foreground command run the way PowerShell runs a native one: pipeline input to its stdin
/// (strings as lines, bytes raw, other objects as Out-String shows them), stdout as pipeline
/// strings (or byte[] chunks, or exact bytes into a file), stderr as native error records or
/// straight to this process's fd 2 when not redirected, the exit code in $LASTEXITCODE and a
/// non-zero exit as $? false (and, under $PSNativeCommandUseErrorActionPreference, an error).
/// </summary>
internal sealed class ForegroundRun : IDisposable
{
    private const int InputChunk = 1 << 16;
    private readonly PSCmdlet _cmdlet;
    private readonly ForegroundIo _io;
    private readonly OutputTargets _targets;
    private readonly string _program;
    private readonly int _processId;
    private readonly CancellationToken _cancel;
    private readonly MemoryStream _pending = new();
    private SteppablePipeline? _formatter;
    private readonly StandardErrorLines _stderr;
    private bool _finished;

    public ForegroundRun(PSCmdlet cmdlet, ForegroundIo io, OutputTargets targets, string program, int processId, CancellationToken cancel)
    {
        _cmdlet = cmdlet;
        _io = io;
        _targets = targets;
        _program = program;
        _processId = processId;
        _cancel = cancel;
        _stderr = new StandardErrorLines(cmdlet, targets.StderrToConsole);
    }

    /// <summary>Runs a command whose streams <paramref name="open"/> gives to the end: the
    /// given input (if any) to its stdin, then EOF; output as for Invoke-UserNsContainer.</summary>
    public static ContainerExit? Without(PSCmdlet cmdlet, Func<OutputForms, ForegroundIo> open, bool terminal, string program, int processId,
        CancellationToken cancel, System.Collections.Generic.IEnumerable<object>? input = null)
    {
        var targets = new OutputTargets(null, null, false, !terminal && NativeParity.ErrorGoesToConsole(cmdlet));
        using var run = new ForegroundRun(cmdlet, open(targets.Forms), targets, program, processId, cancel);
        foreach (var item in input ?? Array.Empty<object>())
            run.Input(item);
        return run.Finish();
    }

    /// <summary>One pipeline object for the command's stdin.</summary>
    public void Input(object? value)
    {
        switch (value is PSObject pso ? pso.BaseObject : value)
        {
            case null:
                return;
            case byte b:
                _pending.WriteByte(b);
                if (_pending.Length >= InputChunk)
                    Flush();
                return;
            case byte[] bytes:
                Flush();
                Send(bytes);
                return;
            case string s:
                Text(s);
                return;
            default:
                foreach (var line in Format(value!))
                    Text(line);
                return;
        }
    }

    /// <summary>The bytes of a file, for -RedirectStandardInput.</summary>
    public void InputFile(FileStream file)
    {
        Flush();
        foreach (var item in _io.WriteFile(file.SafeFileHandle, _cancel))
            Emit(item);
        if (!_io.SpliceRefused)
            return;
        var buffer = new byte[1 << 20];
        int n;
        while (_io.AcceptsInput && !_cancel.IsCancellationRequested && (n = file.Read(buffer, 0, buffer.Length)) > 0)
            Send(n == buffer.Length ? buffer : buffer.AsSpan(0, n).ToArray());
    }

    private void Text(string s)
    {
        Flush();
        Send(Encoding.UTF8.GetBytes(s + "\n"));
    }

    private void Flush()
    {
        if (_pending.Length == 0)
            return;
        var bytes = _pending.ToArray();
        _pending.SetLength(0);
        Send(bytes);
    }

    private void Send(byte[] data)
    {
        if (!_io.AcceptsInput)
            return; // the command stopped reading: the rest is dropped, as for a native command
        foreach (var item in _io.Write(data, _cancel))
            Emit(item);
    }

    /// <summary>Other objects become the lines Out-String shows (as for a native command).</summary>
    private string[] Format(object value)
    {
        try
        {
            if (_formatter is null)
            {
                _formatter = ScriptBlock.Create("Microsoft.PowerShell.Utility\\Out-String -Stream").GetSteppablePipeline();
                _formatter.Begin(true);
            }
            var lines = _formatter.Process(value);
            var result = new string[lines.Length];
            for (int i = 0; i < lines.Length; i++)
                result[i] = lines.GetValue(i)?.ToString() ?? "";
            return result;
        }
        catch (Exception e) when (e is CommandNotFoundException or RuntimeException)
        {
            return new[] { LanguagePrimitives.ConvertTo<string>(value) };
        }
    }

    /// <summary>Ends the input and streams the rest of the output until the command has exited;
    /// then $LASTEXITCODE, $? and the error an end other than the command's own exit is.</summary>
    public ContainerExit? Finish()
    {
        if (!_cancel.IsCancellationRequested)
        {
            Flush();
            // what Out-String held back (a table waits for its last row)
            if (_formatter is not null)
                foreach (var line in _formatter.End())
                    Text(line?.ToString() ?? "");
        }
        ContainerExit? exit = null;
        foreach (var item in _io.Finish(_cancel))
        {
            if (item.Kind == ContainerOutputKind.Exited)
                exit = item.Exit;
            else
                Emit(item);
        }
        _finished = true;
        _targets.Stdout?.Flush();
        _targets.Stderr?.Flush();
        if (_cmdlet.Stopping)
            return exit;
        _cmdlet.SessionState.PSVariable.Set("global:LASTEXITCODE", exit?.ExitCode ?? 125);
        if (exit is { Lost: true })
            _cmdlet.WriteError(new ErrorRecord(new UserNsContainerException("HelperDied", FailureKind.InvalidOperation,
                "The container's monitor ended while the command ran (it was killed), so how the command ended is unknown; the container is gone.", null),
                "HelperDied", ErrorCategory.InvalidResult, null));
        else if (exit is { ExitCode: not 0 })
        {
            if (NativeParity.UseErrorActionPreference(_cmdlet))
                _cmdlet.WriteError(NativeParity.ExitError(_program, exit.ExitCode, _processId));
            else
                NativeParity.MarkFailed(_cmdlet);
        }
        return exit;
    }

    private void Emit(ContainerOutput item)
    {
        if (item.Kind == ContainerOutputKind.Stdout)
        {
            if (_targets.Stdout is { } file)
                file.Write(item.Bytes!);
            else if (!_cmdlet.Stopping)
                _cmdlet.WriteObject(item.Bytes ?? (object?)item.Line);
        }
        else if (item.Kind == ContainerOutputKind.Stderr)
        {
            if (_targets.Stderr is { } file)
                file.Write(item.Bytes!);
            else if (item.Bytes is { } bytes)
                StandardErrorLines.WriteBytes(bytes);
            else
                _stderr.Write(item.Line!);
        }
    }

    /// <summary>After Ctrl+C between two pipeline objects: the command is asked to end (as
    /// <see cref="ForegroundIo"/> escalates) and its output dropped.</summary>
    public void Dispose()
    {
        if (!_finished)
        {
            foreach (var _ in _io.Finish(new CancellationToken(canceled: true)))
            {
            }
            _finished = true;
        }
        _formatter?.Dispose();
        _io.Dispose();
    }
}
