/* train_stop.c — the clean stop of a training command on SIGINT or SIGTERM (train_stop.h). */
#include "train_stop.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig) { stop_signal = sig; }

void train_stop_catch(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND | SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int train_stop_signal(void) { return stop_signal; }

/* One argument as the shell reads it back: bare when it holds only safe characters, else in
 * single quotes (a quote inside written '\''). */
static void shell_word(FILE *f, const char *w) {
    int safe = *w != '\0';
    for (const char *c = w; *c && safe; c++)
        safe = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
               strchr("_@%+=:,./-", *c) != NULL;
    fputc(' ', f);
    if (safe) {
        fputs(w, f);
        return;
    }
    fputc('\'', f);
    for (const char *c = w; *c; c++) {
        if (*c == '\'') fputs("'\\''", f);
        else fputc(*c, f);
    }
    fputc('\'', f);
}

/* The command that continues this training: the same arguments less any --resume, plus the
 * seed when it was drawn, plus --resume OUT. */
static void print_resume_command(const train_stop_cmdline *c) {
    fputs("zsum", stderr);
    for (int i = 0; i < c->argc; i++) {
        const char *a = c->argv[i];
        const cli_option *opt = i >= 2 ? cli_find_option(c->command, NULL, a) : NULL;
        int has_arg = opt && opt->arg && !strchr(a, '=');
        if (!strcmp(a, "--resume") && i >= 2) {
            i++;
            continue;
        }
        shell_word(stderr, a);
        if (has_arg && i + 1 < c->argc) shell_word(stderr, c->argv[++i]);
    }
    if (!c->have_seed) fprintf(stderr, " --seed %llu", (unsigned long long)c->seed);
    fputs(" --resume", stderr);
    shell_word(stderr, c->out);
    fputc('\n', stderr);
}

int train_stop_report_stage(const train_stop_cmdline *c, const char *stage, uint64_t done, uint64_t epochs) {
    const int sig = stop_signal;
    fprintf(stderr, "zsum: %s: stopped after %s %llu of %llu; the checkpoint is %s. To resume:\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM", stage, (unsigned long long)done, (unsigned long long)epochs,
            c->out);
    print_resume_command(c);
    return 128 + sig; /* the shell's status for a process ended by that signal */
}

int train_stop_report(const train_stop_cmdline *c, uint64_t done, uint64_t epochs) {
    return train_stop_report_stage(c, "epoch", done, epochs);
}

int train_resume_left(const char *path, uint64_t done, uint64_t epochs) {
    if (epochs > done) return EXIT_OK;
    if (epochs == done) {
        fprintf(stderr, "zsum: --resume %s: the checkpoint has run its %llu epochs; nothing is left to train "
                "(--epochs is the total)\n", path, (unsigned long long)done);
        return EXIT_OK;
    }
    return cli_usage("--resume %s: the checkpoint has run %llu epochs and --epochs %llu asks for fewer "
                     "(--epochs is the total: give at least %llu)",
                     path, (unsigned long long)done, (unsigned long long)epochs, (unsigned long long)done);
}
