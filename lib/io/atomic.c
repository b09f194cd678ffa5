/* atomic.c — the library's one way to write a file: a temporary file in the target's folder,
 * written, flushed and fsync'ed, then renamed over the target (rename(2) replaces a name in
 * one step, POSIX.1-2008), then the folder fsync'ed so that the new name itself survives a
 * crash. Whatever stops the write halfway — a full disk, a file-size limit, a kill, a power
 * cut — leaves the previous file as it was; a killed process may leave its "<name>.<pid>-<k>.tmp"
 * beside the target, never a damaged target.
 *
 * Two targets are not replaced but followed: a symbolic link (the file it names is replaced,
 * the link stays a link) and anything that is not a regular file, such as /dev/null or a FIFO
 * (written in place: a rename would replace the device node itself). A replaced file keeps
 * its permission bits, and a file its user may not write is refused, not replaced. */
#include "io/atomic_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void release(io_atomic *w) {
    free(w->dest);
    free(w->tmp);
    w->dest = w->tmp = NULL;
    w->f = NULL;
}

zs_status io_atomic_open(zs_ctx *ctx, const char *path, io_atomic *w) {
    memset(w, 0, sizeof *w);
    w->path = path;
    struct stat ls, st;
    int exists = stat(path, &st) == 0;
    if (exists && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        w->f = fopen(path, "wb");
        if (!w->f) return zs_fail(ctx, ZS_EIO, "%s: cannot create: %s", path, strerror(errno));
        return ZS_OK;
    }
    if (exists && lstat(path, &ls) == 0 && S_ISLNK(ls.st_mode)) w->dest = realpath(path, NULL);
    if (!w->dest) w->dest = zs_strdup(path);
    /* A rename would replace a file its owner made read-only (as mv does); honour the file's
     * own permission instead, as writing it in place would. */
    if (w->dest && exists && S_ISREG(st.st_mode) && access(w->dest, W_OK) != 0) {
        int err = errno;
        release(w);
        return zs_fail(ctx, ZS_EIO, "%s: cannot write: %s", path, strerror(err));
    }
    size_t len = w->dest ? strlen(w->dest) + 48 : 0;
    w->tmp = w->dest ? zs_malloc(len) : NULL;
    if (!w->tmp) {
        release(w);
        return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", path);
    }
    /* O_EXCL: never open someone else's file; 0666 less the umask, as fopen would make it. */
    int fd = -1, err = 0;
    for (unsigned k = 0; k < 100 && fd < 0; k++) {
        snprintf(w->tmp, len, "%s.%ld-%u.tmp", w->dest, (long)getpid(), k);
        fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        err = errno;
        if (fd < 0 && err != EEXIST) break;
    }
    if (fd >= 0 && exists && S_ISREG(st.st_mode)) (void)fchmod(fd, st.st_mode & 07777);
    if (fd >= 0 && !(w->f = fdopen(fd, "wb"))) {
        err = errno;
        close(fd);
        unlink(w->tmp);
        fd = -1;
    }
    if (fd < 0) {
        release(w);
        return zs_fail(ctx, ZS_EIO, "%s: cannot create: %s", path, strerror(err));
    }
    return ZS_OK;
}

void io_atomic_abort(io_atomic *w) {
    if (w->f) fclose(w->f);
    if (w->tmp) unlink(w->tmp);
    release(w);
}

/* fsync the folder holding dest, so the rename is on disk too (best effort: some file
 * systems refuse to fsync a folder, and the data itself is already synced). The copy that
 * dirname may change is on the stack, so that this step cannot be skipped for want of memory
 * after the file was written; a path longer than PATH_MAX could not have been opened. */
static void sync_folder(const char *dest) {
    char copy[PATH_MAX];
    size_t len = strlen(dest);
    if (len >= sizeof copy) return;
    memcpy(copy, dest, len + 1);
    int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
}

zs_status io_atomic_commit(zs_ctx *ctx, io_atomic *w) {
    int err = 0;
    errno = 0;
    if (fflush(w->f) != 0 || ferror(w->f)) err = errno ? errno : EIO;
    /* fsync of a device or FIFO written in place may be refused (EINVAL): nothing to sync */
    else if (fsync(fileno(w->f)) != 0 && w->tmp) err = errno;
    errno = 0;
    int closed = fclose(w->f);
    w->f = NULL;
    if (!err && closed != 0) err = errno ? errno : EIO;
    if (!err && w->tmp && rename(w->tmp, w->dest) != 0) err = errno;
    if (err) {
        io_atomic_abort(w);
        return zs_fail(ctx, ZS_EIO, "%s: cannot write: %s", w->path, strerror(err));
    }
    if (w->tmp) sync_folder(w->dest);
    release(w);
    return ZS_OK;
}

zs_status io_write_atomic(zs_ctx *ctx, const char *path, const void *buf, size_t len) {
    io_atomic w;
    zs_status st = io_atomic_open(ctx, path, &w);
    if (st != ZS_OK) return st;
    errno = 0;
    if (len && fwrite(buf, 1, len, w.f) != len) {
        int err = errno ? errno : EIO;
        io_atomic_abort(&w);
        return zs_fail(ctx, ZS_EIO, "%s: cannot write: %s", path, strerror(err));
    }
    return io_atomic_commit(ctx, &w);
}
