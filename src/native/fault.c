/* Fault injection for the tests (USERNSCONTAINER_FAULT in the engine's environment becomes the
 * plan setting "fault WHO STEP"): the process WHO ends abruptly at STEP of the protocol, as if
 * killed there, so that every wait on the other side is shown to end. A process that is PID 1
 * of its namespace ignores its own SIGKILL: it exits at once instead, without a report. */
#include "helper.h"

#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

void fault_point(const struct plan *plan, const char *who, const char *step)
{
    if (plan->fault_who == NULL || strcmp(plan->fault_who, who) != 0 || strcmp(plan->fault_step, step) != 0)
        return;
    kill(getpid(), SIGKILL);
    syscall(SYS_exit_group, 137);
}
