#include "compat.h"

#include <math.h>
#include <string.h>

/* A key may hold dots itself ("errors.thread_create"): each prefix of the path that names a
 * member is tried, the shortest first. */
json_t *results_get(const json_t *root, const char *path)
{
    if (!root || !*path)
        return (json_t *)root;
    char key[128];
    for (size_t n = strcspn(path, ".");; n += 1 + strcspn(path + n + 1, ".")) {
        if (n >= sizeof key)
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        json_t *v = json_object_get(root, key);
        if (v && !path[n])
            return v;
        json_t *found = v ? results_get(v, path + n + 1) : NULL;
        if (found)
            return found;
        if (!path[n])
            return NULL;
    }
}

double results_num(const json_t *root, const char *path)
{
    json_t *v = results_get(root, path);
    return json_is_number(v) ? json_number_value(v) : NAN;
}
