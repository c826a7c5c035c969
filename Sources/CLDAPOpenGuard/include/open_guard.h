#ifndef PWSYNC_OPEN_GUARD_H
#define PWSYNC_OPEN_GUARD_H
#include <ldap.h>

/* A deadline for opening a connection. libldap's TLS handshake (ldaps, or after StartTLS) honours
   no timeout of its own: a server that accepts TCP but never answers would hold the calling thread
   forever. libldap reports the socket to the guard once TCP is connected and when it closes it; a
   timer that fires before the open is over shuts the socket down, which wakes the blocked read,
   and the open fails. Only a socket still open and still opening is ever touched. */
struct pwsync_open_guard;

/* A guard for one open, or NULL when out of memory. */
struct pwsync_open_guard *pwsync_guard_new(void);
/* What to give libldap as LDAP_OPT_CONNECT_CB. */
struct ldap_conncb *pwsync_guard_callbacks(struct pwsync_open_guard *g);
/* The timer: returns 1 when it cut an open still in progress. */
int pwsync_guard_fire(struct pwsync_open_guard *g);
/* The open is over (either way): the timer may no longer touch the socket. Returns 1 if it fired. */
int pwsync_guard_disarm(struct pwsync_open_guard *g);
void pwsync_guard_free(struct pwsync_open_guard *g);

#endif
