/* usnc-helper entry point. The engine starts it with posix_spawn, the control socket
 * at fd 3 and nothing else beyond stdio. */
#include "helper.h"

#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

const char *helper_owner = "";

int main(int argc, char **argv)
{
    if (argc >= 3)
        helper_owner = argv[2];
    static const char *modes[] = {"create", "enter", "hot-bind", "hot-unbind", "init", "probe", "spare", "layer"};
    int mode = -1;
    for (int i = 0; argc >= 2 && i < 8; i++)
        if (strcmp(argv[1], modes[i]) == 0)
            mode = i;
    if (mode < 0) {
        fprintf(stderr, "usnc-helper: internal program of UserNsContainer; not for direct use\n");
        return 2;
    }
    if (mode == 4) {
        sys_close_range(INIT_TREE_FD + 1, ~0U, 0);
        run_init();
    }
    sys_close_range(CTL_FD + 1, ~0U, 0);
    /* enter and hot-bind join the container's namespaces: nothing in there may ptrace them
     * (they hold the engine's socket and the caller's stdio). The monitor too, while it
     * waits for its plan (a spare may wait long): nothing of the caller's uid in a container
     * sharing the host's pid namespace may take it over; it turns dumpable only for the
     * clone (run_monitor), so that the init's maps can be written */
    prctl(PR_SET_DUMPABLE, 0);
    /* the monitor may wait as a spare and then outlive the caller's container: it holds no
     * directory of the caller's busy (every path it is given is absolute) */
    if ((mode == 0 || mode == 6) && chdir("/") < 0)
        return 1;
    /* a spare says when it is ready: the engine lists it as a spare from then on */
    if (mode == 6) {
        send_simple("ready", 0, 0);
        mode = 0;
    }
    struct plan plan;
    int rc = 1;
    if (read_plan(CTL_FD, &plan) == 0)
        switch (mode) {
        case 1:
            rc = run_enter(&plan);
            break;
        case 2:
            rc = hot_bind(&plan) < 0 ? 1 : 0;
            break;
        case 3:
            rc = hot_unbind(&plan) < 0 ? 1 : 0;
            break;
        case 5:
            rc = run_probe(&plan);
            break;
        case 7:
            rc = run_layer(&plan);
            break;
        default:
            rc = run_monitor(&plan);
        }
    if (rc != 0)
        drain_control();
    return rc;
}
