/* cli_args.c — the one option parser and the one help of every command, both driven by the
 * command's tables (cli.h: cli_option, cli_sub, cli_command). */
#include "cli.h"

#include <string.h>

static int is_help(const char *w) { return !strcmp(w, "--help") || !strcmp(w, "-h"); }

static int sub_matches(const cli_sub *s, const char *w) {
    return s->name && (!strcmp(s->name, w) || (s->alias && !strcmp(s->alias, w)));
}

/* "a, b or c": the names of the subcommands. */
static void sub_list(const cli_command *c, char *buf, size_t cap) {
    size_t len = 0, named = 0, k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < c->nsubs; i++) named += c->subs[i].name != NULL;
    for (size_t i = 0; i < c->nsubs && len < cap; i++) {
        if (!c->subs[i].name) continue;
        const char *sep = k == 0 ? "" : k + 1 == named ? " or " : ", ";
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", sep, c->subs[i].name);
        k++;
    }
}

int cli_select(const cli_command *c, int argc, char **argv, const cli_sub **sub, int *first) {
    *sub = NULL;
    *first = 1;
    const cli_sub *unnamed = NULL;
    for (size_t i = 0; i < c->nsubs; i++)
        if (!c->subs[i].name) unnamed = &c->subs[i];
    if (argc >= 2 && (is_help(argv[1]) || !strcmp(argv[1], "help")))
        return cli_help(c, NULL, cli_out());
    if (argc >= 2)
        for (size_t i = 0; i < c->nsubs; i++)
            if (sub_matches(&c->subs[i], argv[1])) {
                *sub = &c->subs[i];
                *first = 2;
                return EXIT_OK;
            }
    if (unnamed) {
        *sub = unnamed;
        return EXIT_OK;
    }
    char list[256];
    sub_list(c, list, sizeof list);
    if (argc < 2) return cli_usage("%s: a subcommand is needed: %s (zsum %s --help)", c->name, list, c->name);
    return cli_usage("%s: unknown subcommand '%s' (%s)", c->name, argv[1], list);
}

void cli_start(cli_args *a, const cli_command *c, const cli_sub *sub, int argc, char **argv, int first) {
    memset(a, 0, sizeof *a);
    a->cmd = c;
    a->sub = sub;
    a->argc = argc;
    a->argv = argv;
    a->i = first;
    if (sub && sub->name) snprintf(a->prog, sizeof a->prog, "%s %s", c->name, sub->name);
    else snprintf(a->prog, sizeof a->prog, "%s", c->name);
}

/* The entry a word names: "--name", "--name=VALUE", "-x" or "-xVALUE"; *inline_value is set to
 * the text after '=' or after the letter (NULL when none). */
static int accepts(const cli_option *o, const cli_sub *sub) {
    return !o->modes || !sub || (o->modes & sub->mode);
}

/* Whether the word names o: "--name", "--name=VALUE", "-x" or "-xVALUE"; *inline_value is set
 * to the text after '=' or after the letter (NULL when none). */
static int names(const cli_option *o, const char *w, const char **inline_value) {
    *inline_value = NULL;
    if (w[1] == '-') {
        const char *eq = strchr(w, '=');
        size_t len = eq ? (size_t)(eq - w) : strlen(w);
        if (!o->name || strlen(o->name) != len || strncmp(o->name, w, len)) return 0;
        if (eq) *inline_value = eq + 1;
        return 1;
    }
    if (!o->letter || o->letter != w[1] || (w[2] && !o->arg)) return 0; /* no clusters "-qx" */
    if (w[2]) *inline_value = w + 2;
    return 1;
}

/* The entry a word names: the one of sub's mode when two modes spell an option alike (rbm
 * sample's --chains and the AIS --chains), else the first. */
static const cli_option *lookup(const cli_command *c, const cli_sub *sub, const char *w,
                                const char **inline_value) {
    const cli_option *found = NULL;
    const char *v, *found_v = NULL;
    *inline_value = NULL;
    if (w[0] != '-' || !w[1]) return NULL;
    for (size_t i = 0; i < c->nopts; i++) {
        if (!names(&c->opts[i], w, &v)) continue;
        if (accepts(&c->opts[i], sub)) {
            *inline_value = v;
            return &c->opts[i];
        }
        if (!found) found = &c->opts[i], found_v = v;
    }
    *inline_value = found_v;
    return found;
}

const cli_option *cli_find_option(const cli_command *c, const cli_sub *sub, const char *word) {
    const char *v;
    return lookup(c, sub, word, &v);
}

/* "rbm train, rbm sample": the subcommands that accept o. */
static void modes_of(const cli_command *c, const cli_option *o, char *buf, size_t cap) {
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < c->nsubs && len < cap; i++)
        if (o->modes & c->subs[i].mode)
            len += (size_t)snprintf(buf + len, cap - len, "%s%s%s%s", len ? ", " : "", c->name,
                                    c->subs[i].name ? " " : "", c->subs[i].name ? c->subs[i].name : "");
}

static int stop(cli_args *a, int rc) {
    a->rc = rc;
    return CLI_STOP;
}

int cli_next(cli_args *a) {
    if (!a->scanned) {
        a->scanned = 1; /* once: --help anywhere before "--" wins over everything else */
        for (int k = a->i; k < a->argc && strcmp(a->argv[k], "--"); k++)
            if (is_help(a->argv[k])) return stop(a, cli_help(a->cmd, a->sub, cli_out()));
    }
    if (a->i >= a->argc) return CLI_DONE;
    const char *w = a->argv[a->i++];
    if (!a->done_options && !strcmp(w, "--")) {
        a->done_options = 1;
        return cli_next(a);
    }
    a->spelled = w;
    a->opt = NULL;
    if (a->done_options || w[0] != '-' || !w[1]) {
        a->value = w;
        return CLI_ARG;
    }
    const char *inline_value;
    const cli_option *o = lookup(a->cmd, a->sub, w, &inline_value);
    if (!o) return stop(a, cli_usage("%s: unknown option '%s' (zsum %s --help lists them)", a->prog, w, a->prog));
    a->opt = o;
    a->name = o->name ? o->name : w;
    int spelling = (o->flags & CLI_SPELLING) == CLI_SPELLING;
    if (spelling && accepts(o, a->sub)) return stop(a, cli_usage("%s: %s", o->name, o->help));
    if (spelling) return stop(a, cli_usage("%s: unknown option '%s' (zsum %s --help lists them)", a->prog, w, a->prog));
    if (!accepts(o, a->sub)) {
        if (a->cmd->refuse) return stop(a, a->cmd->refuse(a, o));
        char owners[256];
        modes_of(a->cmd, o, owners, sizeof owners);
        return stop(a, cli_usage("%s: unknown option '%s' (it belongs to %s; zsum %s --help lists "
                                 "the options of %s)", a->prog, a->name, owners, a->prog, a->prog));
    }
    size_t idx = (size_t)(o - a->cmd->opts);
    if ((o->flags & CLI_ONCE) && idx < sizeof a->seen && a->seen[idx])
        return stop(a, cli_usage("%s: %s is given twice", a->prog, a->name));
    if (idx < sizeof a->seen && a->seen[idx] < 255) a->seen[idx]++;
    a->value = NULL;
    if (o->arg) {
        if (inline_value) a->value = inline_value;
        else if (a->i < a->argc) a->value = a->argv[a->i++];
        else return stop(a, cli_usage("%s: %s needs a value (zsum %s --help)", a->prog, w, a->prog));
    } else if (inline_value) {
        return stop(a, cli_usage("%s: %s takes no value", a->prog, a->name));
    }
    return o->id;
}

/* ---- help --------------------------------------------------------------------------------- */

/* The left part of an option's line: "-n, --units N" or "    --method M". */
static size_t option_head(const cli_option *o, char *buf, size_t cap) {
    int n;
    if (o->letter && o->name) n = snprintf(buf, cap, "-%c, %s%s%s", o->letter, o->name, o->arg ? " " : "", o->arg ? o->arg : "");
    else if (o->letter) n = snprintf(buf, cap, "-%c%s%s", o->letter, o->arg ? " " : "", o->arg ? o->arg : "");
    else n = snprintf(buf, cap, "    %s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
    return n < 0 ? 0 : (size_t)n;
}

/* Lines of text, each prefixed by indent after the first (the first by first). */
static void put_indented(FILE *f, const char *text, const char *first, size_t indent) {
    fputs(first, f);
    for (const char *p = text; *p; p++) {
        if (*p == '\n' && !p[1]) break;
        fputc(*p, f);
        if (*p == '\n' && p[1]) fprintf(f, "%*s", (int)indent, "");
    }
    fputc('\n', f);
}

static void print_usage_lines(FILE *f, const char *usage, int *first) {
    const char *p = usage;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        fputs(*first ? "usage: " : (!strncmp(p, "zsum ", 5) ? "       " : ""), f);
        fwrite(p, 1, len, f);
        fputc('\n', f);
        *first = 0;
        p += len + (e != NULL);
    }
}

int cli_help(const cli_command *c, const cli_sub *sub, FILE *f) {
    int first = 1;
    if (!sub && c->nsubs == 1) sub = &c->subs[0];
    for (size_t i = 0; i < c->nsubs; i++)
        if (!sub || sub == &c->subs[i]) print_usage_lines(f, c->subs[i].usage, &first);
    const char *about = sub && sub->about ? sub->about : c->about;
    if (about) fprintf(f, "\n%s", about);
    if (!sub && c->nsubs > 1 && about) fputc('\n', f);
    if (!sub && c->nsubs > 1)
        for (size_t i = 0; i < c->nsubs; i++)
            if (c->subs[i].about && c->subs[i].name) {
                char head[64];
                snprintf(head, sizeof head, "  %-9s ", c->subs[i].name);
                put_indented(f, c->subs[i].about, head, 12);
            }
    size_t width = 0;
    char head[128];
    for (size_t i = 0; i < c->nopts; i++) {
        size_t n = option_head(&c->opts[i], head, sizeof head);
        if (!(c->opts[i].flags & CLI_HIDDEN) && n > width && n <= 26) width = n;
    }
    fputs("\noptions:\n", f);
    for (size_t i = 0; i < c->nopts; i++) {
        const cli_option *o = &c->opts[i];
        if ((o->flags & CLI_HIDDEN) || (sub && !accepts(o, sub))) continue;
        size_t len = option_head(o, head, sizeof head);
        if (len > width) fprintf(f, "  %s\n", head), head[0] = '\0'; /* a long head: help below */
        char line[512], owners[256] = "";
        if (!sub && o->modes && c->nsubs > 1) {
            modes_of(c, o, owners, sizeof owners);
            snprintf(line, sizeof line, "  %-*s  [%s] ", (int)width, head, owners);
        } else {
            snprintf(line, sizeof line, "  %-*s  ", (int)width, head);
        }
        put_indented(f, o->help ? o->help : "", line, width + 4);
    }
    if (c->notes) fprintf(f, "\n%s", c->notes);
    return EXIT_OK;
}
