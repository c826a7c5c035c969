#include "open_guard.h"
#include <lber.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>

/* The callbacks first, so a pointer to the guard is a pointer to what libldap is given. */
struct pwsync_open_guard {
    struct ldap_conncb cb;
    pthread_mutex_t lock;
    int fd;        /* the connecting socket, or -1 */
    int opening;   /* 1 until the open is over */
    int fired;     /* the deadline passed and shut the socket down */
};

/* libldap: TCP is connected on this socket. */
static int guard_add(LDAP *ld, Sockbuf *sb, LDAPURLDesc *srv, struct sockaddr *addr, struct ldap_conncb *ctx) {
    (void)ld; (void)srv; (void)addr;
    struct pwsync_open_guard *g = (struct pwsync_open_guard *)ctx;
    ber_socket_t fd = -1;
    if (ber_sockbuf_ctrl(sb, LBER_SB_OPT_GET_FD, &fd) != 1) fd = -1;
    pthread_mutex_lock(&g->lock);
    g->fd = g->opening ? fd : -1;
    pthread_mutex_unlock(&g->lock);
    return 0;
}

/* libldap: the socket is being closed. */
static void guard_del(LDAP *ld, Sockbuf *sb, struct ldap_conncb *ctx) {
    (void)ld; (void)sb;
    struct pwsync_open_guard *g = (struct pwsync_open_guard *)ctx;
    pthread_mutex_lock(&g->lock);
    g->fd = -1;
    pthread_mutex_unlock(&g->lock);
}

struct pwsync_open_guard *pwsync_guard_new(void) {
    struct pwsync_open_guard *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    pthread_mutex_init(&g->lock, NULL);
    g->fd = -1;
    g->opening = 1;
    g->cb.lc_add = guard_add;
    g->cb.lc_del = guard_del;
    g->cb.lc_arg = NULL;
    return g;
}

struct ldap_conncb *pwsync_guard_callbacks(struct pwsync_open_guard *g) { return &g->cb; }

int pwsync_guard_fire(struct pwsync_open_guard *g) {
    int cut = 0;
    pthread_mutex_lock(&g->lock);
    if (g->opening) {
        g->fired = 1;
        if (g->fd >= 0) { shutdown(g->fd, SHUT_RDWR); cut = 1; }
    }
    pthread_mutex_unlock(&g->lock);
    return cut;
}

int pwsync_guard_disarm(struct pwsync_open_guard *g) {
    pthread_mutex_lock(&g->lock);
    g->opening = 0;
    g->fd = -1;
    int fired = g->fired;
    pthread_mutex_unlock(&g->lock);
    return fired;
}

void pwsync_guard_free(struct pwsync_open_guard *g) {
    pthread_mutex_destroy(&g->lock);
    free(g);
}
