/* usnc-helper entry point. The engine starts it with posix_spawn, the control socket
 * at fd 3 and nothing else beyond stdio. */
#include "helper.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "create") != 0 && strcmp(argv[1], "enter") != 0)) {
        fprintf(stderr, "usnc-helper: internal program of UserNsContainer; not for direct use\n");
        return 2;
    }
    sys_close_range(CTL_FD + 1, ~0U, 0);
    struct plan plan;
    if (read_plan(CTL_FD, &plan) < 0)
        return 1;
    return strcmp(argv[1], "enter") == 0 ? run_enter(&plan) : run_monitor(&plan);
}
