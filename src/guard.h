/* guard: where the pages savepage serve renders may connect. A SOCKS5
 * proxy on the event loop, on 127.0.0.1, through which every browser
 * context of the server goes (loopback included): it resolves each host
 * itself and refuses a connection when any address the name has is
 * loopback, private, link-local, shared (CGNAT), multicast, reserved or
 * unspecified, then connects to the very address it checked, so a name
 * cannot answer one way for the check and another for the connection. */
#ifndef SAVEPAGE_GUARD_H
#define SAVEPAGE_GUARD_H

#include <stdbool.h>
#include <sys/socket.h>

#include "loop.h"
#include "util.h"

struct guard;

/* Listens on 127.0.0.1, a free port per lane (a render at a time uses a
 * lane, so that what was refused can be told per render). allowed:
 * "HOST:PORT" entries ([v6]:PORT too) let through whatever their address
 * (an intranet site that is trusted); NULL for none. NULL with *err. */
struct guard *guard_new(struct loop *loop, const struct strlist *allowed, size_t lanes,
			char **err);
/* "socks5://127.0.0.1:PORT" of a lane, for a browser context. */
const char *guard_proxy(const struct guard *g, size_t lane);
/* Runs the name lookups' results; call on each turn of the loop. */
void guard_poll(struct guard *g);
/* Connections a lane refused by the rules so far. */
unsigned long guard_refusals(const struct guard *g, size_t lane);
/* Closes every connection. NULL is a no-op. */
void guard_free(struct guard *g);

/* Whether an address may be reached from a page. */
bool guard_addr_public(const struct sockaddr *sa);

#endif
