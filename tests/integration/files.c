/* Temporary directories and whole files for the integration tests. */
#include "internal.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    if (remove(path) < 0)
        fprintf(stderr, "  remove %s: %s\n", path, strerror(errno));
    return 0;
}

void it_remove_tree(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

char *it_temp_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    char *tmpl = it_xmalloc(PATH_MAX);
    snprintf(tmpl, PATH_MAX, "%s/c10k-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(tmpl) == NULL) {
        it_log("mkdtemp %s: %s", tmpl, strerror(errno));
        free(tmpl);
        return NULL;
    }
    it_own(IT_RES_DIR, tmpl);
    return tmpl;
}

int it_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        it_log("%s: %s", path, strerror(errno));
        return -errno;
    }
    size_t n = strlen(text);
    int ok = fwrite(text, 1, n, f) == n;
    ok = fclose(f) == 0 && ok;
    if (!ok) {
        it_log("writing %s failed", path);
        return -EIO;
    }
    return 0;
}

char *it_read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        it_log("%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t len = 0, cap = 4096;
    char *data = it_xmalloc(cap);
    size_t n;
    while ((n = fread(data + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 1024)
            data = it_xrealloc(data, cap *= 2);
    }
    fclose(f);
    data[len] = '\0';
    char *out = it_alloc(len + 1);
    memcpy(out, data, len + 1);
    free(data);
    return out;
}
