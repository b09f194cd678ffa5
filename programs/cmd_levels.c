/* cmd_levels.c — zsum levels: placeholder replaced below. */
#include "cli.h"
int cmd_levels(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return cli_usage("levels: not yet");
}
