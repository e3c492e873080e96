using System;
using System.Management.Automation;
using System.Threading;
using UserNsContainer.Engine;

namespace UserNsContainer.Commands;

/// <summary>Base of every cmdlet: the engine, Ctrl+C as a cancellation token, and the
/// mapping from engine exceptions to ErrorRecords with stable ErrorIds.</summary>
public abstract class UserNsContainerCmdlet : PSCmdlet
{
    private readonly CancellationTokenSource _cancel = new();
    private ContainerEngine? _engine;

    protected CancellationToken Cancel => _cancel.Token;

    protected ContainerEngine Engine
    {
        get
        {
            try
            {
                return _engine ??= new ContainerEngine(StateStore.ForCurrentUser(), VerboseUnlessStopping, WarningUnlessStopping)
                {
                    Owner = MyInvocation.MyCommand.Module, // this runspace's import of the module
                };
            }
            catch (UserNsContainerException e)
            {
                ThrowTerminatingError(ToErrorRecord(e));
                throw; // not reached
            }
        }
    }

    protected override void StopProcessing() => _cancel.Cancel();

    /// <summary>Once Ctrl+C is pressed WriteVerbose throws; the engine's clean-up after
    /// cancellation (killing the container) must still run, so it goes quiet instead.</summary>
    protected void VerboseUnlessStopping(string message)
    {
        if (!Stopping)
            WriteVerbose(message);
    }

    private void WarningUnlessStopping(string message)
    {
        if (!Stopping)
            WriteWarning(message);
    }

    internal static ErrorRecord ToErrorRecord(UserNsContainerException e)
    {
        var record = new ErrorRecord(e, e.ErrorId, ToCategory(e.Kind), e.Target);
        if (e.RecommendedAction is not null)
            record.ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = e.RecommendedAction };
        return record;
    }

    private static ErrorCategory ToCategory(FailureKind kind) => kind switch
    {
        FailureKind.InvalidArgument => ErrorCategory.InvalidArgument,
        FailureKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
        FailureKind.ResourceExists => ErrorCategory.ResourceExists,
        FailureKind.PermissionDenied => ErrorCategory.PermissionDenied,
        FailureKind.NotInstalled => ErrorCategory.NotInstalled,
        FailureKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        FailureKind.OperationStopped => ErrorCategory.OperationStopped,
        FailureKind.OperationTimeout => ErrorCategory.OperationTimeout,
        _ => ErrorCategory.InvalidOperation,
    };

    /// <summary>An image tool's progress (import, commit, export) as Write-Progress records of one activity.</summary>
    protected Action<Engine.Images.ImportProgress> ImageProgress(int id, string activity) => p =>
    {
        if (!Stopping)
            WriteProgress(new ProgressRecord(id, activity, p.Status.Length == 0 ? p.Phase : p.Status)
            {
                CurrentOperation = p.Phase,
                PercentComplete = p.Percent,
                RecordType = p.Percent >= 100 ? ProgressRecordType.Completed : ProgressRecordType.Processing,
            });
    };

    /// <summary>Runs <paramref name="action"/>; an engine failure becomes a terminating error.</summary>
    protected T Terminating<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (UserNsContainerException e)
        {
            ThrowTerminatingError(ToErrorRecord(e));
            throw; // not reached
        }
    }

    /// <summary>Runs <paramref name="action"/> for one pipeline item; a failure is written and the pipeline goes on.</summary>
    protected void NonTerminating(Action action)
    {
        try
        {
            action();
        }
        catch (UserNsContainerException e)
        {
            WriteError(ToErrorRecord(e));
        }
        catch (OperationCanceledException)
        {
            throw new PipelineStoppedException();
        }
    }
}
