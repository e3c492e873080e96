using System;
using System.Management.Automation;
using System.Reflection;

namespace UserNsContainer.Commands;

/// <summary>
/// What PowerShell does for a native command and gives a cmdlet no public way to do, reached
/// through the running engine's internals (those of PowerShell 7.4 to 7.6). Each member checks
/// what it finds and falls back to the nearest public behaviour when the internals differ;
/// about_UserNsContainer_NativeParity lists the fallbacks.
/// </summary>
internal static class NativeParity
{
    private const BindingFlags Internal = BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public;
    private static readonly Assembly Automation = typeof(PSCmdlet).Assembly;

    private static readonly MethodInfo? WriteErrorSkipAllowCheck = Automation
        .GetType("System.Management.Automation.MshCommandRuntime")?
        .GetMethod("_WriteErrorSkipAllowCheck", Internal);

    /// <summary>True when the cmdlet's success output feeds Out-Default directly: PowerShell's
    /// rule for running a native command on the terminal ('$x = ...' or '... | Select-String'
    /// keep the pipeline).</summary>
    public static bool OutputGoesToOutDefault(PSCmdlet cmdlet) =>
        PipeEndsInOutDefault(Get(cmdlet.CommandRuntime, "OutputPipe"));

    /// <summary>PowerShell's rule for a native command's stderr: not redirected (it goes to the
    /// process's own fd 2) unless merged into output (2>&amp;1, *>&amp;1) or sent elsewhere
    /// (2>$null, 2>file, a variable); false where the internals cannot tell.</summary>
    public static bool ErrorGoesToConsole(PSCmdlet cmdlet)
    {
        var runtime = cmdlet.CommandRuntime;
        var merge = Get(runtime, "ErrorMergeTo");
        if (merge is null || merge.ToString() == "Output")
            return false;
        if (cmdlet.MyInvocation.BoundParameters.ContainsKey("ErrorVariable"))
            return false; // a native command has no -ErrorVariable: a cmdlet's is honoured with records
        return PipeEndsInOutDefault(Get(runtime, "ErrorOutputPipe"));
    }

    private static bool PipeEndsInOutDefault(object? pipe)
    {
        var downstream = Get(pipe, "DownstreamCmdlet");
        if (Get(downstream, "CommandInfo") is not CommandInfo info || !info.Name.Equals("Out-Default", StringComparison.OrdinalIgnoreCase))
            return false;
        // not an Out-Default added for a transcript
        return Get(downstream, "Command") is not PSCmdlet command || !command.MyInvocation.BoundParameters.ContainsKey("Transcript");
    }

    /// <summary>A stderr line as PowerShell makes one of a native command's: NativeCommandError
    /// for the first, NativeCommandErrorMessage for the rest, written without failing the
    /// command ($? stays true, -ErrorAction Stop does not throw).</summary>
    public static void WriteStandardError(PSCmdlet cmdlet, string line, bool first)
    {
        var record = first
            ? new ErrorRecord(new RemoteException(line), "NativeCommandError", ErrorCategory.NotSpecified, line)
            : new ErrorRecord(new RemoteException(line), "NativeCommandErrorMessage", ErrorCategory.NotSpecified, null);
        var parameters = WriteErrorSkipAllowCheck?.GetParameters();
        if (parameters is { Length: 3 } && parameters[2].ParameterType == typeof(bool))
        {
            WriteErrorSkipAllowCheck!.Invoke(cmdlet.CommandRuntime, new object?[] { record, null, true });
            AppendToErrorVariable(cmdlet, record);
            return;
        }
        cmdlet.Host.UI.WriteErrorLine(line);
    }

    /// <summary>PowerShell leaves a native command's stderr out of error variables (a native
    /// command has no -ErrorVariable); a cmdlet given -ErrorVariable gets its stderr lines there.</summary>
    private static void AppendToErrorVariable(PSCmdlet cmdlet, ErrorRecord record)
    {
        if (!cmdlet.MyInvocation.BoundParameters.TryGetValue("ErrorVariable", out var given) || given is not string name || name.Length == 0)
            return;
        if (cmdlet.SessionState.PSVariable.GetValue(name.TrimStart('+')) is System.Collections.IList list && !list.IsReadOnly && !list.Contains(record))
            list.Add(record);
    }

    /// <summary>$? false after this command, as after a native command's non-zero exit, without
    /// an error record; false when the internals are not there.</summary>
    public static bool MarkFailed(PSCmdlet cmdlet)
    {
        try
        {
            var processor = Get(cmdlet.CommandRuntime, "PipelineProcessor");
            var failed = processor?.GetType().GetProperty("ExecutionFailed", Internal);
            if (failed is null || failed.PropertyType != typeof(bool) || !failed.CanWrite)
                return false;
            failed.SetValue(processor, true);
            return true;
        }
        catch (Exception e) when (e is TargetInvocationException or MethodAccessException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The error a native command's non-zero exit raises under
    /// $PSNativeCommandUseErrorActionPreference: NativeCommandExitException, ProgramExitedWithNonZeroCode.</summary>
    public static ErrorRecord ExitError(string program, int exitCode, int processId)
    {
        const string errorId = "ProgramExitedWithNonZeroCode";
        var name = System.IO.Path.GetFileName(program);
        var format = Automation.GetType("CommandBaseStrings")?
            .GetProperty(errorId, BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)?.GetValue(null) as string;
        string message;
        try
        {
            message = format is null ? $"Program \"{name}\" ended with non-zero exit code: {exitCode}." : string.Format(format, name, exitCode, $"0x{exitCode:X2}");
        }
        catch (FormatException)
        {
            message = $"Program \"{name}\" ended with non-zero exit code: {exitCode}.";
        }
        Exception exception;
        try
        {
            var type = Automation.GetType("System.Management.Automation.NativeCommandExitException");
            exception = type is null ? new RuntimeException(message)
                : (Exception?)Activator.CreateInstance(type, Internal, null, new object[] { program, exitCode, processId, message, errorId }, null)
                  ?? new RuntimeException(message);
        }
        catch (Exception e) when (e is MissingMethodException or TargetInvocationException or MethodAccessException)
        {
            exception = new RuntimeException(message);
        }
        return new ErrorRecord(exception, "ProgramExitedWithNonZeroCode", ErrorCategory.NotSpecified, program);
    }

    /// <summary>$PSNativeCommandUseErrorActionPreference as the caller's scope sees it.</summary>
    public static bool UseErrorActionPreference(PSCmdlet cmdlet) =>
        LanguagePrimitives.IsTrue(cmdlet.SessionState.PSVariable.GetValue("PSNativeCommandUseErrorActionPreference", false));

    private static object? Get(object? target, string property)
    {
        if (target is null)
            return null;
        try
        {
            return target.GetType().GetProperty(property, Internal)?.GetValue(target);
        }
        catch (Exception e) when (e is TargetInvocationException or AmbiguousMatchException or MethodAccessException)
        {
            return null;
        }
    }
}
