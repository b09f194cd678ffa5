/* fuzz_util.h — what the fuzz targets share: the fuzz input as a file the path-taking readers
 * can open, an .npz archive assembled from the input, and a quiet context. */
#ifndef ZSUM_FUZZ_UTIL_H
#define ZSUM_FUZZ_UTIL_H

#include "zsum.h"

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry point, defined by each target and called by libFuzzer or by replay.c. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A path whose file holds exactly data[0..size): a memfd (no disk, no cleanup), reached
 * through a symbolic link named "input" + suffix in a private temporary folder, because some
 * readers choose the format by the name's ending (".npz", ".gz"). The same path is reused on
 * every call; the link and the memfd live until the process ends. */
const char *fuzz_file(const uint8_t *data, size_t size, const char *suffix);

/* The input as an .npz archive, so that the model loaders see well-formed zip members (a
 * mutated zip rarely survives its CRCs; the zip container itself is fuzzed by fuzz_npz).
 * Layout: records separated by FUZZ_NPZ_SEP; each record is a member name, a NUL byte, then
 * the member's bytes (a record without a NUL is skipped). At most 8 members, stored
 * uncompressed. Returns the archive's path (fuzz_file's "input.npz"; with no member, the path
 * of a file that does not exist), or NULL when libzip refuses. */
#define FUZZ_NPZ_SEP "@@zsum-member@@"
const char *fuzz_npz(const uint8_t *data, size_t size);

/* A context with one thread (the targets must be deterministic); created once. */
zs_ctx *fuzz_ctx(void);

/* The private temporary folder (created on first use, removed at exit). */
const char *fuzz_dir(void);

#endif
