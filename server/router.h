/* The endpoints: which route a request head names, whether its parameters are valid, and the
 * response each route gives. Shared by every concurrency model through conn.c. */
#ifndef C10K_ROUTER_H
#define C10K_ROUTER_H

#include "conn.h"

struct config;

/* Loads what the endpoints serve from files (the chart library of /dashboard). Returns 0 or a
 * negative errno; the server runs without it, /dashboard/chart.js then answers 404. */
int router_init(const struct config *cfg);
/* Decides the route and, for a request that will be answered with an error (404, 405, 400 for a
 * bad parameter, 501), its status. */
void router_resolve(const struct http_request *req, const struct conn_env *env,
                    struct conn_request *out);
/* Whether the request must wait before it is answered, and for what. */
int router_defer(const struct conn_request *r, int defer_work, struct conn_defer *d);
/* Appends the response to the request (its body, for /echo, is in c->body). Returns the status,
 * or -ENOMEM. */
int router_respond(struct conn *c, struct buf *out);

#endif
